import { ClickHouseLogLevel } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { clientLogLevel, clientLoggerClass } from './logger.js';
import type { ClickHouseLogger } from './logger.js';

// pino 9's LogFn and level check, copied so the test does not need pino: if ClickHouseLogger ever
// asks for more than pino offers, the assignment below stops compiling (typecheck covers tests).
interface PinoLogFn {
  <T extends object>(obj: T, msg?: string, ...args: unknown[]): void;
  (obj: unknown, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}
interface PinoLike {
  trace: PinoLogFn;
  debug: PinoLogFn;
  info: PinoLogFn;
  warn: PinoLogFn;
  error: PinoLogFn;
  isLevelEnabled(level: string): boolean;
}

function recordingLogger(level: 'trace' | 'info' | 'warn' | 'silent') {
  const order = ['trace', 'debug', 'info', 'warn', 'error'];
  const lines: { level: string; obj: unknown; msg: unknown }[] = [];
  const at =
    (name: string): PinoLogFn =>
    (obj: unknown, msg?: unknown) =>
      void lines.push({ level: name, obj, msg });
  const pino: PinoLike = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (l) => level !== 'silent' && order.indexOf(l) >= order.indexOf(level),
  };
  const logger: ClickHouseLogger = pino;
  return { logger, lines };
}

describe('clientLoggerClass', () => {
  it("forwards @clickhouse/client's log calls as pino (fields, message) with err kept as err", () => {
    const { logger, lines } = recordingLogger('trace');
    const Client = clientLoggerClass(logger);
    const log = new Client();
    const err = new Error('socket hang up');
    log.debug({ module: 'HTTP Adapter', message: 'got a response', args: { status: 200 } });
    log.error({ module: 'HTTP Adapter', message: 'request failed', err });
    log.warn({ module: 'Config', message: 'overridden' });
    expect(lines).toEqual([
      { level: 'debug', obj: { status: 200, module: 'HTTP Adapter' }, msg: 'got a response' },
      { level: 'error', obj: { module: 'HTTP Adapter', err }, msg: 'request failed' },
      { level: 'warn', obj: { module: 'Config' }, msg: 'overridden' },
    ]);
  });
});

describe('clientLogLevel', () => {
  it.each([
    ['trace', ClickHouseLogLevel.TRACE],
    ['info', ClickHouseLogLevel.INFO],
    ['warn', ClickHouseLogLevel.WARN],
    ['silent', ClickHouseLogLevel.OFF],
  ] as const)('asks @clickhouse/client for what a pino logger at %s would print', (level, expected) => {
    expect(clientLogLevel(recordingLogger(level).logger)).toBe(expected);
  });

  it('falls back to WARN for a logger without isLevelEnabled', () => {
    const { isLevelEnabled: _, ...logger } = recordingLogger('trace').logger;
    expect(clientLogLevel(logger)).toBe(ClickHouseLogLevel.WARN);
  });
});
