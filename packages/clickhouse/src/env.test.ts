import { describe, expect, it } from 'vitest';
import { clickhouseOptionsFromEnv } from './env.js';
import { ClickHouseError } from './errors.js';

describe('clickhouseOptionsFromEnv', () => {
  it('picks server mode when CLICKHOUSE_URL is set, with user, password and database', () => {
    expect(
      clickhouseOptionsFromEnv({
        CLICKHOUSE_URL: 'http://ch:8123',
        CLICKHOUSE_USER: 'shadow',
        CLICKHOUSE_PASSWORD: 'pw',
        CLICKHOUSE_DATABASE: 'shadow',
      }),
    ).toEqual({ mode: 'server', url: 'http://ch:8123', username: 'shadow', password: 'pw', database: 'shadow' });
  });

  it('leaves unset server fields to the option defaults', () => {
    expect(clickhouseOptionsFromEnv({ CLICKHOUSE_URL: 'http://ch:8123' })).toEqual({ mode: 'server', url: 'http://ch:8123' });
  });

  it('picks embedded mode otherwise, with CHDB_PATH and CLICKHOUSE_DATABASE', () => {
    expect(clickhouseOptionsFromEnv({ CHDB_PATH: '/var/lib/shadow/chdb', CLICKHOUSE_DATABASE: 'shadow' })).toEqual({
      mode: 'embedded',
      path: '/var/lib/shadow/chdb',
      database: 'shadow',
    });
    expect(clickhouseOptionsFromEnv({})).toEqual({ mode: 'embedded' });
  });

  it('treats empty values as unset', () => {
    expect(clickhouseOptionsFromEnv({ CLICKHOUSE_URL: '', CLICKHOUSE_USER: '', CHDB_PATH: '' })).toEqual({ mode: 'embedded' });
  });

  it('keeps a password exactly as given (spaces included)', () => {
    expect(clickhouseOptionsFromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_PASSWORD: ' pw ' })).toMatchObject({ password: ' pw ' });
  });

  it.each([
    [{ CLICKHOUSE_URL: 'http://ch:8123', CHDB_PATH: '/tmp/ch' }, 'CHDB_PATH'],
    [{ CLICKHOUSE_USER: 'shadow' }, 'CLICKHOUSE_USER'],
    [{ CLICKHOUSE_PASSWORD: 'pw' }, 'CLICKHOUSE_PASSWORD'],
  ])('rejects the contradictory %j naming %s', (env, name) => {
    let caught: unknown;
    try {
      clickhouseOptionsFromEnv(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ClickHouseError);
    expect(caught).toMatchObject({ code: 'CH_INVALID_OPTIONS', message: expect.stringContaining(name) as unknown });
  });
});
