import type { ClickHouse } from '@shadow/clickhouse';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { startQueryEndpoint } from './query-endpoint.js';

// No engine is reached on these paths: the handle's mode and the port setting decide.
const handle = (mode: 'embedded' | 'server') =>
  ({ mode, database: 'default', location: mode === 'server' ? 'http://ch:8123' : '/data' }) as unknown as ClickHouse;
const config = { query: { port: 8123, host: '127.0.0.1' } } as const;

function capture(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const logger: Logger = pino({ level: 'info' }, { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) });
  return { logger, messages };
}

describe('the joiner starts its query endpoint only for an embedded ClickHouse', () => {
  it('serves none in server mode and says analysts use the server', async () => {
    const { logger, messages } = capture();
    expect(await startQueryEndpoint(config, handle('server'), logger)).toBeUndefined();
    expect(messages.join('\n')).toMatch(/no query endpoint in server mode/);
  });

  it('serves none with JOINER_QUERY_PORT=off, and says what that means', async () => {
    const { logger, messages } = capture();
    expect(await startQueryEndpoint({ query: { ...config.query, port: 'off' } }, handle('embedded'), logger)).toBeUndefined();
    expect(messages.join('\n')).toMatch(/JOINER_QUERY_PORT=off/);
  });
});
