import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createClickHouse, embeddedEnginePath, toClickHouseError } from '@shadow/clickhouse';
import type { ClickHouseLogger } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse, rejectionOf, uniqueDatabase } from './clickhouse-fixture.js';
import { dateTimeRoundTrip, engineErrorsConvert, insertAndAggregate } from './scenarios.js';

const embedded = { mode: 'embedded', path: CHDB_TEST_PATH } as const;

describe('embedded mode (chDB)', () => {
  it('inserts 100k rows in 10 batches and aggregates them exactly', async () => {
    const ch = await openTestClickHouse(embedded);
    expect(ch).toMatchObject({ mode: 'embedded', location: CHDB_TEST_PATH });
    await insertAndAggregate(ch);
  });

  it('reads ISO date-times and epoch numbers, and writes ISO', async () => {
    await dateTimeRoundTrip(await openTestClickHouse(embedded));
  });

  it('reports engine errors that toClickHouseError turns into CH_ codes', async () => {
    await engineErrorsConvert(await openTestClickHouse(embedded));
  });

  it('keeps data on disk: a later client on the same path and database sees it', async () => {
    const first = await openTestClickHouse(embedded);
    await first.client.command({ query: 'CREATE TABLE kept (n UInt8) ENGINE = MergeTree ORDER BY n' });
    await first.client.insert({ table: 'kept', values: [{ n: 7 }], format: 'JSONEachRow' });
    await first.close();
    expect(embeddedEnginePath()).toBeUndefined();

    await using second = await createClickHouse({ ...embedded, database: first.database, ensureDatabase: false });
    const rows = await second.client.query({ query: 'SELECT n FROM kept', format: 'JSONEachRow' });
    expect(await rows.json()).toEqual([{ n: 7 }]);
  });

  it('fails with CH_UNKNOWN_DATABASE when the database is missing and ensureDatabase is off', async () => {
    const err = await rejectionOf(createClickHouse({ ...embedded, database: uniqueDatabase(), ensureDatabase: false }));
    expect(err).toMatchObject({ code: 'CH_UNKNOWN_DATABASE', serverType: 'UNKNOWN_DATABASE' });
    // The failed attempt gave its share of the engine back.
    expect(embeddedEnginePath()).toBeUndefined();
  });

  it('reports its own log lines to the given logger', async () => {
    const lines: unknown[][] = [];
    const record = (obj: object, msg?: string) => void lines.push([obj, msg]);
    const logger: ClickHouseLogger = { trace: record, debug: record, info: record, warn: record, error: record };
    await using ch = await createClickHouse({ ...embedded, logger });
    expect(lines).toContainEqual([{ mode: 'embedded', database: 'default', location: CHDB_TEST_PATH }, 'clickhouse client created']);
    expect(ch.database).toBe('default');
  });

  // Known chdb 3.4 behaviour, documented in docs/clickhouse.md ("Per-call settings in embedded mode").
  // When this fails, chdb stopped leaking per-call settings: update the docs and this test.
  it('chdb 3.4: a per-call setting stays on the client for later calls; construction settings are re-sent', async () => {
    await using ch = await createClickHouse(embedded);
    const probe = async () => {
      const rs = await ch.client.query({
        query: "SELECT getSetting('max_threads') AS threads, toDateTime64('2025-01-01 00:00:00', 3, 'UTC') AS t",
        format: 'JSONEachRow',
      });
      return rs.json();
    };
    await ch.client.query({
      query: 'SELECT 1',
      clickhouse_settings: { max_threads: 1, date_time_output_format: 'simple' },
    });
    expect(await probe()).toEqual([{ threads: 1, t: '2025-01-01T00:00:00.000Z' }]);
  });

  it('rejects calls on a closed client with CH_CLOSED, and close() can be repeated', async () => {
    const ch = await createClickHouse(embedded);
    await ch.close();
    await ch.close();
    const err = await ch.client.query({ query: 'SELECT 1' }).catch(toClickHouseError);
    expect(err).toMatchObject({ code: 'CH_CLOSED' });
  });
});

describe('one chDB engine per process', () => {
  it('lets clients on the same path share the engine, each in its own database', async () => {
    const a = await openTestClickHouse(embedded);
    const b = await openTestClickHouse(embedded);
    expect(embeddedEnginePath()).toBe(CHDB_TEST_PATH);
    await a.client.command({ query: 'CREATE TABLE t (n UInt8) ENGINE = Memory' });
    await b.client.command({ query: 'CREATE TABLE t (n UInt8) ENGINE = Memory' });
    await a.client.insert({ table: 't', values: [{ n: 1 }], format: 'JSONEachRow' });
    await b.client.insert({ table: 't', values: [{ n: 2 }, { n: 3 }], format: 'JSONEachRow' });

    await a.close();
    // b is still open: the engine stays, and b still sees its own database only.
    expect(embeddedEnginePath()).toBe(CHDB_TEST_PATH);
    const rows = await b.client.query({ query: 'SELECT sum(n) AS s, currentDatabase() AS db FROM t', format: 'JSONEachRow' });
    expect(await rows.json()).toEqual([{ s: '5', db: b.database }]);
  });

  it('refuses a second path with CH_EMBEDDED_PATH_CONFLICT naming both, without disturbing the open client', async () => {
    const other = `${CHDB_TEST_PATH}-other`;
    await using open = await createClickHouse(embedded);
    const err = await rejectionOf(createClickHouse({ mode: 'embedded', path: other }));
    expect(err.code).toBe('CH_EMBEDDED_PATH_CONFLICT');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(CHDB_TEST_PATH);
    expect(err.message).toContain(other);
    expect(await open.client.ping()).toEqual({ success: true });
  });

  it('opens another path once every client on the first one is closed, through client.close() too', async () => {
    const first = await createClickHouse(embedded);
    await first.client.close(); // bypassing the handle still releases the engine
    expect(embeddedEnginePath()).toBeUndefined();

    const other = `${CHDB_TEST_PATH}-other`;
    try {
      await using second = await createClickHouse({ mode: 'embedded', path: other });
      expect(embeddedEnginePath()).toBe(other);
      const rows = await second.client.query({ query: 'SELECT 42 AS answer', format: 'JSONEachRow' });
      expect(await rows.json()).toEqual([{ answer: 42 }]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    expect(embeddedEnginePath()).toBeUndefined();
  });
});

// insertRaw (issue 20): the joiner's batch path. The table name is an identifier chDB checks against
// its own allow list before any SQL is built; the payload is data, never SQL.
describe('embedded insertRaw', () => {
  it("lands a JSONCompactEachRow Buffer in the handle's database, not the engine's current one", async () => {
    const a = await openTestClickHouse(embedded);
    const b = await openTestClickHouse(embedded);
    for (const ch of [a, b]) await ch.client.command({ query: 'CREATE TABLE raw_rows (k String, n UInt32, at DateTime64(3)) ENGINE = MergeTree ORDER BY k' });
    const at = Date.now();
    // b was opened last, so the shared engine's USE points at b's database; a's rows must still land in a's.
    await a.insertRaw?.('raw_rows', Buffer.from(`["x",1,${at}]\n["y\\n\\"quoted\\"",2,${at}]`), 'JSONCompactEachRow', ['k', 'n', 'at']);
    const inA = await a.client.query({ query: 'SELECT k, n, at FROM raw_rows ORDER BY k', format: 'JSONEachRow' });
    expect(await inA.json()).toEqual([
      { k: 'x', n: 1, at: new Date(at).toISOString() },
      { k: 'y\n"quoted"', n: 2, at: new Date(at).toISOString() },
    ]);
    const inB = await b.client.query({ query: 'SELECT count() AS c FROM raw_rows', format: 'JSONEachRow' });
    expect(await inB.json()).toEqual([{ c: '0' }]);
  });

  it("applies the client's settings: an unknown field fails by default and is skipped when the settings say so", async () => {
    const strict = await openTestClickHouse(embedded);
    await strict.client.command({ query: 'CREATE TABLE raw_strict (k String) ENGINE = MergeTree ORDER BY k' });
    const body = Buffer.from('{"k":"a","extra":1}');
    const err = await rejectionOf(strict.insertRaw?.('raw_strict', body, 'JSONEachRow') ?? Promise.resolve());
    expect(err.code).toBe('CH_BAD_DATA');
    await using lenient = await createClickHouse({
      ...embedded,
      database: strict.database,
      ensureDatabase: false,
      clickhouseSettings: { input_format_skip_unknown_fields: 1 },
    });
    await lenient.insertRaw?.('raw_strict', body, 'JSONEachRow');
    const rows = await strict.client.query({ query: 'SELECT k FROM raw_strict', format: 'JSONEachRow' });
    expect(await rows.json()).toEqual([{ k: 'a' }]);
  });

  it('refuses a table name that is not an identifier before the engine sees it', async () => {
    const ch = await openTestClickHouse(embedded);
    await ch.client.command({ query: 'CREATE TABLE raw_target (k String) ENGINE = MergeTree ORDER BY k' });
    for (const table of ['raw_target; DROP TABLE raw_target', 'raw_target FORMAT CSV', '`raw_target`', 'raw_target--', "raw_target'", '']) {
      const err = await rejectionOf(ch.insertRaw?.(table, Buffer.from('{"k":"a"}'), 'JSONEachRow') ?? Promise.resolve());
      expect(err.name, table).toBe('ClickHouseError');
    }
    const rows = await ch.client.query({ query: 'SELECT count() AS c FROM raw_target', format: 'JSONEachRow' });
    expect(await rows.json()).toEqual([{ c: '0' }]);
  });
});
