// Idempotent landing in the real engine (chDB): a batch delivered twice leaves two physical copies
// until a merge, and every documented analysis query (FINAL / uniqExact aggregates) still counts it
// once; unmatched rows whose pair is already landed are not written.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@shadow/clickhouse';
import { BatchWriter, rowsFor, sharedComparer, summarizeByRoute } from '@shadow/join';
import type { JoinedExchange, OffsetSlot, RowSet } from '@shadow/join';
import type { ShadowResult } from '@shadow/contracts';
import { CANDIDATE, exchangeOf, openSchemaDatabase, SECONDARY } from './fixture.js';

// Recent: the tables' TTL drops rows older than 30 days at insert.
const T0 = Date.now() - 60_000;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

function result(i: number, id: string, challengerId: string, role: string, body: object): ShadowResult {
  return {
    exchangeId: id,
    challengerId,
    challengerName: challengerId,
    attempt: 1,
    replayTimeMs: T0 + 100,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify(body)),
    responseBodyTruncated: false,
    responseBodySize: 10,
    responseContentType: 'application/json',
    latencyUs: 900 + i,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 't',
    challengerRole: role,
    runId: null,
  };
}

/** 200 exchanges on /users/:id: requestId random on every side (noise), price differs for the candidate on every 4th. */
function rowsOfRun(): RowSet {
  const comparer = sharedComparer();
  const all: RowSet = { pairs: [], diffs: [], unmatched: [], captures: [], runs: [], bytes: 0 };
  for (let i = 0; i < 200; i++) {
    const id = `x-${i}`;
    const ex = { ...exchangeOf(1, id, T0), outboundCalls: [] };
    ex.responseBody = Buffer.from(JSON.stringify({ id: i, price: 10, requestId: `live-${i}` }));
    const joined: JoinedExchange = {
      exchangeId: id,
      runId: null,
      partition: 0,
      exchangeOffset: i,
      challengers: [CANDIDATE, SECONDARY],
      cause: 'complete',
      firstSeenMs: 0,
      exchange: ex,
      sideEffects: [],
      slots: [],
      results: new Map([
        [SECONDARY, result(i, id, SECONDARY, 'secondary', { id: i, price: 10, requestId: `sec-${i}` })],
        [CANDIDATE, result(i, id, CANDIDATE, 'candidate', { id: i, price: i % 4 === 0 ? 11 : 10, requestId: `cand-${i}` })],
      ]),
    };
    const r = rowsFor(joined, comparer, { challengers: [CANDIDATE, SECONDARY], bodySampleRate: 0, maxBodyBytes: 1000 }, T0 + 1000);
    all.pairs.push(...r.pairs);
    all.diffs.push(...r.diffs);
    all.captures.push(...r.captures);
    all.bytes += r.bytes;
  }
  return all;
}

async function count(ch: ClickHouse, sql: string): Promise<number> {
  const [row] = await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(row?.n);
}

async function land(ch: ClickHouse, rows: RowSet, slots: OffsetSlot[] = []): Promise<void> {
  const writer = new BatchWriter({ clickhouse: ch, logger: { debug() {}, info() {}, warn() {}, error() {} }, onLanded: () => undefined });
  writer.add(rows, slots);
  await writer.flush();
  writer.close();
}

describe('landing in ClickHouse', () => {
  it('a re-delivered batch adds no pairs: FINAL, the per-minute aggregates and summarizeByRoute count it once before any merge', async () => {
    const ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    const rows = rowsOfRun();
    await land(ch, rows);
    await land(ch, rows); // the same batch again, as after a crash before the commit
    expect(await count(ch, 'SELECT count() AS n FROM pairs')).toBe(800); // two physical copies: not merged yet
    expect(await count(ch, 'SELECT count() AS n FROM pairs FINAL')).toBe(400);
    expect(await count(ch, 'SELECT count() AS n FROM pair_diffs FINAL')).toBe(rows.diffs.length);
    expect(await count(ch, `SELECT uniqExactMerge(pairs) AS n FROM pair_minutes WHERE challenger_id = '${CANDIDATE}'`)).toBe(200);
    // What became of the live exchanges: every one replayed, counted once per challenger despite the re-delivery.
    expect(await count(ch, `SELECT uniqExactMerge(replayed) AS n FROM capture_minutes WHERE challenger_id = '${CANDIDATE}'`)).toBe(200);
    expect(await count(ch, `SELECT uniqExactMerge(seen) AS n FROM capture_minutes WHERE challenger_id = '${SECONDARY}'`)).toBe(200);
    expect(await count(ch, 'SELECT uniqExactMerge(not_replayed) + uniqExactMerge(no_result) AS n FROM capture_minutes')).toBe(0);

    const [users] = await summarizeByRoute(ch);
    expect(users).toMatchObject({ route: '/users/:id', pairs: 200, agreed: 0, realAgreed: 150 });
    const paths = Object.fromEntries(users?.topDifferingPaths.map((p) => [p.path, p]) ?? []);
    expect(paths['$.requestId']).toMatchObject({ pairs: 200, noise: true });
    expect(paths['$.price']).toMatchObject({ pairs: 50, noise: false });
  });

  it('does not write an unmatched row for a (exchange, challenger, run) whose pair is already landed', async () => {
    const ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    const rows = rowsOfRun();
    await land(ch, { ...rows, unmatched: [] });
    const ghost = {
      exchange_id: 'x-3',
      challenger_id: CANDIDATE,
      challenger_role: 'candidate',
      run_id: '',
      reason: 'no_live_record',
      expired_by: 'window',
      has_live: false,
      has_result: true,
      side_effects: 0,
      event_time: T0,
      joined_time: T0 + 2000,
      service: '',
      route: '',
      method: '',
      path: '',
    };
    const real = { ...ghost, exchange_id: 'x-999' };
    // The same exchange in a historical run is another key: a pair of live shadowing does not hide it.
    const otherRun = { ...ghost, run_id: 'run-2', reason: 'no_result', has_live: true, has_result: false };
    await land(ch, { pairs: [], diffs: [], unmatched: [ghost, real, otherRun], captures: [], runs: [], bytes: 0 });
    const left = await (
      await ch.client.query({ query: "SELECT concat(exchange_id, '/', run_id) AS k FROM unmatched FINAL ORDER BY k", format: 'JSONEachRow' })
    ).json<{ k: string }>();
    expect(left.map((r) => r.k)).toEqual(['x-3/run-2', 'x-999/']);
  });
});
