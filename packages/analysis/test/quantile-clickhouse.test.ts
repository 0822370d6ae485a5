// The report's quantiles must equal what an analyst gets from SQL on the same rows. This runs
// ClickHouse itself (embedded chDB, the engine the project ships) on random samples and compares
// quantileExact / quantileExactInclusive with the package's 'exact' / 'linear' methods.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, type ClickHouse } from '@shadow/clickhouse';
import { createPrng, quantile } from '@shadow/analysis';

// One chDB directory per process (one engine per process), as every embedded test does.
const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);
const LEVELS = [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

let ch: ClickHouse;
beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database: 'default' });
});
afterAll(async () => {
  await ch.close();
});

async function clickhouseQuantiles(values: number[], fn: string): Promise<number[]> {
  const select = LEVELS.map((q, i) => `${fn}(${q})(x) AS q${i}`).join(', ');
  const rs = await ch.client.query({
    query: `SELECT ${select} FROM (SELECT arrayJoin({values:Array(Float64)}) AS x)`,
    query_params: { values },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<Record<string, number>>();
  return LEVELS.map((_, i) => Number(row?.[`q${i}`]));
}

describe('quantiles agree with ClickHouse (chDB)', () => {
  const prng = createPrng(2024);
  const samples: [string, number[]][] = [
    ['one value', [42.5]],
    ['two values', [3, 1]],
    ['four values', [40, 10, 30, 20]],
    ...[7, 10, 101, 1000].map((n): [string, number[]] => [
      `${n} random latencies with ties`,
      Array.from({ length: n }, () => Math.round(prng.next() * 5000) / 10),
    ]),
  ];

  it.each(samples)("'exact' = quantileExact: %s", async (_, values) => {
    const expected = await clickhouseQuantiles(values, 'quantileExact');
    expect(LEVELS.map((q) => quantile(values, q, 'exact'))).toEqual(expected);
  });

  it.each(samples)("'linear' = quantileExactInclusive: %s", async (_, values) => {
    const expected = await clickhouseQuantiles(values, 'quantileExactInclusive');
    const got = LEVELS.map((q) => quantile(values, q, 'linear') as number);
    got.forEach((g, i) => expect(g, `level ${LEVELS[i]}`).toBeCloseTo(expected[i] as number, 9));
  });
});
