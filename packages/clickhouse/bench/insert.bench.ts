// Insert throughput of embedded chDB through @clickhouse/client, as the pipeline writes:
// 100k JSONEachRow rows, in 10 batches of 10k and in one batch. Run:
//   corepack pnpm exec vitest bench --project unit packages/clickhouse/bench
// The per-process data directory under the OS temp dir keeps only empty engine metadata afterwards.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { createClickHouse } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';

const ROWS = 100_000;
// Timestamps from the clock (two days back), like every fixture; never a calendar date.
const T0 = Date.now() - 2 * 86_400_000;
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: i,
  service: `svc-${i % 7}`,
  status: [200, 200, 200, 404, 500][i % 5],
  latency_ms: i % 1000,
  ts: new Date(T0 + i * 1000).toISOString(),
}));
const batches = Array.from({ length: 10 }, (_, b) => rows.slice(b * 10_000, (b + 1) * 10_000));

let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ path: join(tmpdir(), `shadow-chdb-bench-${process.pid}`), database: 'bench' });
  await ch.client.command({
    query: `CREATE OR REPLACE TABLE events (
      id UInt64, service LowCardinality(String), status UInt16, latency_ms UInt32, ts DateTime64(3, 'UTC')
    ) ENGINE = MergeTree ORDER BY (service, id)`,
  });
});

afterAll(async () => {
  // SYNC: an Atomic database otherwise keeps its data on disk for minutes after DROP.
  await ch.client.command({ query: 'DROP DATABASE bench SYNC' });
  await ch.close();
});

describe('insert 100k rows (embedded chDB, JSONEachRow)', () => {
  bench(
    '10 batches of 10k',
    async () => {
      for (const values of batches) await ch.client.insert({ table: 'events', values, format: 'JSONEachRow' });
    },
    { iterations: 10, warmupIterations: 1 },
  );

  bench(
    '1 batch of 100k',
    async () => {
      await ch.client.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
    },
    { iterations: 10, warmupIterations: 1 },
  );
});
