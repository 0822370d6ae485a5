// The read-only endpoint attacked by class, over real HTTP, against the real chDB engine of this
// process (the endpoint and the test share it, as the joiner and its endpoint do). Each class ends by
// proving nothing happened: the table still has its rows, no table appeared, no file was read or
// written, no HTTP call left the process, the secret of another database never came back.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { brotliCompressSync, constants, createBrotliCompress, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  ALLOWED_FUNCTIONS_BY_CATEGORY,
  ALLOWED_SETTINGS,
  ALLOWED_TABLE_FUNCTIONS,
  PROTOCOL_PARAMETERS,
  READABLE_SYSTEM_TABLES,
  REFUSED_FUNCTIONS_BY_REASON,
  createQueryEndpoint,
} from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint, QueryEndpointOptions } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse, uniqueDatabase } from './clickhouse-fixture.js';
import { nativeCompressedBlock } from '../src/endpoint/native-compression.js';

const embedded = { mode: 'embedded', path: CHDB_TEST_PATH } as const;
const SECRET = `secret-${randomUUID()}`;

let scratch: string;
/** A file only a successful read could return. */
let canary: string;
/** Where a successful write would land. */
let target: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'shadow-endpoint-attacks-'));
  canary = join(scratch, 'canary.txt');
  target = join(scratch, 'written.txt');
  await writeFile(canary, `${SECRET}\n`);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Fixture {
  ch: ClickHouse;
  endpoint: QueryEndpoint;
  /** A database the endpoint must not read, holding SECRET. */
  other: string;
}

async function withEndpoint(options: Omit<QueryEndpointOptions, 'clickhouse'> = {}): Promise<Fixture> {
  const ch = await openTestClickHouse(embedded);
  await ch.client.command({ query: 'CREATE TABLE events (id UInt32, route String) ENGINE = MergeTree ORDER BY id' });
  await ch.client.command({ query: "INSERT INTO events VALUES (1, '/a'), (2, '/b'), (3, '/c')" });
  const other = uniqueDatabase();
  await ch.client.command({ query: `CREATE DATABASE ${other}` });
  await ch.client.command({ query: `CREATE TABLE ${other}.secrets (s String) ENGINE = MergeTree ORDER BY s` });
  await ch.client.command({ query: `INSERT INTO ${other}.secrets VALUES ('${SECRET}')` });
  onTestFinished(async () => {
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${other} SYNC` });
  });
  const endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0, ...options });
  onTestFinished(() => endpoint.close());
  return { ch, endpoint, other };
}

interface Answer {
  status: number;
  code: string | null;
  text: string;
}

async function send(
  endpoint: QueryEndpoint,
  body: string | Buffer | undefined,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(endpoint.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  const res = await fetch(url, { method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }), headers });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), text: await res.text() };
}

/** What must hold after every attack: the rows, the tables, the file system. */
async function nothingChanged({ ch }: Fixture): Promise<void> {
  const rs = await ch.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
  expect(await rs.json()).toEqual([{ n: '3' }]);
  const tables = await ch.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
  expect(await tables.json()).toEqual([{ name: 'events' }]);
  expect(existsSync(target)).toBe(false);
}

const refusedLike = (answer: Answer, code: number, name: RegExp | string) => {
  expect(answer.status, answer.text).not.toBe(200);
  expect(answer.code, answer.text).toBe(String(code));
  expect(answer.text).toMatch(/^Code: \d+\. DB::Exception: .*\(version .+\)\n$/s);
  expect(answer.text).toMatch(name);
  expect(answer.text).not.toContain(SECRET);
};

describe('settings as SQL: values never reach the engine as text', () => {
  // The exploit this closes: chdb applied URL settings as `SET name = '<value>'` with quotes doubled
  // but backslashes kept, so `\'` closed the string and the rest ran as statements with readonly=0.
  const payloads = [
    `\\'; CREATE TABLE pwn (a UInt8) ENGINE = Memory; SELECT '`,
    `\\'; INSERT INTO FUNCTION file('${'TARGET'}', 'LineAsString') SELECT 'x'; SELECT '`,
    "'; DROP TABLE events; --",
    '1; DROP TABLE events',
    '1\nDROP TABLE events',
    '1 /* */ ; DROP TABLE events',
    '1 -- comment',
    '1\\',
    '1\u0000',
    '\u0661', // ARABIC-INDIC DIGIT ONE
    '\uff11', // FULLWIDTH DIGIT ONE
    '0x10',
    '1e3',
    '-1',
    ' 1',
    '',
    `${'9'.repeat(40)}`,
  ];

  it('refuses every allowed setting given a crafted value, naming the setting; nothing runs', async () => {
    const fixture = await withEndpoint();
    for (const name of Object.keys(ALLOWED_SETTINGS)) {
      for (const raw of payloads) {
        const value = raw.replace('TARGET', target);
        const answer = await send(fixture.endpoint, 'SELECT 1', { [name]: value });
        if (answer.status === 200) {
          // A few payloads are valid for a few settings ('' for union_default_mode): then the value was parsed, and the query ran as asked.
          expect({ name, value, text: answer.text }).toMatchObject({ text: '1\n' });
          continue;
        }
        expect(answer.code, `${name}=${JSON.stringify(value)}: ${answer.text}`).toBe('452');
        expect(answer.text).toContain(`Setting '${name}' (URL parameter) expects`);
      }
    }
    await nothingChanged(fixture);
  });

  it('regression: the string-setting exploit (a backslash before the quote) creates, writes and reads nothing', async () => {
    const fixture = await withEndpoint();
    const exploit = `\\'; CREATE TABLE pwn (a UInt8) ENGINE = Memory; INSERT INTO FUNCTION file('${target}', 'LineAsString') SELECT 'x'; SELECT * FROM file('${canary}', 'LineAsString'); SELECT '`;
    for (const name of ['log_comment', 'session_timezone', 'format_csv_delimiter', 'date_time_output_format', 'count_distinct_implementation']) {
      const answer = await send(fixture.endpoint, 'SELECT 1', { [name]: exploit });
      expect(answer.code, `${name}: ${answer.text}`).toBe('452');
      expect(answer.text).toContain(`Setting '${name}' (URL parameter)`);
      expect(answer.text).not.toContain(SECRET);
    }
    await nothingChanged(fixture);
  });

  it('refuses settings that are not on the allow list (limits, readonly, spill to disk, parser, query cache) and unknown or look-alike names', async () => {
    const fixture = await withEndpoint();
    const notAllowed = [
      'readonly',
      'allow_ddl',
      'log_comment',
      'max_bytes_before_external_group_by',
      'max_bytes_before_external_sort',
      'dialect',
      'use_query_cache',
      'additional_table_filters',
      'format_schema',
      'format_template_row',
      'allow_introspection_functions',
      'timeout_overflow_mode',
      'max_query_size',
      'function_sleep_max_microseconds_per_block',
      'max_concurrent_queries_for_user',
      'enable_analyzer',
    ];
    for (const name of notAllowed) {
      refusedLike(await send(fixture.endpoint, 'SELECT 1', { [name]: '0' }), 452, `Setting '${name}' (URL parameter) is not allowed`);
    }
    for (const name of ['m\u0430x_threads', 'max_threads ', 'MAX_THREADS', 'no_such_setting', 'max_threads;', 'param-x', '']) {
      refusedLike(await send(fixture.endpoint, 'SELECT 1', { [name]: '1' }), 115, 'Unknown setting');
    }
    // A duplicate parameter is ambiguous (which one was checked?): refused.
    const url = new URL(fixture.endpoint.url);
    url.search = 'max_threads=1&max_threads=2';
    const twice = await fetch(url, { method: 'POST', body: 'SELECT 1' });
    refusedLike(
      { status: twice.status, code: twice.headers.get('x-clickhouse-exception-code'), text: await twice.text() },
      36,
      "'max_threads' is given more than once",
    );
    await nothingChanged(fixture);
  });

  it('validates every protocol parameter and header by type (database, format, query id, compression, sessions)', async () => {
    const fixture = await withEndpoint();
    const { endpoint } = fixture;
    for (const name of Object.keys(PROTOCOL_PARAMETERS).filter((n) => !['query', 'user', 'password'].includes(n))) {
      refusedLike(await send(endpoint, 'SELECT 1', { [name]: "x'; DROP TABLE events; --\n" }), 36, `URL parameter '${name}' expects`);
    }
    refusedLike(await send(endpoint, 'SELECT 1', { default_format: 'Template' }), 497, 'output format Template is not allowed');
    refusedLike(await send(endpoint, 'SELECT 1', {}, { 'X-ClickHouse-Format': "JSON'; DROP TABLE events" }), 73, 'Unknown output format');
    refusedLike(await send(endpoint, 'SELECT 1', {}, { 'X-ClickHouse-Format': 'Protobuf' }), 497, 'output format Protobuf is not allowed');
    refusedLike(await send(endpoint, 'SELECT 1 FORMAT Template'), 497, 'output format Template is not allowed');
    refusedLike(await send(endpoint, 'SELECT 1', {}, { 'X-ClickHouse-Database': 'x; DROP TABLE events' }), 81, 'does not exist');
    refusedLike(await send(endpoint, 'SELECT 1', {}, { 'X-ClickHouse-Query-Id': 'a b' }), 36, 'X-ClickHouse-Query-Id');
    // Accepted and ignored, as documented: sessions, progress headers, buffer sizes.
    const ignored = await send(endpoint, 'SELECT 7', {
      session_id: 's-1',
      session_timeout: '60',
      wait_end_of_query: '1',
      buffer_size: '1048576',
      send_progress_in_http_headers: '1',
      stacktrace: '1',
      quota_key: 'k',
      role: 'analyst',
    });
    expect(ignored).toMatchObject({ status: 200, text: '7\n' });
    await nothingChanged(fixture);
  });

  it("SETTINGS clauses: only allowed names with literal values; limits are lowered to the endpoint's wherever the clause is", async () => {
    const fixture = await withEndpoint({ limits: { maxResultRows: 100 } });
    const { endpoint } = fixture;
    const refused: [string, number, string | RegExp][] = [
      ['SELECT 1 SETTINGS readonly = 0', 452, "Setting 'readonly' (SETTINGS clause) is not allowed"],
      ['SELECT 1 SETTINGS `readonly` = 0', 452, "Setting 'readonly'"],
      ['SELECT 1 SETTINGS "allow_ddl" = 1', 452, "Setting 'allow_ddl'"],
      ['SELECT 1 SETTINGS /* x */ readonly\n= /* y */ 0', 452, "Setting 'readonly'"],
      ["SELECT 1 SETTINGS max_threads = 1, log_comment = '\\'; DROP TABLE events; --'", 452, "Setting 'log_comment'"],
      ["SELECT 1 SETTINGS max_threads = '1; DROP TABLE events'", 452, "Setting 'max_threads' (SETTINGS clause) expects an integer"],
      ["SELECT 1 SETTINGS session_timezone = 'UTC\\'; DROP TABLE events; --'", 452, "Setting 'session_timezone' (SETTINGS clause) expects a time zone"],
      ['SELECT 1 SETTINGS max_threads = DEFAULT', 497, 'setting values must be literals'],
      ['SELECT 1 SETTINGS max_threads = {n:UInt8}', 497, 'setting values must be literals'],
      ['SELECT 1 SETTINGS max_threads = NULL', 497, 'setting values must be literals'],
      ['SELECT * FROM (SELECT 1 SETTINGS readonly = 0)', 452, "Setting 'readonly'"],
      ['WITH t AS (SELECT 1 SETTINGS allow_ddl = 1) SELECT * FROM t', 452, "Setting 'allow_ddl'"],
      ['SELECT 1 FORMAT JSON SETTINGS max_bytes_before_external_sort = 1', 452, "Setting 'max_bytes_before_external_sort'"],
      ['DESCRIBE TABLE events SETTINGS readonly = 0', 452, "Setting 'readonly'"],
      // A look-alike letter is not even a token to the engine's lexer.
      ['SELECT 1 SETTINGS m\u0430x_threads = 1', 62, 'Syntax error'],
      ['SELECT 1 SETTINGS param_x = 1', 115, 'Unknown setting'],
      // EXPLAIN's options are not query settings: the engine checks them against each kind's list.
      ['EXPLAIN PLAN max_result_rows = 0 SELECT number FROM numbers(1000)', 115, 'Unknown setting "max_result_rows" for EXPLAIN PLAN'],
    ];
    for (const [sql, code, name] of refused) refusedLike(await send(endpoint, sql), code, name);
    // Limits in a clause: 0 or more than the endpoint's means the endpoint's.
    for (const sql of [
      'SELECT number FROM numbers(1000) SETTINGS max_result_rows = 0',
      'SELECT number FROM numbers(1000) SETTINGS max_result_rows = 100000000',
      'SELECT * FROM (SELECT number FROM numbers(1000) SETTINGS max_result_rows = 0) SETTINGS max_result_rows = 0',
    ]) {
      refusedLike(await send(endpoint, sql), 396, 'TOO_MANY_ROWS_OR_BYTES');
    }
    expect(
      await send(endpoint, "SELECT number FROM numbers(50) SETTINGS max_result_rows = 10, result_overflow_mode = 'break', max_block_size = 10"),
    ).toMatchObject({ status: 200 });
    expect(await send(endpoint, "SELECT toString(toDateTime('2024-01-01 00:00:00')) SETTINGS session_timezone = 'Asia/Tokyo', max_threads = 1")).toMatchObject({
      status: 200,
      text: '2024-01-01 00:00:00\n',
    });
    await nothingChanged(fixture);
  });
});

describe("table functions: an allow list, checked against the engine's own list", () => {
  it("refuses every table function of the engine that is not allowed, so a new chDB's new ones are refused by default", async () => {
    const fixture = await withEndpoint();
    const rs = await fixture.ch.client.query({ query: 'SELECT name FROM system.table_functions ORDER BY name', format: 'JSONEachRow' });
    const names = (await rs.json<{ name: string }>()).map((r) => r.name);
    const allowed = ALLOWED_TABLE_FUNCTIONS.map((n) => n.toLowerCase());
    const refused = names.filter((n) => !allowed.includes(n.toLowerCase()));
    expect(names.length).toBeGreaterThan(60);
    expect(refused).toEqual(
      expect.arrayContaining([
        'file',
        'url',
        'filesystem',
        'eval',
        's3',
        'hdfs',
        'remote',
        'remoteSecure',
        'mysql',
        'postgresql',
        'executable',
        'input',
        'format',
        'merge',
        'loop',
        'fuzzJSON',
        'generateRandom',
        'view',
        'dictionary',
        'cluster',
        'jdbc',
        'odbc',
        'sqlite',
        'redis',
        'mongodb',
      ]),
    );
    for (const name of refused) {
      // Arguments the parser accepts for this function (view() takes a subquery, the others do not).
      let args: string | undefined;
      for (const candidate of [`'${canary}'`, 'SELECT 1', "SELECT 1 ELSE null('x UInt8')"]) {
        const answer = await send(fixture.endpoint, `SELECT * FROM ${name}(${candidate})`);
        if (answer.code === '62') continue;
        refusedLike(answer, 497, `table function ${name}() is not allowed`);
        args = candidate;
        break;
      }
      expect(args, name).toBeDefined();
      for (const sql of [`SELECT * FROM \`${name}\`(${args})`, `DESCRIBE TABLE ${name}(${args})`]) {
        refusedLike(await send(fixture.endpoint, sql), 497, `table function ${name}() is not allowed`);
      }
    }
    await nothingChanged(fixture);
  });

  it('reads no file and calls no URL whatever the spelling or the place in the query', async () => {
    const fixture = await withEndpoint();
    let calls = 0;
    const http = createServer((_req, res) => {
      calls += 1;
      res.end(`${SECRET}\n`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const site = `http://127.0.0.1:${(http.address() as AddressInfo).port}/x`;
    const attempts = [
      `SELECT * FROM file('${canary}', 'LineAsString')`,
      `SELECT * FROM FILE('${canary}', 'LineAsString')`,
      `SELECT * FROM "file"('${canary}', 'LineAsString')`,
      `SELECT * FROM file /* x */ ('${canary}', 'LineAsString')`,
      `SELECT * FROM file\n('${canary}', 'LineAsString')`,
      `SELECT * FROM numbers(1) AS n, file('${canary}', 'LineAsString')`,
      `SELECT * FROM numbers(1) JOIN file('${canary}', 'LineAsString', 'line String') ON 1`,
      `SELECT (SELECT any(line) FROM file('${canary}', 'LineAsString'))`,
      `WITH x AS (SELECT * FROM file('${canary}', 'LineAsString')) SELECT * FROM x`,
      `SELECT 1 WHERE 'x' IN (SELECT * FROM file('${canary}', 'LineAsString'))`,
      `SELECT file('${canary}')`,
      `SELECT arrayMap(p -> file(p), ['${canary}'])`,
      `SELECT * FROM filesystem('${scratch}')`,
      `SELECT * APPLY file FROM (SELECT '${canary}' AS path)`,
      `SELECT arrayMap(file, ['${canary}'])`,
      `SELECT arrayMap(x -> x, arrayMap(file, ['${canary}']))`,
      `SELECT COLUMNS('path') APPLY(file) FROM (SELECT '${canary}' AS path)`,
      `SELECT b FROM values('a UInt8, b String ALIAS file(''${canary}'')', 1)`,
      `SELECT b FROM values('a UInt8, b String MATERIALIZED file(''${canary}'')', 1)`,
      `SELECT * FROM values('a UInt8, b String DEFAULT file(''${canary}'')', (1))`,
      `SELECT b FROM values(('a UInt8, b String ALIAS file(''${canary}'')'), 1)`,
      `SELECT b FROM values(concat('a UInt8, b String ALIAS file(''', '${canary}', ''')'), 1)`,
      `SELECT * FROM numbers(1) AS n, format(LineAsString, '${SECRET}')`,
      `SELECT * FROM eval('cat ${canary}')`,
      `SELECT * FROM url('${site}', 'LineAsString')`,
      `SELECT * FROM URL('${site}', 'LineAsString')`,
      `SELECT * FROM urlCluster('default', '${site}', 'LineAsString')`,
      `SELECT * FROM s3('${site}', 'LineAsString')`,
      `SELECT * FROM view(SELECT * FROM url('${site}', 'LineAsString'))`,
      `SELECT * FROM executable('cat ${canary}', 'LineAsString', 'x String')`,
      `EXPLAIN ANALYZE SELECT * FROM url('${site}', 'LineAsString')`,
      `EXPLAIN SELECT * FROM file('${canary}', 'LineAsString')`,
      `SELECT * FROM numbers(1) INTO OUTFILE '${target}'`,
      `SELECT 1 INTO OUTFILE '${target}' AND STDOUT`,
      `INSERT INTO FUNCTION file('${target}', 'LineAsString') SELECT 'x'`,
      `SELECT aiGenerate('${site}')`,
      `SELECT catboostEvaluate('${canary}', 1)`,
      `SELECT hasColumnInTable('127.0.0.1', '${fixture.other}', 'secrets', 's')`,
    ];
    for (const sql of attempts) {
      const answer = await send(fixture.endpoint, sql);
      expect(answer.status, `${sql}: ${answer.text}`).not.toBe(200);
      expect(answer.text).not.toContain(SECRET);
    }
    expect(calls).toBe(0);
    await nothingChanged(fixture);
  });

  it('allows the generators: numbers, numbers_mt, zeros, zeros_mt, values, generateSeries, generate_series', async () => {
    const { endpoint } = await withEndpoint();
    for (const [sql, text] of [
      ['SELECT sum(number) FROM numbers(10)', '45\n'],
      ['SELECT count() FROM numbers_mt(1000)', '1000\n'],
      ['SELECT count() FROM zeros(5)', '5\n'],
      ['SELECT count() FROM zeros_mt(5)', '5\n'],
      ["SELECT sum(a) FROM values('a UInt8', 1, 2, 3)", '6\n'],
      ["SELECT sum(c1) FROM VALUES((1, 'a'), (2, 'b'))", '3\n'],
      ['SELECT count() FROM generateSeries(1, 10)', '10\n'],
      ['SELECT count() FROM generate_series(1, 4)', '4\n'],
    ] as const) {
      expect(await send(endpoint, sql), sql).toMatchObject({ status: 200, text });
    }
  });
});

describe("functions: an allow list of the engine's functions", () => {
  it('the allow and refuse lists classify every function of this chDB, and name none it lacks (a new chDB fails here until reviewed)', async () => {
    const ch = await openTestClickHouse(embedded);
    const rs = await ch.client.query({ query: "SELECT name FROM system.functions WHERE alias_to = '' ORDER BY name", format: 'JSONEachRow' });
    const engine = (await rs.json<{ name: string }>()).map((r) => r.name);
    const allowed = Object.values(ALLOWED_FUNCTIONS_BY_CATEGORY).flat();
    const refused = Object.values(REFUSED_FUNCTIONS_BY_REASON).flat();
    expect(
      engine.filter((n) => !allowed.includes(n) && !refused.includes(n)),
      'functions to review and list',
    ).toEqual([]);
    expect(
      [...allowed, ...refused].filter((n) => !engine.includes(n)),
      'listed functions this chDB lacks',
    ).toEqual([]);
    expect(
      allowed.filter((n) => refused.includes(n)),
      'listed as both',
    ).toEqual([]);
  });

  it('refuses every refused function and every alias of one, naming it and why', async () => {
    const fixture = await withEndpoint();
    const refused = Object.values(REFUSED_FUNCTIONS_BY_REASON).flat();
    const rs = await fixture.ch.client.query({ query: "SELECT name, alias_to FROM system.functions WHERE alias_to != ''", format: 'JSONEachRow' });
    const aliases = (await rs.json<{ name: string; alias_to: string }>()).filter((a) => refused.includes(a.alias_to)).map((a) => a.name);
    for (const name of [...refused, ...aliases]) {
      const answer = await send(fixture.endpoint, `SELECT ${name}('${canary}')`);
      expect(answer.code, `${name}: ${answer.text}`).toBe('497');
      expect(answer.text).toContain(`function ${name}`);
    }
    // Combinators and case do not hide a refused function; an unknown one is the engine's UNKNOWN_FUNCTION.
    refusedLike(await send(fixture.endpoint, "SELECT getSETTING('readonly')"), 46, 'Unknown function');
    refusedLike(await send(fixture.endpoint, "SELECT dictGetOrNull('d', 'a', 1)"), 497, 'function dictGetOrNull');
    refusedLike(await send(fixture.endpoint, "SELECT g\u0435tSetting('readonly')"), 62, 'Syntax error');
    await nothingChanged(fixture);
  });

  it('allows ordinary functions, aliases, case-insensitive names and aggregate combinators', async () => {
    const { endpoint } = await withEndpoint();
    const sql =
      "SELECT lcase('A'), UPPER('b'), COUNT(*), sumIf(id, id > 1), uniqExactIf(route, id < 3), countDistinct(route), quantiles(0.5)(id), argMax(route, id), toTypeName(id), if(id > 0, 1, 0) AS one, CASE WHEN id = 1 THEN 'a' ELSE 'b' END, CASE id WHEN 1 THEN 'x' END, version() != '', currentDatabase() != '' FROM events GROUP BY id, route ORDER BY id LIMIT 1 FORMAT TSV";
    expect(await send(endpoint, sql)).toMatchObject({ status: 200, text: 'a\tB\t1\t0\t1\t1\t[1]\t/a\tUInt32\t1\ta\tx\t1\t1\n' });
  });
});

describe('writes, statements and databases outside the allow lists', () => {
  it('refuses every writing or administrative statement, however it is hidden', async () => {
    const fixture = await withEndpoint();
    const { endpoint } = fixture;
    const statements: [string, number][] = [
      ["INSERT INTO events VALUES (9, 'x')", 164],
      ['INSERT INTO events SELECT * FROM events', 164],
      ['CREATE TABLE pwn (a UInt8) ENGINE = Memory', 164],
      ['CREATE VIEW pwn AS SELECT 1', 164],
      ["CREATE DICTIONARY pwn (a UInt8) PRIMARY KEY a SOURCE(FILE(path '/etc/passwd' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)", 164],
      ['CREATE FUNCTION pwn AS x -> x', 164],
      ['DROP TABLE events', 164],
      ['DROP DATABASE default', 164],
      ['TRUNCATE TABLE events', 164],
      ['ALTER TABLE events DELETE WHERE 1', 164],
      ['ALTER TABLE events ADD COLUMN pwn UInt8', 164],
      ['DELETE FROM events WHERE 1', 164],
      ["UPDATE events SET route = 'x' WHERE 1", 164],
      ['RENAME TABLE events TO pwn', 164],
      ['EXCHANGE TABLES events AND pwn', 164],
      ['DETACH TABLE events', 164],
      ['ATTACH TABLE events', 164],
      ['UNDROP TABLE pwn', 164],
      ['OPTIMIZE TABLE events FINAL', 164],
      ['SYSTEM SHUTDOWN', 164],
      ['SYSTEM DROP DNS CACHE', 164],
      ['KILL QUERY WHERE 1', 164],
      ['SET readonly = 0', 164],
      ['SET max_memory_usage = 0', 164],
      ['USE system', 164],
      ['GRANT ALL ON *.* TO default', 164],
      ['REVOKE ALL ON *.* FROM default', 164],
      ['CREATE USER pwn', 164],
      ["BACKUP TABLE events TO File('x')", 164],
      ['CHECK TABLE events', 164],
      ['EXPLAIN PIPELINE INSERT INTO events SELECT * FROM events', 164],
      ['EXPLAIN AST DROP TABLE events', 164],
      ['SELECT 1; DROP TABLE events', 62],
      ['SELECT 1;DROP TABLE events;', 62],
      ["SELECT ';'; DROP TABLE events", 62],
      ['SELECT 1 /* ; */ ; DROP TABLE events', 62],
      ['SELECT 1 -- x\n; DROP TABLE events', 62],
      ['SELECT 1 # x\n; DROP TABLE events', 62],
      ['SELECT 1 /* nested /* */ ; DROP TABLE events */ ; DROP TABLE events', 62],
      ['SELECT $$;$$; DROP TABLE events', 62],
      ['/* SELECT */ DROP TABLE events', 164],
      ['-- SELECT\nDROP TABLE events', 164],
      ['(DROP TABLE events)', 62],
      ['SHOW PROCESSLIST', 497],
      ['SHOW GRANTS', 497],
      ['SHOW USERS', 497],
      ['SHOW ACCESS', 497],
      ['SHOW CREATE USER default', 497],
      ["SHOW SETTINGS LIKE 'max%'", 497],
      ['SHOW DICTIONARIES', 497],
      ['SHOW CLUSTERS', 497],
    ];
    for (const [sql, code] of statements) {
      const answer = await send(endpoint, sql);
      expect({ sql, code: answer.code }, answer.text).toEqual({ sql, code: String(code) });
    }
    // Writes in the URL's `query` parameter with a body, or gzip-compressed, are the same statements.
    expect((await send(endpoint, "VALUES (9, 'x')", { query: 'INSERT INTO events' })).code).toBe('164');
    expect((await send(endpoint, gzipSync('DROP TABLE events'), {}, { 'Content-Encoding': 'gzip' })).code).toBe('164');
    expect((await send(endpoint, undefined, { query: 'DROP TABLE events' })).code).toBe('164');
    await nothingChanged(fixture);
    expect(existsSync(target)).toBe(false);
  });

  it('reads its own database, INFORMATION_SCHEMA and the system tables drivers introspect, and no other database', async () => {
    const fixture = await withEndpoint();
    const { endpoint, other, ch } = fixture;
    const attempts = [
      `SELECT * FROM ${other}.secrets`,
      `SELECT * FROM \`${other}\`.\`secrets\``,
      `SELECT * FROM "${other}"."secrets"`,
      `SELECT * FROM ${other} . secrets`,
      `SELECT * FROM events WHERE route IN ${other}.secrets`,
      `SELECT * FROM events WHERE route IN (SELECT s FROM ${other}.secrets)`,
      `SELECT (SELECT any(s) FROM ${other}.secrets)`,
      `SELECT * FROM events JOIN ${other}.secrets ON 1`,
      `SELECT * FROM events, ${other}.secrets`,
      `SHOW TABLES FROM ${other}`,
      `SHOW CREATE TABLE ${other}.secrets`,
      `DESCRIBE TABLE ${other}.secrets`,
      `EXISTS TABLE ${other}.secrets`,
      `SELECT * FROM merge('${other}', '.*')`,
      `SELECT * FROM remote('127.0.0.1', ${other}.secrets)`,
      `SELECT * FROM cluster('default', ${other}.secrets)`,
      `SELECT joinGet('${other}.secrets', 's', 1)`,
      `SELECT * FROM {t:Identifier}`,
      'SELECT * FROM system.processes',
      'SELECT * FROM system.settings',
      'SELECT * FROM system.users',
      'SELECT * FROM system.query_log',
      'SELECT * FROM system.parts',
      'SELECT * FROM system.disks',
      'SELECT * FROM system.server_settings',
      'SELECT * FROM `system`.`grants`',
      'SELECT * FROM system . macros',
      'SHOW CREATE TABLE system.processes',
    ];
    for (const sql of attempts) {
      const answer = await send(endpoint, sql, { param_t: `${other}.secrets` });
      expect(answer.status, `${sql}: ${answer.text}`).not.toBe(200);
      expect(answer.code, `${sql}: ${answer.text}`).toBe('497');
      expect(answer.text).not.toContain(SECRET);
    }
    refusedLike(await send(endpoint, 'SELECT * FROM secrets', { database: other }), 497, `database ${other} is not readable`);
    refusedLike(await send(endpoint, 'SELECT * FROM processes', { database: 'system' }), 497, 'database system is not readable');
    refusedLike(await send(endpoint, 'SELECT * FROM secrets', {}, { 'X-ClickHouse-Database': other }), 497, 'is not readable');
    refusedLike(await send(endpoint, 'SELECT 1', { database: 'no_such_database' }), 81, 'Database no_such_database does not exist');
    // What drivers read works.
    for (const table of READABLE_SYSTEM_TABLES) {
      const answer = await send(endpoint, `SELECT count() > -1 FROM system.${table} WHERE 0`);
      expect(answer, table).toMatchObject({ status: 200 });
    }
    const tables = await send(endpoint, `SELECT name FROM system.tables WHERE database = '${ch.database}'`);
    expect(tables).toMatchObject({ status: 200, text: 'events\n' });
    expect(await send(endpoint, `SELECT table_name FROM INFORMATION_SCHEMA.TABLES WHERE table_schema = '${ch.database}'`)).toMatchObject({
      status: 200,
      text: 'events\n',
    });
    expect(await send(endpoint, 'SHOW TABLES')).toMatchObject({ status: 200, text: 'events\n' });
    expect(await send(endpoint, 'SELECT count() FROM events WHERE (id, route) IN events')).toMatchObject({ status: 200, text: '3\n' });
    expect(await send(endpoint, `SHOW CREATE TABLE ${ch.database}.events`)).toMatchObject({ status: 200 });
    await nothingChanged(fixture);
  });

  it('binds param_* as typed parameters: a crafted value is a value, never SQL', async () => {
    const fixture = await withEndpoint();
    const { endpoint } = fixture;
    const crafted = "x'; DROP TABLE events; --";
    const asString = await send(endpoint, 'SELECT {v:String} AS v FORMAT JSONEachRow', { param_v: crafted });
    expect(asString).toMatchObject({ status: 200, text: `${JSON.stringify({ v: crafted })}\n` });
    const escaped = await send(endpoint, 'SELECT {v:String} AS v, {a:Array(String)} AS a FORMAT JSONEachRow', {
      param_v: "it\\'s\\ta\\\\b",
      param_a: "['it\\'s', 'b']",
    });
    expect(JSON.parse(escaped.text)).toEqual({ v: "it's\ta\\b", a: ["it's", 'b'] });
    const number = await send(endpoint, 'SELECT count() FROM events WHERE id = {id:UInt32}', { param_id: '1 OR 1 = 1' });
    expect(number.status).not.toBe(200);
    expect(number.code).toBe('457');
    refusedLike(await send(endpoint, 'SELECT 1', { 'param_x;DROP': '1' }), 457, 'is not an identifier');
    refusedLike(await send(endpoint, 'SELECT {a:Array(String)}', { param_a: "['\\x41']" }), 457, "Query parameter 'a'");
    await nothingChanged(fixture);
  });
});

describe('memory and request bodies', () => {
  it("an aggregate that would grow past max_memory_usage fails with the engine's memory error, whatever the client asks, and the process carries on", async () => {
    const fixture = await withEndpoint({ limits: { maxMemoryBytes: 64 * 1024 * 1024 } });
    const { endpoint } = fixture;
    const heavy = 'SELECT uniqExact(number) FROM numbers(20000000)';
    for (const [sql, params] of [
      [heavy, {}],
      [`${heavy} SETTINGS max_memory_usage = 0`, {}],
      [`${heavy} SETTINGS max_memory_usage = 100000000000`, {}],
      [heavy, { max_memory_usage: '0' }],
      [heavy, { max_memory_usage: '100000000000' }],
    ] as const) {
      refusedLike(await send(endpoint, sql, params), 241, /MEMORY_LIMIT_EXCEEDED/);
    }
    expect(await send(endpoint, 'SELECT uniqExact(number) FROM numbers(1000)')).toMatchObject({ status: 200, text: '1000\n' });
    expect(endpoint.stats().running).toBe(0);
  });

  it('a compressed bomb is refused at the size limit while inflating, without inflating it whole', async () => {
    const { endpoint } = await withEndpoint({ limits: { maxQueryBytes: 64 * 1024 } });
    // 1 GiB of spaces after SELECT 1, in about 800 bytes of brotli.
    const bomb = await new Promise<Buffer>((resolve) => {
      const compress = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 24 } });
      const out: Buffer[] = [];
      compress.on('data', (chunk: Buffer) => out.push(chunk));
      compress.on('end', () => resolve(Buffer.concat(out)));
      const block = Buffer.alloc(1024 * 1024, 32);
      Readable.from(
        (function* () {
          yield Buffer.from('SELECT 1 ');
          for (let i = 0; i < 1024; i += 1) yield block;
        })(),
      ).pipe(compress);
    });
    expect(bomb.length).toBeLessThan(4096);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    try {
      const answer = await send(endpoint, bomb, {}, { 'Content-Encoding': 'br' });
      refusedLike(answer, 62, 'Max query size exceeded (65536 bytes)');
    } finally {
      clearInterval(sampler);
    }
    // The old whole-buffer inflate held the gigabyte; the stream stops after 64 KiB and a chunk.
    expect(peak - before).toBeLessThan(32 * 1024 * 1024);
    for (const [body, encoding] of [
      [gzipSync(Buffer.alloc(200_000, 32)), 'gzip'],
      [deflateSync(Buffer.alloc(200_000, 32)), 'deflate'],
      [brotliCompressSync(Buffer.alloc(200_000, 32)), 'br'],
    ] as const) {
      refusedLike(await send(endpoint, body, {}, { 'Content-Encoding': encoding }), 62, 'Max query size exceeded');
    }
    refusedLike(await send(endpoint, Buffer.from('not gzip'), {}, { 'Content-Encoding': 'gzip' }), 271, 'Cannot decompress');
    refusedLike(await send(endpoint, 'SELECT 1', {}, { 'Content-Encoding': 'zstd' }), 48, 'Content-Encoding "zstd" is not supported');
    expect(await send(endpoint, gzipSync('SELECT 42'), {}, { 'Content-Encoding': 'gzip' })).toMatchObject({ status: 200, text: '42\n' });
    expect(endpoint.stats().running).toBe(0);
  });

  it('decompress=1 (ClickHouse block compression): sizes are checked before a block is inflated, checksums verified', async () => {
    const { endpoint } = await withEndpoint({ limits: { maxQueryBytes: 64 * 1024 } });
    expect(await send(endpoint, nativeCompressedBlock(Buffer.from('SELECT 43')), { decompress: '1' })).toMatchObject({ status: 200, text: '43\n' });
    // A block whose header claims 1 GiB: refused from the header alone.
    const claim = nativeCompressedBlock(Buffer.from('SELECT 1'));
    claim.writeUInt32LE(1024 * 1024 * 1024, 16 + 5);
    refusedLike(await send(endpoint, claim, { decompress: '1' }), 62, 'Max query size exceeded');
    const corrupt = nativeCompressedBlock(Buffer.from('SELECT 1'));
    corrupt[corrupt.length - 1] = 0x21;
    refusedLike(await send(endpoint, corrupt, { decompress: '1' }), 271, "Checksum doesn't match");
  });

  it("a slow query with bound parameters does not hold the others (chdb runs bound queries one at a time; the endpoint's parse is not one)", async () => {
    const { endpoint } = await withEndpoint();
    let slowDone = false;
    const slow = send(endpoint, 'SELECT sleep(3), {x:UInt8}', { param_x: '1' }).then((answer) => {
      slowDone = true;
      return answer;
    });
    while (endpoint.stats().queries === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await send(endpoint, 'SELECT 1')).toMatchObject({ status: 200, text: '1\n' });
    expect(slowDone).toBe(false);
    expect(await slow).toMatchObject({ status: 200, text: '0\t1\n' });
  });

  it('takes the concurrency slot before reading the body, and gives it back after every refusal', async () => {
    const { endpoint } = await withEndpoint({ limits: { maxConcurrentQueries: 1 } });
    // A request whose body is still arriving holds the only slot.
    let release: () => void = () => undefined;
    const slowBody = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('SELECT '));
        release = () => {
          controller.enqueue(new TextEncoder().encode('5'));
          controller.close();
        };
      },
    });
    const slow = fetch(endpoint.url, { method: 'POST', body: slowBody, duplex: 'half' } as RequestInit);
    while (endpoint.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    refusedLike(await send(endpoint, 'SELECT 1'), 202, 'Too many simultaneous queries');
    release();
    const answer = await slow;
    expect([answer.status, await answer.text()]).toEqual([200, '5\n']);
    // A client that sends half a body and goes away gives its slot back.
    const { request } = await import('node:http');
    const half = request(endpoint.url, { method: 'POST', headers: { 'Content-Length': '1000' } });
    half.on('error', () => undefined);
    half.write('SELECT ');
    while (endpoint.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    half.destroy();
    while (endpoint.stats().running !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 5; i += 1) {
      await send(endpoint, 'DROP TABLE events');
      await send(endpoint, Buffer.alloc(300_000, 32));
      await send(endpoint, 'SELECT 1', { readonly: '0' });
    }
    expect(endpoint.stats().running).toBe(0);
    expect(await send(endpoint, 'SELECT 1')).toMatchObject({ status: 200, text: '1\n' });
  });
});
