import { describe, expect, it } from 'vitest';
import { MAX_PARAM_LENGTH, ParamError, readExchangeId, readPairListParams, readParams, readTarget } from './params.js';

const NOW = Date.parse('2026-06-01T12:00:00Z') + (Date.now() % 1000);
const HOUR = 3_600_000;
const params = (query: string, path: Parameters<typeof readParams>[0] = '/api/pairs') => readParams(path, new URLSearchParams(query));
const refused = (f: () => unknown, message: RegExp) => expect(f).toThrow(message);

describe('readParams: the allow list of each API path', () => {
  it('refuses parameters the path does not take, repeats and oversize values, naming them', () => {
    refused(() => params('since=1h&sql=SELECT%201', '/api/overview'), /unknown parameter "sql" for \/api\/overview \(accepted: since, until, run\)/);
    refused(() => params('id=a&id=b', '/api/pair'), /"id" given more than once/);
    refused(() => params(`route=${'x'.repeat(MAX_PARAM_LENGTH + 1)}`), /longer than 512/);
    refused(() => params('anything=1', '/api/config'), /accepted: none/);
    expect([...params('challenger=c&page=2')]).toEqual([
      ['challenger', 'c'],
      ['page', '2'],
    ]);
  });
});

describe('readTarget: a window as a duration back from now or ISO times', () => {
  it('reads durations and ISO times with a zone; defaults to the configured window ending now', () => {
    expect(readTarget(new Map(), NOW, HOUR)).toEqual({ window: { fromMs: NOW - HOUR, toMs: NOW } });
    expect(readTarget(new Map([['since', '15m']]), NOW, HOUR)).toEqual({ window: { fromMs: NOW - 900_000, toMs: NOW } });
    expect(
      readTarget(
        new Map([
          ['since', '2026-06-01T10:00:00Z'],
          ['until', '2026-06-01T12:30:00+01:00'],
          ['run', 'r-1.a_b'],
        ]),
        NOW,
        HOUR,
      ),
    ).toEqual({ window: { fromMs: Date.parse('2026-06-01T10:00:00Z'), toMs: Date.parse('2026-06-01T11:30:00Z') }, runId: 'r-1.a_b' });
  });

  it('refuses what is neither, an empty or reversed window, more than 90 days, and SQL', () => {
    for (const bad of ["1h' OR '1'='1", 'yesterday', '2026-06-01 10:00', '2026-06-01T10:00:00', '-1h', '1h; DROP TABLE pairs']) {
      refused(() => readTarget(new Map([['since', bad]]), NOW, HOUR), /"since" must be a duration/);
    }
    refused(
      () =>
        readTarget(
          new Map([
            ['since', '1h'],
            ['until', '2h'],
          ]),
          NOW,
          HOUR,
        ),
      /"since" must be before "until"/,
    );
    refused(() => readTarget(new Map([['since', '91d']]), NOW, HOUR), /at most 90 days/);
    refused(() => readTarget(new Map([['run', "r' OR 1=1"]]), NOW, HOUR), /"run" must be a run id/);
  });
});

describe('readPairListParams and readExchangeId', () => {
  it('read a route, a path, a filter and a page', () => {
    const p = readPairListParams(
      new Map([
        ['challenger', 'pricing-v2@2'],
        ['method', 'GET'],
        ['route', '/users/:id'],
        ['path', "$['odd key'].x"],
        ['filter', 'all'],
        ['page', '3'],
      ]),
      NOW,
      HOUR,
    );
    expect(p).toMatchObject({ challengerId: 'pricing-v2@2', route: { method: 'GET', route: '/users/:id' }, path: "$['odd key'].x", filter: 'all', page: 3 });
    expect(readPairListParams(new Map([['challenger', 'c']]), NOW, HOUR)).toMatchObject({ filter: 'differing', page: 0 });
  });

  it('refuse a missing challenger, a malformed one, a method without a route, control characters, bad filters and pages', () => {
    refused(() => readPairListParams(new Map(), NOW, HOUR), /"challenger" is required/);
    refused(() => readPairListParams(new Map([['challenger', "c' OR '1'='1"]]), NOW, HOUR), /"challenger" must be a challenger id/);
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['method', 'GET'],
          ]),
          NOW,
          HOUR,
        ),
      /"method" and "route" go together/,
    );
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['method', 'get; drop'],
            ['route', '/x'],
          ]),
          NOW,
          HOUR,
        ),
      /"method" must be an HTTP method/,
    );
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['path', '$.a\u0000b'],
          ]),
          NOW,
          HOUR,
        ),
      /"path" must be a differing path/,
    );
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['filter', 'everything'],
          ]),
          NOW,
          HOUR,
        ),
      /"filter" must be one of differing, agreeing, all/,
    );
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['page', '-1'],
          ]),
          NOW,
          HOUR,
        ),
      /"page" must be a page number/,
    );
    refused(
      () =>
        readPairListParams(
          new Map([
            ['challenger', 'c'],
            ['page', '100001'],
          ]),
          NOW,
          HOUR,
        ),
      /"page" must be a page number/,
    );
  });

  it('an exchange id is 1-128 visible ASCII characters, as the tap makes them', () => {
    expect(readExchangeId(new Map([['id', '01890a5d-ac96-774b-bcce-b302099a8057']]))).toBe('01890a5d-ac96-774b-bcce-b302099a8057');
    // Quotes are visible ASCII: such an id is a value like any other (a parameter, never SQL).
    expect(readExchangeId(new Map([['id', "x'OR'1'='1"]]))).toBe("x'OR'1'='1");
    refused(() => readExchangeId(new Map([['id', "x' OR 1=1 --"]])), /"id" must be an exchange id/);
    refused(() => readExchangeId(new Map([['id', 'x'.repeat(129)]])), /"id" must be an exchange id/);
    refused(() => readExchangeId(new Map()), /"id" is required/);
    expect(() => readExchangeId(new Map())).toThrow(ParamError);
  });
});
