// The policy on canonical text (as the engine's formatQuerySingleLine writes it), with a small catalog
// given by hand. The integration tests (test/query-endpoint-attacks.test.ts) run it on the engine's own
// rendering and catalog.
import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '../types.js';
import { buildEngineCatalog } from './engine-catalog.js';
import { resolveQueryEndpointOptions } from './options.js';
import { checkCanonicalQuery, settingLiteral, unquoteString } from './query-policy.js';
import { boundParameterValue } from './query-parameters.js';
import { checkRequestParameters, checkSetting } from './settings-allow-list.js';

const fn = (name: string, extra: Partial<{ is_aggregate: number; case_insensitive: number; alias_to: string }> = {}) => ({
  name,
  is_aggregate: 0,
  case_insensitive: 0,
  alias_to: '',
  ...extra,
});

const catalog = buildEngineCatalog({
  version: '26.7',
  timezone: 'UTC',
  functions: [
    fn('count', { is_aggregate: 1, case_insensitive: 1 }),
    fn('sum', { is_aggregate: 1, case_insensitive: 1 }),
    fn('uniq', { is_aggregate: 1 }),
    fn('lower', { case_insensitive: 1 }),
    fn('lcase', { alias_to: 'lower', case_insensitive: 1 }),
    fn('plus'),
    fn('format'),
    fn('file'),
    fn('dictGet'),
    fn('dictGetString'),
    fn('getSetting'),
    fn('toString', { case_insensitive: 1 }),
    fn('arrayMap'),
  ],
  combinators: ['If', 'Array', 'State', 'Merge', 'OrNull', 'Null', 'Distinct'],
  tableFunctions: ['numbers', 'values', 'file', 'url', 'format', 'merge', 'view'],
  settings: ['max_threads', 'readonly', 'max_result_rows', 'log_comment', 'session_timezone', 'result_overflow_mode'],
  outputFormats: ['JSON', 'JSONEachRow', 'TabSeparated', 'Template', 'Protobuf'],
  timeZones: ['UTC', 'Europe/Berlin'],
});

const options = resolveQueryEndpointOptions({
  clickhouse: { mode: 'embedded', client: {}, database: 'shadow', location: '/data' } as unknown as ClickHouse,
  limits: { maxResultRows: 100 },
});

const context = { database: 'shadow', existingDatabases: new Set(['shadow', 'system', 'default', 'other', 'INFORMATION_SCHEMA']), catalog, options };
const check = (sql: string) => checkCanonicalQuery(sql, context);
const verdictOf = (sql: string) => {
  const v = check(sql);
  return v.ok ? 'ok' : `${v.error.code} ${v.error.type}`;
};

describe('checkCanonicalQuery', () => {
  it.each([
    'SELECT count() FROM events',
    'SELECT lcase(route), LOWER(route), COUNT(*), sumIf(x, y), uniqArrayIf(a, b), countDistinct(x) FROM events',
    "SELECT format('{} {}', a, b) FROM events",
    'SELECT * FROM numbers(10)',
    "SELECT * FROM `VALUES`('a UInt8', 1)",
    "SELECT * FROM `VALUES`('a Enum8(\\'x\\' = 1), b Array(Nullable(Decimal(10, 2)))', (1, [1.5]))",
    "SELECT * FROM `VALUES`(('Bool', 1, true, 0, 0), ('Date', 10, false, 0, 0))",
    'SELECT * FROM `VALUES`(1, 2, 3)',
    'SELECT arrayMap(x -> (x + 1), [1, 2])',
    'SELECT name FROM system.tables WHERE database = currentDatabase_not_called',
    'SELECT * FROM shadow.events',
    'SELECT * FROM INFORMATION_SCHEMA.TABLES',
    'SELECT t.a FROM events AS t',
    'SHOW TABLES FROM system',
    'SHOW CREATE TABLE events',
    'DESCRIBE TABLE events',
    'EXISTS TABLE events',
    'EXPLAIN header = 1 SELECT 1',
    'EXPLAIN ANALYZE SELECT 1',
    'SELECT {x:String}, {a:Array(Nullable(String))}',
    'SELECT 1 FORMAT JSONEachRow',
    'SELECT * APPLY sum APPLY toString FROM events',
    'SELECT format FROM events',
    "SELECT arrayMap(lower, ['A']), arrayMap(toString, [1])",
    'SELECT 1 AS format FORMAT JSON',
  ])('allows %s', (sql) => {
    expect(verdictOf(sql)).toBe('ok');
  });

  it.each([
    ['INSERT INTO events FORMAT Values', '164 READONLY'],
    ['SET readonly = 0', '164 READONLY'],
    ['EXPLAIN PIPELINE INSERT INTO t SELECT 1', '164 READONLY'],
    ['SHOW PROCESSLIST', '497 ACCESS_DENIED'],
    ['SHOW CREATE USER default', '497 ACCESS_DENIED'],
    ["SELECT * FROM file('x')", '497 ACCESS_DENIED'],
    ["SELECT * FROM numbers(1), format(CSV, '1')", '497 ACCESS_DENIED'],
    ["SELECT * FROM numbers(1) AS n INNER JOIN format(CSV, '1') ON 1", '497 ACCESS_DENIED'],
    ["DESCRIBE TABLE format(CSV, '1')", '497 ACCESS_DENIED'],
    ["SELECT * FROM url('x')", '497 ACCESS_DENIED'],
    ["SELECT file('x')", '497 ACCESS_DENIED'],
    ["SELECT dictGetString('d', 'a', 1)", '497 ACCESS_DENIED'],
    ["SELECT getSetting('readonly')", '497 ACCESS_DENIED'],
    ['SELECT nosuchfunction(1)', '46 UNKNOWN_FUNCTION'],
    ['SELECT * FROM other.secrets', '497 ACCESS_DENIED'],
    ['SELECT * FROM default.t', '497 ACCESS_DENIED'],
    ['SHOW TABLES FROM other', '497 ACCESS_DENIED'],
    ['SELECT * FROM system.processes', '497 ACCESS_DENIED'],
    ['SELECT * FROM {t:Identifier}', '497 ACCESS_DENIED'],
    ["SELECT 1 INTO OUTFILE 'x'", '497 ACCESS_DENIED'],
    ['SELECT 1 FORMAT Template', '497 ACCESS_DENIED'],
    ['SELECT 1 FORMAT Nope', '73 UNKNOWN_FORMAT'],
    ['SELECT 1 SETTINGS readonly = 0', '452 SETTING_CONSTRAINT_VIOLATION'],
    ["SELECT 1 SETTINGS max_threads = '1; DROP TABLE t'", '452 SETTING_CONSTRAINT_VIOLATION'],
    ['SELECT 1 SETTINGS max_threads = DEFAULT', '497 ACCESS_DENIED'],
    ['SELECT 1 SETTINGS nope = 1', '115 UNKNOWN_SETTING'],
    ['SELECT 1; SELECT 2', '62 SYNTAX_ERROR'],
    ["SELECT b FROM `VALUES`('a UInt8, b String ALIAS file(\\'/etc/passwd\\')', 1)", '497 ACCESS_DENIED'],
    ["SELECT * FROM `VALUES`('a UInt8 DEFAULT 1', 1)", '497 ACCESS_DENIED'],
    ["SELECT * FROM `VALUES`(('a UInt8, b String MATERIALIZED 1'), 1)", '497 ACCESS_DENIED'],
    ["SELECT * FROM `VALUES`(concat('a UInt8', ''), 1)", '497 ACCESS_DENIED'],
    ['SELECT * FROM `VALUES`({s:String}, 1)', '497 ACCESS_DENIED'],
    ['SELECT * FROM `VALUES`(x, 1)', '497 ACCESS_DENIED'],
    ["SELECT * APPLY file FROM (SELECT '/etc/passwd' AS x)", '497 ACCESS_DENIED'],
    ["SELECT COLUMNS('x') APPLY getSetting FROM t", '497 ACCESS_DENIED'],
    ['SELECT * APPLY x -> file(x) FROM t', '497 ACCESS_DENIED'],
    ["SELECT arrayMap(file, ['/etc/passwd'])", '497 ACCESS_DENIED'],
    ["SELECT arrayMap(getSetting, ['readonly'])", '497 ACCESS_DENIED'],
  ])('refuses %s with %s', (sql, expected) => {
    expect(verdictOf(sql)).toBe(expected);
  });

  it("rebuilds SETTINGS values from the parsed value and lowers limits to the endpoint's", () => {
    const verdict = check(
      "SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 0) SETTINGS max_threads = 2, result_overflow_mode = 'BREAK', max_result_rows = 100000, session_timezone = 'Europe/Berlin' FORMAT JSON",
    );
    expect(verdict).toEqual({
      ok: true,
      sql: "SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 100) SETTINGS max_threads = 2, result_overflow_mode = 'break', max_result_rows = 100, session_timezone = 'Europe/Berlin' FORMAT JSON",
      format: 'JSON',
      parameterTypes: new Map(),
    });
  });

  it('names the refused thing in the message', () => {
    const verdict = check("SELECT * FROM merge('other', '.*')");
    expect(verdict.ok ? '' : verdict.error.message).toMatch(/table function merge\(\) is not allowed/);
    const alias = check("SELECT lcase('x'), dictGet('d', 'a', 1)");
    expect(alias.ok ? '' : alias.error.message).toMatch(/function dictGet reads dictionaries/);
  });
});

describe('settings and URL parameters', () => {
  it('parses typed values and refuses the rest, naming the setting', () => {
    expect(checkSetting('max_threads', '4', 'URL parameter', catalog, options)).toEqual({ ok: true, value: 4 });
    expect(checkSetting('max_result_rows', '0', 'URL parameter', catalog, options)).toEqual({ ok: true, value: 100 });
    expect(checkSetting('max_result_rows', '5', 'URL parameter', catalog, options)).toEqual({ ok: true, value: 5 });
    expect(checkSetting('result_overflow_mode', 'Throw', 'URL parameter', catalog, options)).toEqual({ ok: true, value: 'throw' });
    for (const raw of ["1'", '1;', '١', '1e3', '-1', '65', '']) {
      expect(checkSetting('max_threads', raw, 'URL parameter', catalog, options)).toMatchObject({ ok: false, refusal: { code: 452 } });
    }
    expect(checkSetting('session_timezone', "UTC'", 'x', catalog, options)).toMatchObject({ ok: false });
    expect(checkSetting('readonly', '0', 'x', catalog, options)).toMatchObject({
      ok: false,
      refusal: { code: 452, message: expect.stringContaining("'readonly'") },
    });
    expect(checkSetting('nope', '0', 'x', catalog, options)).toMatchObject({ ok: false, refusal: { code: 115 } });
  });

  it('sorts URL parameters into protocol, settings and query parameters', () => {
    const checked = checkRequestParameters(new URLSearchParams('query=SELECT+1&compress=1&max_threads=2&param_x=a%27b&session_id=s'), catalog, options);
    expect(checked).toEqual({
      ok: true,
      parameters: {
        protocol: new Map<string, unknown>([
          ['query', 'SELECT 1'],
          ['compress', true],
          ['session_id', 's'],
        ]),
        settings: new Map([['max_threads', 2]]),
        queryParams: new Map([['x', "a'b"]]),
      },
    });
    expect(checkRequestParameters(new URLSearchParams('max_threads=1&max_threads=2'), catalog, options)).toMatchObject({ ok: false, refusal: { code: 36 } });
    expect(checkRequestParameters(new URLSearchParams('query_id=a%20b'), catalog, options)).toMatchObject({ ok: false, refusal: { code: 36 } });
  });

  it('writes setting literals only from parsed values', () => {
    expect([settingLiteral(true), settingLiteral(3), settingLiteral('break')]).toEqual(['1', '3', "'break'"]);
    expect(() => settingLiteral("x'")).toThrow();
    expect(unquoteString("'it\\'s ''ok'' \\t'")).toBe("it's 'ok' \t");
  });
});

describe('query parameter values for chdb', () => {
  it('decodes scalar text as a server does, keeps composite text, refuses what cannot pass unchanged', () => {
    expect(boundParameterValue('x', "it\\'s\\ta\\\\b", 'String')).toEqual({ ok: true, value: "it's\ta\\b" });
    expect(boundParameterValue('x', '\\N', 'Nullable(String)')).toEqual({ ok: true, value: null });
    expect(boundParameterValue('x', '\\x41', 'String')).toEqual({ ok: true, value: 'A' });
    expect(boundParameterValue('x', '\\xff', 'String')).toMatchObject({ ok: false });
    expect(boundParameterValue('a', "['it\\'s', 'b\\tc']", 'Array(String)')).toEqual({ ok: true, value: "['it''s', 'b\tc']" });
    expect(boundParameterValue('a', "['\\x41']", 'Array(String)')).toMatchObject({ ok: false, message: expect.stringContaining("'a'") });
    expect(boundParameterValue('a', "['a\tb']", 'Array(String)')).toMatchObject({ ok: false });
  });
});
