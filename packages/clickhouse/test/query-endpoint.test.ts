// The read-only endpoint against real clients: @clickhouse/client in server mode, the ClickHouse JDBC
// driver from Maven Central, and plain HTTP for the protocol details. The endpoint runs on the same
// chDB engine as the test's own client (one engine per process), on a fresh database per test.
import { gzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ClickHouseError, createQueryEndpoint } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint, QueryEndpointOptions } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse } from './clickhouse-fixture.js';
import { goClientQuery } from './go-client.js';
import { jdbcQuery } from './jdbc-client.js';

const embedded = { mode: 'embedded', path: CHDB_TEST_PATH } as const;
// The first JDBC or clickhouse-go call on a fresh machine fetches the driver (Maven, Go module proxy)
// and compiles the probe; that alone can take minutes on a busy 2-core machine.
const EXTERNAL_CLIENT_TIMEOUT_MS = 600_000;

async function withEndpoint(options: Omit<QueryEndpointOptions, 'clickhouse'> = {}): Promise<{ ch: ClickHouse; endpoint: QueryEndpoint }> {
  const ch = await openTestClickHouse(embedded);
  await ch.client.command({ query: "CREATE TABLE events (id UInt32, route String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id" });
  await ch.client.insert({
    table: 'events',
    values: [1, 2, 3].map((id) => ({ id, route: `/posts/:id${id}`, at: `2026-01-0${id}T00:00:00.000Z` })),
    format: 'JSONEachRow',
  });
  const endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0, ...options });
  onTestFinished(() => endpoint.close());
  return { ch, endpoint };
}

async function count(ch: ClickHouse): Promise<number> {
  const rs = await ch.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n);
}

async function post(endpoint: QueryEndpoint, query: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const url = new URL(endpoint.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { method: 'POST', body: query, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('read-only query endpoint (ClickHouse HTTP interface over embedded chDB)', () => {
  it('@clickhouse/client in server mode: ping, JSONEachRow and JSON results, database from the client', async () => {
    const { ch, endpoint } = await withEndpoint();
    // Errors below are expected; the client would log each one to the console.
    const client = createClient({ url: endpoint.url, database: ch.database, log: { level: ClickHouseLogLevel.OFF } });
    onTestFinished(() => client.close());
    expect(await client.ping()).toEqual({ success: true });
    const each = await client.query({ query: 'SELECT id, route FROM events ORDER BY id', format: 'JSONEachRow' });
    expect(await each.json()).toEqual([
      { id: 1, route: '/posts/:id1' },
      { id: 2, route: '/posts/:id2' },
      { id: 3, route: '/posts/:id3' },
    ]);
    const json = await client.query({ query: 'SELECT count() AS n, max(at) AS last FROM events', format: 'JSON' });
    const body = await json.json<{ n: string; last: string }>();
    expect(body.data).toEqual([{ n: '3', last: '2026-01-03 00:00:00.000' }]);
    expect(body.meta).toEqual([
      { name: 'n', type: 'UInt64' },
      { name: 'last', type: "DateTime64(3, 'UTC')" },
    ]);
    // Query parameters, as the client binds them ({name:Type} with param_name in the URL).
    const bound = await client.query({ query: 'SELECT route FROM events WHERE id = {id:UInt32}', query_params: { id: 2 }, format: 'JSONEachRow' });
    expect(await bound.json()).toEqual([{ route: '/posts/:id2' }]);
    // Errors arrive as the client's own ClickHouseError with ClickHouse's code and type.
    await expect(client.query({ query: 'SELECT * FROM missing_table' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    await expect(client.command({ query: 'DROP TABLE events' })).rejects.toMatchObject({ code: '164', type: 'READONLY' });
    expect(await count(ch)).toBe(3);
  });

  it(
    'the ClickHouse JDBC driver (com.clickhouse:clickhouse-jdbc 0.10.0, compress=1 by default) reads rows',
    async () => {
      const { ch, endpoint } = await withEndpoint();
      const jdbcUrl = `jdbc:clickhouse:${endpoint.url}/${ch.database}`;
      const result = await jdbcQuery(jdbcUrl, 'SELECT id, route, at FROM events WHERE id >= 2 ORDER BY id');
      expect(result.columns).toEqual(['id', 'route', 'at']);
      expect(result.rows).toEqual([
        ['2', '/posts/:id2', '2026-01-02 00:00:00'],
        ['3', '/posts/:id3', '2026-01-03 00:00:00'],
      ]);
      await expect(jdbcQuery(jdbcUrl, 'TRUNCATE TABLE events')).rejects.toThrow(/READONLY|readonly/);
      expect(await count(ch)).toBe(3);
    },
    EXTERNAL_CLIENT_TIMEOUT_MS,
  );

  it(
    "clickhouse-go over HTTP (Grafana's data source driver): Native with client_protocol_version, LowCardinality, arrays, maps",
    async () => {
      const { ch, endpoint } = await withEndpoint();
      const hostPort = new URL(endpoint.url).host;
      const rows = await goClientQuery(
        hostPort,
        ch.database,
        `SELECT id, toLowCardinality(route) AS lc, if(id = 2, NULL, id) AS maybe, [id, id * 10] AS ids, map('id', id) AS m,
         tuple(id, route) AS t, toDecimal64(id, 2) AS d, at FROM events ORDER BY id`,
      );
      expect(rows).toEqual(
        [1, 2, 3].map((id) => ({
          id,
          lc: `/posts/:id${id}`,
          maybe: id === 2 ? null : id,
          ids: [id, id * 10],
          m: { id },
          t: [id, `/posts/:id${id}`],
          d: `${id}`,
          at: `2026-01-0${id}T00:00:00Z`,
        })),
      );
      await expect(goClientQuery(hostPort, ch.database, 'DROP TABLE events')).rejects.toThrow(/code: 164.*READONLY/);
      expect(await count(ch)).toBe(3);
    },
    EXTERNAL_CLIENT_TIMEOUT_MS,
  );

  it(
    "what tools introspect passes the allow lists: JDBC DatabaseMetaData (DBeaver), Grafana's queries through clickhouse-go",
    async () => {
      const { ch, endpoint } = await withEndpoint();
      const meta = await jdbcQuery(`jdbc:clickhouse:${endpoint.url}/${ch.database}`, `@metadata ${ch.database}`);
      expect(meta.rows).toEqual(
        expect.arrayContaining([
          ['schema', ch.database, ''],
          ['table', 'events', 'TABLE'],
          ['column', 'events.id', 'UInt32'],
          ['column', 'events.route', 'String'],
          ['column', 'events.at', "DateTime64(3, 'UTC')"],
          ['key', 'events.id', ''],
          ['types', 'some'],
        ]),
      );
      // grafana/clickhouse-datasource: version check, schema browser, column lists, DESCRIBE, distinct values.
      const hostPort = new URL(endpoint.url).host;
      const grafana = async (sql: string) => goClientQuery(hostPort, ch.database, sql);
      expect(await grafana('SELECT version()')).toHaveLength(1);
      expect(await grafana('SELECT currentDatabase()')).toEqual([{ 'currentDatabase()': ch.database }]);
      expect(await grafana('SELECT database, name FROM system.tables ORDER BY database, name')).toContainEqual({ database: ch.database, name: 'events' });
      expect(await grafana("SELECT name FROM system.databases WHERE name NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')")).toContainEqual({
        name: ch.database,
      });
      expect(
        await grafana(
          `SELECT database, table, name, type, comment FROM system.columns WHERE (database, table) IN (('${ch.database}', 'events')) ORDER BY database, table, position`,
        ),
      ).toEqual(['id', 'route', 'at'].map((name, i) => expect.objectContaining({ name, type: ['UInt32', 'String', "DateTime64(3, 'UTC')"][i] })));
      expect(await grafana(`DESCRIBE TABLE "${ch.database}"."events"`)).toHaveLength(3);
      expect(await grafana('SELECT DISTINCT route FROM events SETTINGS max_execution_time=10')).toHaveLength(3);
      expect(await count(ch)).toBe(3);
    },
    EXTERNAL_CLIENT_TIMEOUT_MS,
  );

  it('plain HTTP: /ping, GET ?query=, POST body, query parameter + body, FORMAT, default_format, headers clients read', async () => {
    const { ch, endpoint } = await withEndpoint({ displayName: 'probe' });
    const ping = await fetch(`${endpoint.url}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, 'Ok.\n']);

    const get = await fetch(`${endpoint.url}/?database=${ch.database}&query=${encodeURIComponent('SELECT id FROM events ORDER BY id')}`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('1\n2\n3\n');
    expect(get.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(get.headers.get('content-type')).toBe('text/tab-separated-values; charset=UTF-8');
    expect(get.headers.get('x-clickhouse-server-display-name')).toBe('probe');
    expect(get.headers.get('x-clickhouse-timezone')).toBeTruthy();
    expect(JSON.parse(get.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ read_rows: expect.any(String) });

    const withClause = await post(endpoint, 'SELECT id FROM events ORDER BY id LIMIT 1 FORMAT JSONEachRow', { database: ch.database, query_id: 'q-1' });
    expect(withClause).toMatchObject({ status: 200, text: '{"id":1}\n' });
    expect(withClause.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(withClause.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    // A query id that cannot be a header value is refused, naming the parameter, and not echoed.
    const oddId = await post(endpoint, 'SELECT 1', { query_id: 'a\r\nX-Injected: 1' });
    expect([oddId.status, oddId.headers.get('x-clickhouse-exception-code')]).toEqual([400, '36']);
    expect(oddId.text).toMatch(/URL parameter 'query_id' expects printable ASCII/);
    expect(oddId.headers.get('x-injected')).toBeNull();
    expect(oddId.headers.get('x-clickhouse-query-id')).toMatch(/^[0-9a-f-]{36}$/);

    const split = await post(
      endpoint,
      'ORDER BY id DESC LIMIT 1',
      { query: 'SELECT id FROM events', default_format: 'CSVWithNames' },
      { 'X-ClickHouse-Database': ch.database },
    );
    expect(split).toMatchObject({ status: 200, text: '"id"\n3\n' });
    expect(split.headers.get('content-type')).toBe('text/csv; charset=UTF-8; header=present');

    const gzip = await post(endpoint, 'SELECT 42', { enable_http_compression: '1' }, { 'Accept-Encoding': 'gzip' });
    expect(gzip).toMatchObject({ status: 200, text: '42\n' });
    // A gzip-compressed request body; session and HTTP-only parameters are accepted and ignored.
    const zipped = await fetch(`${endpoint.url}/?session_id=s1&wait_end_of_query=1&send_progress_in_http_headers=1`, {
      method: 'POST',
      body: gzipSync('SELECT 43'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect([zipped.status, await zipped.text()]).toEqual([200, '43\n']);
    const unknownSetting = await post(endpoint, 'SELECT 1', { no_such_setting: '1' });
    expect([unknownSetting.status, unknownSetting.headers.get('x-clickhouse-exception-code')]).toEqual([404, '115']);
    const missingDb = await post(endpoint, 'SELECT 1', { database: 'no_such_database' });
    expect([missingDb.status, missingDb.headers.get('x-clickhouse-exception-code')]).toEqual([404, '81']);
  });

  it('refuses writes, DDL, multi-statements and file/network table functions with ClickHouse errors, and nothing changes', async () => {
    const { ch, endpoint } = await withEndpoint();
    const db = { database: ch.database };
    const refusals: [string, number, number, string][] = [
      ["INSERT INTO events VALUES (9, 'x', now())", 500, 164, 'READONLY'],
      ['ALTER TABLE events DELETE WHERE 1', 500, 164, 'READONLY'],
      ['DROP TABLE events', 500, 164, 'READONLY'],
      ['TRUNCATE TABLE events', 500, 164, 'READONLY'],
      ['CREATE TABLE x (n UInt8) ENGINE = Memory', 500, 164, 'READONLY'],
      ['SYSTEM DROP DNS CACHE', 500, 164, 'READONLY'],
      ['SET readonly = 0', 500, 164, 'READONLY'],
      ['OPTIMIZE TABLE events FINAL', 500, 164, 'READONLY'],
      ['SELECT 1; DROP TABLE events', 400, 62, 'SYNTAX_ERROR'],
      ['SELECT 1 /* ; */ ; INSERT INTO events SELECT * FROM events', 400, 62, 'SYNTAX_ERROR'],
      ["SELECT * FROM file('/etc/passwd', 'LineAsString')", 403, 497, 'ACCESS_DENIED'],
      ["SELECT * FROM `url`('http://127.0.0.1:1/', 'CSV', 'a String')", 403, 497, 'ACCESS_DENIED'],
      ["SELECT * FROM s3Cluster('c', 'http://x/y', 'CSV')", 403, 497, 'ACCESS_DENIED'],
      ["SELECT * FROM remote('127.0.0.1', system.one)", 403, 497, 'ACCESS_DENIED'],
      ["SELECT * FROM events INTO OUTFILE '/tmp/out.tsv'", 403, 497, 'ACCESS_DENIED'],
      ['SELECT * FROM events SETTINGS readonly = 0', 500, 452, 'SETTING_CONSTRAINT_VIOLATION'],
    ];
    for (const [query, status, code, type] of refusals) {
      const res = await post(endpoint, query, db);
      expect({ query, status: res.status, code: res.headers.get('x-clickhouse-exception-code') }).toEqual({ query, status, code: String(code) });
      expect(res.text).toMatch(new RegExp(`^Code: ${code}\\. DB::Exception: .*\\(${type}\\) \\(version .+\\)\\n$`, 's'));
    }
    // A `;` or a forbidden word inside a string or a comment is not code.
    const quoted = await post(endpoint, "SELECT 'DROP TABLE events; file(x)' AS s -- ; INSERT\n;", db);
    expect(quoted).toMatchObject({ status: 200, text: 'DROP TABLE events; file(x)\n' });
    expect(await count(ch)).toBe(3);
    expect(endpoint.stats().refused).toBe(refusals.length);
  });

  it('enforces row, byte and time limits; a client may lower them, never raise them', async () => {
    const { ch, endpoint } = await withEndpoint({ limits: { maxResultRows: 100, maxResultBytes: 10_000, maxExecutionTimeSec: 1 } });
    const db = { database: ch.database };
    const rows = await post(endpoint, 'SELECT number FROM numbers(1000)', db);
    expect(rows.status).toBe(500);
    expect(rows.text).toMatch(/Code: 396\..*TOO_MANY_ROWS_OR_BYTES/s);
    const raised = await post(endpoint, 'SELECT number FROM numbers(1000)', { ...db, max_result_rows: '100000' });
    expect(raised.text).toMatch(/TOO_MANY_ROWS_OR_BYTES/);
    const lowered = await post(endpoint, 'SELECT number FROM numbers(50)', { ...db, max_result_rows: '10' });
    expect(lowered.text).toMatch(/TOO_MANY_ROWS_OR_BYTES/);
    expect((await post(endpoint, 'SELECT number FROM numbers(100)', db)).status).toBe(200);

    const bytes = await post(endpoint, 'SELECT repeat(toString(number), 1000) FROM numbers(50)', db);
    expect(bytes.text).toMatch(/Code: 396\..*TOO_MANY_ROWS_OR_BYTES/s);
    // A constant column is tiny in memory (the engine's measure) but not on the wire: the endpoint
    // also bounds the serialized answer.
    const constant = await post(endpoint, "SELECT repeat('x', 1000) FROM numbers(50)", db);
    expect(constant.text).toMatch(/^Code: 396\..*answer.*TOO_MANY_ROWS_OR_BYTES/s);

    const slow = await post(endpoint, 'SELECT count() FROM numbers(100000000000)', db);
    expect(slow.status).toBe(408);
    expect(slow.text).toMatch(/Code: 159\..*TIMEOUT_EXCEEDED/s);
  });

  it('bounds concurrent queries and the query size', async () => {
    const { ch, endpoint } = await withEndpoint({ limits: { maxConcurrentQueries: 1, maxQueryBytes: 1000 } });
    const db = { database: ch.database };
    const first = post(endpoint, 'SELECT sleep(2)', db);
    while (endpoint.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await post(endpoint, 'SELECT 1', db);
    expect([second.status, second.headers.get('x-clickhouse-exception-code')]).toEqual([503, '202']);
    expect((await first).status).toBe(200);
    expect((await post(endpoint, 'SELECT 1', db)).status).toBe(200);

    const large = await post(endpoint, `SELECT '${'x'.repeat(2000)}'`, db);
    expect(large.status).toBe(400);
    expect(large.text).toMatch(/Max query size exceeded/);
  });

  it(
    'with a password: only the configured credentials pass (basic auth, X-ClickHouse headers, URL parameters)',
    async () => {
      const { ch, endpoint } = await withEndpoint({ user: 'analyst', password: 's3cret' });
      const q = 'SELECT count() FROM events';
      const db = { database: ch.database };
      const none = await post(endpoint, q, db);
      expect([none.status, none.headers.get('x-clickhouse-exception-code')]).toEqual([403, '516']);
      const wrong = await post(endpoint, q, db, { 'X-ClickHouse-User': 'analyst', 'X-ClickHouse-Key': 'nope' });
      expect(wrong.status).toBe(403);
      const basic = await post(endpoint, q, db, { Authorization: `Basic ${Buffer.from('analyst:s3cret').toString('base64')}` });
      expect(basic).toMatchObject({ status: 200, text: '3\n' });
      expect((await post(endpoint, q, db, { 'X-ClickHouse-User': 'analyst', 'X-ClickHouse-Key': 's3cret' })).text).toBe('3\n');
      expect((await post(endpoint, q, { ...db, user: 'analyst', password: 's3cret' })).text).toBe('3\n');
      // /ping needs no credentials, as on a server.
      expect((await fetch(`${endpoint.url}/ping`)).status).toBe(200);

      const client = createClient({ url: endpoint.url, database: ch.database, username: 'analyst', password: 's3cret' });
      onTestFinished(() => client.close());
      expect(await (await client.query({ query: q, format: 'JSONEachRow' })).json()).toEqual([{ 'count()': '3' }]);
      const jdbcUrl = `jdbc:clickhouse:${endpoint.url}/${ch.database}`;
      expect((await jdbcQuery(jdbcUrl, q, ['analyst', 's3cret'])).rows).toEqual([['3']]);
    },
    EXTERNAL_CLIENT_TIMEOUT_MS,
  );

  it('a write route stores what its owner validates, with the same credentials, a body cap, and no SQL from the request', async () => {
    // The route writes on the endpoint's own engine, known once the endpoint is open.
    const engine: { ch?: ClickHouse } = {};
    const route = {
      path: '/shadow/events',
      maxBodyBytes: 256,
      async handle(body: unknown) {
        const id = (body as { id?: unknown } | null)?.id;
        if (typeof id !== 'number') throw new ClickHouseError('CH_BAD_DATA', 'id: expected a number');
        await engine.ch?.client.insert({ table: 'events', values: [{ id, route: '/via-route', at: '2026-01-09T00:00:00.000Z' }], format: 'JSONEachRow' });
        return { stored: id };
      },
    };
    const { ch, endpoint } = await withEndpoint({ user: 'gate', password: 'pw', routes: [route] });
    engine.ch = ch;
    const auth = { Authorization: `Basic ${Buffer.from('gate:pw').toString('base64')}`, 'Content-Type': 'application/json' };
    const send = async (body: string, headers: Record<string, string> = auth, method = 'POST') => {
      const res = await fetch(`${endpoint.url}/shadow/events`, { method, headers, ...(method === 'POST' ? { body } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await send('{"id":7}')).toEqual({ status: 200, body: { stored: 7 } });
    expect(await send('{"id":"x"}')).toEqual({ status: 400, body: { error: 'id: expected a number' } });
    expect((await send('{"id":')).status).toBe(400);
    expect((await send(JSON.stringify({ id: 8, pad: 'x'.repeat(300) }))).status).toBe(413);
    expect((await send('{"id":9}', { 'Content-Type': 'application/json' })).status).toBe(403);
    expect((await send('', auth, 'GET')).status).toBe(405);
    expect(await count(ch)).toBe(4);
    // The query interface stays read-only with a route configured.
    const insert = await post(endpoint, "INSERT INTO events VALUES (10, '/x', now())", { database: ch.database }, auth);
    expect(insert.status).not.toBe(200);
    expect(await count(ch)).toBe(4);
  });
});
