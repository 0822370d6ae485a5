// Test bodies shared by the embedded and the server suites: the same SQL and the same expectations
// must hold against chDB and against a ClickHouse server.
import { expect } from 'vitest';
import { toClickHouseError } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';

const ROWS = 100_000;
const BATCHES = 10;
const SERVICES = ['api', 'auth', 'billing', 'cart', 'search', 'search-v2', 'web'] as const;
const STATUSES = [200, 200, 200, 404, 500] as const;
// Two days back from the clock, on a whole second (the expected timestamps are derived from it), never
// a calendar date.
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 1000) * 1000;

// Row i: service SERVICES[i % 7], status STATUSES[i % 5], latency i % 1000 ms, one row per second.
function batch(index: number): Record<string, unknown>[] {
  const size = ROWS / BATCHES;
  return Array.from({ length: size }, (_, j) => {
    const i = index * size + j;
    return {
      id: i,
      service: SERVICES[i % SERVICES.length],
      status: STATUSES[i % STATUSES.length],
      latency_ms: i % 1000,
      ts: new Date(T0 + i * 1000).toISOString(),
    };
  });
}

export async function insertAndAggregate(ch: ClickHouse): Promise<void> {
  const { client } = ch;
  // Unqualified name: lands in ch.database in both modes.
  await client.command({
    query: `CREATE TABLE events (
      id UInt64, service LowCardinality(String), status UInt16, latency_ms UInt32, ts DateTime64(3, 'UTC')
    ) ENGINE = MergeTree ORDER BY (service, id)`,
  });
  for (let b = 0; b < BATCHES; b++) {
    await client.insert({ table: 'events', values: batch(b), format: 'JSONEachRow' });
  }

  const totals = await client.query({
    query: `SELECT count() AS rows, sum(latency_ms) AS latency_sum, min(id) AS min_id, max(id) AS max_id,
              min(ts) AS first_ts, max(ts) AS last_ts, currentDatabase() AS db
            FROM events`,
    format: 'JSONEachRow',
  });
  // 64-bit integers arrive as strings (output_format_json_quote_64bit_integers = 1).
  expect(await totals.json()).toEqual([
    {
      rows: '100000',
      latency_sum: '49950000', // 100 runs of 0..999 = 100 * 499500
      min_id: '0',
      max_id: '99999',
      first_ts: new Date(T0).toISOString(),
      last_ts: new Date(T0 + 99_999_000).toISOString(), // T0 + 99999 s
      db: ch.database,
    },
  ]);

  const perService = await client.query({
    query: 'SELECT service, count() AS n FROM events GROUP BY service ORDER BY service',
    format: 'JSONEachRow',
  });
  // 100000 = 7 * 14285 + 5: the first five services get one extra row.
  expect(await perService.json()).toEqual([
    { service: 'api', n: '14286' },
    { service: 'auth', n: '14286' },
    { service: 'billing', n: '14286' },
    { service: 'cart', n: '14286' },
    { service: 'search', n: '14286' },
    { service: 'search-v2', n: '14285' },
    { service: 'web', n: '14285' },
  ]);

  const perStatus = await client.query({
    query: `SELECT status, count() AS n, toUInt32(max(latency_ms)) AS max_latency
            FROM events GROUP BY status ORDER BY status`,
    format: 'JSONEachRow',
  });
  expect(await perStatus.json()).toEqual([
    { status: 200, n: '60000', max_latency: 997 }, // i % 5 in 0..2, and i % 1000 has the same residue
    { status: 404, n: '20000', max_latency: 998 }, // i % 5 == 3 and i % 1000 <= 998
    { status: 500, n: '20000', max_latency: 999 },
  ]);
}

export async function dateTimeRoundTrip(ch: ClickHouse): Promise<void> {
  const { client } = ch;
  await client.command({
    query: "CREATE TABLE stamps (id UInt8, ms DateTime64(3, 'UTC'), us DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id",
  });
  const iso = '2024-05-06T07:08:09.123Z';
  const epochMs = Date.parse(iso);
  await client.insert({
    table: 'stamps',
    format: 'JSONEachRow',
    values: [
      { id: 1, ms: iso, us: iso },
      { id: 2, ms: '2024-05-06T09:08:09.123+02:00', us: '2024-05-06 07:08:09.123' },
      // Numbers are read in the column's unit: epoch ms is right for DateTime64(3) only.
      { id: 3, ms: epochMs, us: epochMs * 1000 },
      { id: 4, ms: iso, us: epochMs },
    ],
  });
  const rows = await client.query({ query: 'SELECT id, ms, us FROM stamps ORDER BY id', format: 'JSONEachRow' });
  expect(await rows.json()).toEqual([
    { id: 1, ms: iso, us: '2024-05-06T07:08:09.123000Z' },
    { id: 2, ms: iso, us: '2024-05-06T07:08:09.123000Z' },
    { id: 3, ms: iso, us: '2024-05-06T07:08:09.123000Z' },
    { id: 4, ms: iso, us: '1970-01-20T20:22:59.289123Z' },
  ]);
}

async function codeOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    const converted = toClickHouseError(err);
    return { code: converted.code, serverType: converted.serverType, retriable: converted.retriable };
  }
  return 'resolved';
}

export async function engineErrorsConvert(ch: ClickHouse): Promise<void> {
  const { client } = ch;
  await client.command({ query: 'CREATE TABLE kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k' });
  expect(await codeOf(client.query({ query: 'SELECT * FROM missing_table' }))).toEqual({
    code: 'CH_UNKNOWN_TABLE',
    serverType: 'UNKNOWN_TABLE',
    retriable: false,
  });
  expect(await codeOf(client.query({ query: 'SELEC 1' }))).toMatchObject({ code: 'CH_SYNTAX', serverType: 'SYNTAX_ERROR' });
  expect(await codeOf(client.query({ query: 'SELECT * FROM no_such_db.kv' }))).toMatchObject({
    code: 'CH_UNKNOWN_DATABASE',
  });
  expect(await codeOf(client.insert({ table: 'kv', values: [{ k: 'a', v: 'not a number' }], format: 'JSONEachRow' }))).toMatchObject({ code: 'CH_BAD_DATA' });
  // input_format_skip_unknown_fields = 0: a field without a column is an error, not silently dropped.
  expect(await codeOf(client.insert({ table: 'kv', values: [{ k: 'a', v: 1, extra: true }], format: 'JSONEachRow' }))).toMatchObject({ code: 'CH_BAD_DATA' });
  const kept = await client.query({ query: 'SELECT count() AS n FROM kv', format: 'JSONEachRow' });
  expect(await kept.json()).toEqual([{ n: '0' }]);
}
