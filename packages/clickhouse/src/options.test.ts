import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClickHouseError } from './errors.js';
import { DEFAULT_CLICKHOUSE_SETTINGS, resolveClickHouseOptions } from './options.js';
import type { ClickHouseOptions } from './options.js';

function rejection(options: unknown): ClickHouseError {
  try {
    resolveClickHouseOptions(options as ClickHouseOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ClickHouseError);
    expect((err as ClickHouseError).code).toBe('CH_INVALID_OPTIONS');
    expect((err as ClickHouseError).retriable).toBe(false);
    return err as ClickHouseError;
  }
  throw new Error(`options were accepted: ${JSON.stringify(options)}`);
}

describe('resolveClickHouseOptions', () => {
  it('defaults to embedded chDB under .stack/data/chdb in the working directory, database "default"', () => {
    const options = resolveClickHouseOptions();
    expect(options).toEqual({
      mode: 'embedded',
      path: resolve('.stack/data/chdb'),
      database: 'default',
      ensureDatabase: true,
      clickhouseSettings: DEFAULT_CLICKHOUSE_SETTINGS,
      logger: undefined,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.clickhouseSettings)).toBe(true);
  });

  it('defaults server mode to localhost:8123 as user "default" with a 30 s timeout', () => {
    expect(resolveClickHouseOptions({ mode: 'server' })).toMatchObject({
      mode: 'server',
      url: 'http://localhost:8123',
      username: 'default',
      password: '',
      requestTimeoutMs: 30_000,
    });
  });

  it('resolves a relative path against the working directory and keeps ":memory:"', () => {
    expect(resolveClickHouseOptions({ path: 'data/ch' })).toMatchObject({ path: resolve('data/ch') });
    expect(resolveClickHouseOptions({ path: ':memory:' })).toMatchObject({ path: ':memory:' });
  });

  it('merges clickhouseSettings over the defaults, the caller winning', () => {
    const { clickhouseSettings } = resolveClickHouseOptions({
      clickhouseSettings: { date_time_output_format: 'simple', max_threads: 2 },
    });
    expect(clickhouseSettings).toEqual({
      ...DEFAULT_CLICKHOUSE_SETTINGS,
      date_time_output_format: 'simple',
      max_threads: 2,
    });
  });

  it('pins the date-time, JSON and insert settings whose defaults vary between ClickHouse versions', () => {
    expect(DEFAULT_CLICKHOUSE_SETTINGS).toEqual({
      date_time_input_format: 'best_effort',
      date_time_output_format: 'iso',
      output_format_json_quote_64bit_integers: 1,
      async_insert: 0,
      input_format_skip_unknown_fields: 0,
    });
  });

  it.each([
    [{ mode: 'cluster' }, 'mode', '"embedded" or "server"'],
    [{ path: '' }, 'path', 'non-empty string'],
    [{ database: 'my-db' }, 'database', 'database name matching'],
    [{ database: 42 }, 'database', 'database name matching'],
    [{ ensureDatabase: 'yes' }, 'ensureDatabase', 'true or false'],
    [{ clickhouseSettings: [] }, 'clickhouseSettings', 'plain object'],
    [{ clickhouseSettings: { max_threads: { n: 1 } } }, 'clickhouseSettings.max_threads', 'string, number or boolean'],
    [{ clickhouseSettings: { 'max threads': 1 } }, 'clickhouseSettings.max threads', 'setting name'],
    [{ logger: console.log }, 'logger', 'trace, debug, info, warn, error'],
    [{ mode: 'server', url: 'localhost:8123' }, 'url', 'http:// or https://'],
    [{ mode: 'server', url: 'not a url' }, 'url', 'absolute http:// or https:// URL'],
    [{ mode: 'server', url: 'http://localhost:8123/shadow' }, 'url', 'without path'],
    [{ mode: 'server', username: '' }, 'username', 'non-empty string'],
    [{ mode: 'server', password: 1234 }, 'password', 'a string'],
    [{ mode: 'server', requestTimeoutMs: 0 }, 'requestTimeoutMs', 'positive integer'],
    [{ mode: 'server', requestTimeoutMs: 1.5 }, 'requestTimeoutMs', 'positive integer'],
    [{ url: 'http://localhost:8123' }, 'url', 'mode "server" only'],
    [{ mode: 'server', path: '/tmp/x' }, 'path', 'mode "embedded" only'],
    [{ paht: '/tmp/x' }, 'paht', 'accepted options are mode, path, url'],
  ])('rejects %j naming "%s"', (options, field, accepted) => {
    const { message } = rejection(options);
    expect(message).toContain(`"${field}"`);
    expect(message).toContain(accepted);
  });

  it('never repeats a password or URL credentials in its messages', () => {
    expect(rejection({ mode: 'server', url: 'http://bob:s3cret@localhost:8123' }).message).not.toContain('s3cret');
    expect(rejection({ mode: 'server', password: ['s3cret'] }).message).not.toContain('s3cret');
  });

  it('accepts a pino-shaped logger', () => {
    const noop = () => undefined;
    const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
    expect(resolveClickHouseOptions({ logger }).logger).toBe(logger);
  });
});
