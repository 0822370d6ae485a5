import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '../types.js';
import { DEFAULT_QUERY_ENDPOINT_LIMITS, resolveQueryEndpointOptions } from './options.js';
import type { QueryEndpointOptions } from './options.js';

// Only the handle's shape is read at resolution; no engine is needed.
const handle = (mode: 'embedded' | 'server') => ({ mode, client: {}, database: 'shadow', location: '/data' }) as unknown as ClickHouse;

const store = (): Promise<undefined> => Promise.resolve(undefined);

const messageOf = (options: unknown) => {
  try {
    resolveQueryEndpointOptions(options as QueryEndpointOptions);
  } catch (err) {
    expect(err).toMatchObject({ code: 'CH_INVALID_OPTIONS' });
    return (err as Error).message;
  }
  throw new Error('expected CH_INVALID_OPTIONS');
};

describe('resolveQueryEndpointOptions', () => {
  it('applies defaults and freezes', () => {
    const resolved = resolveQueryEndpointOptions({ clickhouse: handle('embedded') });
    expect(resolved).toMatchObject({ host: '127.0.0.1', port: 8123, user: 'default', password: undefined, displayName: 'shadow-chdb' });
    expect(resolved.limits).toEqual(DEFAULT_QUERY_ENDPOINT_LIMITS);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('keeps write routes by path with a 1 MiB body cap by default', () => {
    const resolved = resolveQueryEndpointOptions({ clickhouse: handle('embedded'), routes: [{ path: '/shadow/gate-runs', handle: store }] });
    expect(resolved.routes.get('/shadow/gate-runs')?.maxBodyBytes).toBe(1024 * 1024);
    expect(resolveQueryEndpointOptions({ clickhouse: handle('embedded') }).routes.size).toBe(0);
  });

  it('merges given limits over the defaults', () => {
    expect(resolveQueryEndpointOptions({ clickhouse: handle('embedded'), limits: { maxResultRows: 10 } }).limits).toEqual({
      ...DEFAULT_QUERY_ENDPOINT_LIMITS,
      maxResultRows: 10,
    });
  });

  it.each([
    [{ clickhouse: handle('server') }, '"clickhouse"'],
    [{ clickhouse: undefined }, '"clickhouse"'],
    [{ clickhouse: handle('embedded'), port: 70000 }, '"port"'],
    [{ clickhouse: handle('embedded'), host: '' }, '"host"'],
    [{ clickhouse: handle('embedded'), password: 5 }, '"password"'],
    [{ clickhouse: handle('embedded'), limits: { maxResultRows: 0 } }, '"limits.maxResultRows"'],
    [{ clickhouse: handle('embedded'), limits: { maxExecutionTimeSec: 1.5 } }, '"limits.maxExecutionTimeSec"'],
    [{ clickhouse: handle('embedded'), limits: { rows: 1 } }, '"limits.rows"'],
    [{ clickhouse: handle('embedded'), prot: 1 }, '"prot"'],
    [{ clickhouse: handle('embedded'), displayName: 'a\nb' }, '"displayName"'],
    [{ clickhouse: handle('embedded'), routes: {} }, '"routes"'],
    [{ clickhouse: handle('embedded'), routes: [{ path: '/ping', handle: store }] }, '"routes[0].path"'],
    [{ clickhouse: handle('embedded'), routes: [{ path: 'x', handle: store }] }, '"routes[0].path"'],
    [
      {
        clickhouse: handle('embedded'),
        routes: [
          { path: '/a', handle: store },
          { path: '/a', handle: store },
        ],
      },
      '"routes[1].path"',
    ],
    [{ clickhouse: handle('embedded'), routes: [{ path: '/a' }] }, '"routes[0].handle"'],
    [{ clickhouse: handle('embedded'), routes: [{ path: '/a', handle: store, maxBodyBytes: 0 }] }, '"routes[0].maxBodyBytes"'],
  ])('names the bad field: %j', (options, field) => {
    expect(messageOf(options)).toContain(field);
  });
});
