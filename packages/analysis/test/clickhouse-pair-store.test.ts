// createClickHousePairStore against real ClickHouse (embedded chDB) and the real schema
// (SCHEMA_MIGRATIONS): a fixed set of pairs is landed the way the joiner lands them, every pair
// at least twice and merges stopped, and the SQL measurements must equal the in-memory reference
// (measurementsFromPairs) on the same records and the values computed by hand in the comments.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import {
  createClickHousePairStore,
  parseSideEffectDetail,
  evaluateGate,
  measurementsFromPairs,
  parseCriteria,
  toGateRunRecord,
  wilsonInterval,
  type Measurements,
  type MeasurementQuery,
  type PairComparisonLike,
  type PairRecord,
  type PairStore,
} from '@shadow/analysis';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);
// A day back from the clock, never a calendar date: the tables expire rows by landing time.
const T = Date.now() - 86_400_000;
const HOUR = 3_600_000;

function comparison(over: Partial<PairComparisonLike> = {}): PairComparisonLike {
  return {
    route: '/users/:id',
    method: 'GET',
    match: true,
    statusMatch: true,
    statusNoisy: false,
    liveStatus: 200,
    candidateStatus: 200,
    errorMatch: true,
    liveErrorKind: null,
    candidateErrorKind: null,
    liveLatencyUs: 10_000,
    candidateLatencyUs: 12_000,
    headersMatch: true,
    headerDiffs: [],
    bodyMatch: true,
    diffs: [],
    sideEffectsMatch: true,
    sideEffectDiffs: [],
    judge: { verdict: 'not_run' },
    outcomes: [],
    ...over,
  };
}

function pair(exchangeId: string, atMs: number, over: Partial<PairComparisonLike> = {}, extra: Partial<PairRecord> = {}): PairRecord {
  return { exchangeId, challengerId: 'c1', challengerName: 'pricing-v2', attempt: 1, captureTimeMs: atMs, version: 1, comparison: comparison(over), ...extra };
}

// Only what the pair table can hold: no business outcomes, no labels.
const RECORDS: PairRecord[] = [
  pair('e1', T, { liveLatencyUs: 10_000, candidateLatencyUs: 12_000 }),
  pair('e1', T, { liveLatencyUs: 10_000, candidateLatencyUs: 12_000 }, { version: 2 }), // a later copy of the same pair
  // attempt 1 timed out; the retry (attempt 2) is joined later and is the one that counts
  pair('e2', T + 1000, { match: false, statusMatch: false, errorMatch: false, candidateStatus: 0, candidateErrorKind: 'timeout', bodyMatch: false }),
  pair('e2', T + 1000, { liveLatencyUs: 20_000, candidateLatencyUs: 25_000 }, { attempt: 2, version: 2 }),
  // an older version said "agree"; the newer one has a real and a noisy difference
  pair('e3', T + 2000, { liveLatencyUs: 30_000, candidateLatencyUs: 33_000 }, { version: 0 }),
  pair('e3', T + 2000, {
    match: false,
    bodyMatch: false,
    liveLatencyUs: 30_000,
    candidateLatencyUs: 33_000,
    diffs: [
      { path: '$.user.tier', noisy: false },
      { path: '$.user.lastSeen', noisy: true },
    ],
    headerDiffs: [{ name: 'x-request-id', noisy: true }],
  }),
  pair('e4', T + 3000, {
    route: '/orders',
    method: 'POST',
    match: false,
    bodyMatch: false,
    liveLatencyUs: 40_000,
    candidateLatencyUs: 44_000,
    diffs: [{ path: '$.meta.requestId', noisy: false }],
  }),
  pair('e5', T + 4000, {
    route: '/orders',
    method: 'POST',
    match: false,
    statusMatch: false,
    candidateStatus: 500,
    bodyMatch: false,
    sideEffectsMatch: false,
    liveLatencyUs: 50_000,
    candidateLatencyUs: 55_000,
    sideEffectDiffs: [
      { key: 'http POST payments:443/v1/charges/:id', kind: 'extra_in_candidate', noisy: false },
      { key: 'http POST audit:80/log', kind: 'missing_in_candidate', noisy: true },
    ],
  }),
  pair('e6', T + 5000, { route: '/health' }),
  pair('e7', T + 6000, {}, { challengerId: 'c2', challengerName: 'secondary' }),
  pair('e9', T + 7000, { liveLatencyUs: 15_000, candidateLatencyUs: 14_000 }, { runId: 'run-1' }),
  pair('e10', T + 8000, { liveStatus: 503, candidateStatus: 503, liveLatencyUs: 5_000, candidateLatencyUs: 6_000 }),
  pair('e8', T + 10 * HOUR),
];

const UNMATCHED = { no_result: 2, no_live_record: 1 };

/** A PairRecord as the joiner's pair row (packages/join/src/rows/pair-rows.ts). */
function pairRow(r: PairRecord): Record<string, unknown> {
  const c = r.comparison;
  // As the joiner maps @shadow/compare's result (packages/join/src/compare/shared-compare.ts).
  const effects = c.sideEffectDiffs.map((d) => ({ path: `effect:${d.key}`, noisy: d.noisy }));
  const diffPaths = [
    ...(c.statusMatch ? [] : ['status']),
    ...c.headerDiffs.map((h) => `header:${h.name}`),
    ...c.diffs.map((d) => d.path),
    ...effects.map((e) => e.path),
  ];
  const noisy = [
    ...(!c.statusMatch && c.statusNoisy ? ['status'] : []),
    ...c.headerDiffs.filter((h) => h.noisy).map((h) => `header:${h.name}`),
    ...c.diffs.filter((d) => d.noisy).map((d) => d.path),
    ...effects.filter((e) => e.noisy).map((e) => e.path),
  ];
  const detail = c.sideEffectDiffs.map((d) => `${d.kind} ${d.key}`);
  return {
    exchange_id: r.exchangeId,
    challenger_id: r.challengerId,
    challenger_name: r.challengerName ?? '',
    challenger_role: 'candidate',
    run_id: r.runId ?? '',
    attempt: r.attempt,
    capture_time: r.captureTimeMs,
    replay_time: r.captureTimeMs + 10,
    joined_time: T + (r.version ?? 0) * 1000,
    route: c.route,
    method: c.method,
    path: c.route,
    live_status: c.liveStatus,
    shadow_status: c.candidateStatus,
    live_latency_us: c.liveLatencyUs,
    shadow_latency_us: c.candidateLatencyUs,
    latency_delta_us: c.candidateLatencyUs - c.liveLatencyUs,
    shadow_error_kind: c.candidateErrorKind ?? '',
    status_match: c.statusMatch,
    headers_match: c.headersMatch,
    body_match: c.bodyMatch,
    side_effects_match: c.sideEffectsMatch,
    agree: c.match && diffPaths.length === 0,
    real_agree: c.match,
    diff_count: diffPaths.length,
    real_diff_count: diffPaths.length - noisy.length,
    diff_paths: diffPaths,
    noisy_paths: noisy,
    side_effects_detail: detail.join('; '),
  };
}

function unmatchedRow(exchangeId: string, reason: string, atMs: number): Record<string, unknown> {
  return {
    exchange_id: exchangeId,
    challenger_id: 'c1',
    challenger_role: 'candidate',
    run_id: '',
    reason,
    expired_by: 'time',
    has_live: reason === 'no_result',
    has_result: reason !== 'no_result',
    event_time: atMs,
    joined_time: atMs + 100,
    route: '/users/:id',
    method: 'GET',
    path: '/users/1',
  };
}

/** What the pair table cannot carry is dropped from the reference before comparing. */
function comparable(m: Measurements): unknown {
  const scope = (s: Measurements['overall']) => ({
    ...s,
    sideEffects: s.sideEffects.map(({ dependencyKind: _kind, ...rest }) => rest),
    status: [...(s.status ?? [])].sort((a, b) => a.live - b.live || a.candidate - b.candidate),
    latency: {
      ...s.latency,
      live: { ...s.latency.live, meanMs: s.latency.live.meanMs === undefined ? undefined : Math.round(s.latency.live.meanMs * 1e6) / 1e6 },
      candidate: { ...s.latency.candidate, meanMs: s.latency.candidate.meanMs === undefined ? undefined : Math.round(s.latency.candidate.meanMs * 1e6) / 1e6 },
    },
  });
  return { ...m, overall: scope(m.overall), routes: m.routes.map(scope) };
}

let ch: ClickHouse;
let store: PairStore;
const database = `analysis_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  // No merge may collapse the duplicates: the numbers must be right before merges.
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.pairs` });
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.unmatched` });
  const rows = RECORDS.map(pairRow);
  // Every row twice, each in its own insert (its own part), as re-delivered batches land; one
  // insert per row also keeps optimize_on_insert from collapsing versions inside a block.
  for (const copy of [1, 2])
    for (const row of rows)
      await ch.client.insert({ table: 'pairs', values: [row], format: 'JSONEachRow', clickhouse_settings: { insert_deduplicate: copy === 1 ? 1 : 0 } });
  const unmatched = [
    unmatchedRow('u1', 'no_result', T + 500),
    unmatchedRow('u2', 'no_result', T + 600),
    unmatchedRow('u3', 'no_live_record', T + 700),
    unmatchedRow('e4', 'no_result', T + 3000),
    unmatchedRow('u4', 'no_result', T + 20 * HOUR),
  ];
  await ch.client.insert({ table: 'unmatched', values: unmatched, format: 'JSONEachRow' });
  await ch.client.insert({ table: 'unmatched', values: unmatched, format: 'JSONEachRow' });
  store = createClickHousePairStore(ch);
});

afterAll(async () => {
  await ch?.close();
});

const QUERY: MeasurementQuery = { challengerId: 'c1', window: { fromMs: T, toMs: T + HOUR }, excludeRoutes: ['GET /health'], excludePaths: ['$.meta'] };

describe('createClickHousePairStore (real chDB, duplicates not merged)', () => {
  it('the table really holds every pair twice (merges stopped)', async () => {
    const rs = await ch.client.query({ query: 'SELECT count() AS n FROM pairs', format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: string }>();
    expect(Number(row?.n)).toBe(2 * RECORDS.length);
  });

  it('equals measurementsFromPairs on the same records', async () => {
    for (const q of [
      QUERY,
      { ...QUERY, excludePaths: [], excludeRoutes: [] },
      { ...QUERY, countNoise: true },
      { challengerId: 'c1', runId: 'run-1' },
      { ...QUERY, latencyQuantiles: [0.95, 0.999] },
    ]) {
      const sql = await store.measurements(q);
      const reference = measurementsFromPairs(RECORDS, q, { unmatched: q.runId === undefined ? UNMATCHED : {} });
      expect(comparable(sql), JSON.stringify(q)).toEqual(comparable(reference));
    }
  });

  it('hand-computed: distinct pairs, latest attempt, agreement with its Wilson bounds, errors, exact percentiles', async () => {
    const m = await store.measurements(QUERY);
    const o = m.overall;
    // e1 e2 e3 e4 e5 e9 e10 (e6 excluded route, e7 other challenger, e8 outside the window)
    expect(o.pairs).toBe(7);
    expect(m.challengerName).toBe('pricing-v2');
    expect(m.observed).toEqual({ firstMs: T, lastMs: T + 8000 });
    // fail: e3 (real diff $.user.tier), e5 (status, side effects); e4 differs only under $.meta
    expect(o.agreement).toEqual({ trials: 7, successes: 5 });
    // Wilson 95 % for 5/7 by hand: center (5/7 + z²/14) / (1 + z²/7) = 0.63836,
    // half-width z·sqrt(p(1-p)/7 + z²/196) / (1 + z²/7) = 0.27942
    const w = wilsonInterval(o.agreement.successes, o.agreement.trials, { confidence: 0.95 });
    expect(w.lower).toBeCloseTo(0.35893, 4);
    expect(w.upper).toBeCloseTo(0.91778, 4);
    expect(o.errors).toEqual({ pairs: 7, live: 1, candidate: 2, both: 1 }); // live e10 (503); candidate e5 (500), e10
    // live sorted [5 10 15 20 30 40 50]: quantileExact index floor(q·7) -> p50 = 20, p90 = p99 = 50
    expect(o.latency.live.quantiles).toEqual([
      { q: 0.5, value: 20 },
      { q: 0.9, value: 50 },
      { q: 0.99, value: 50 },
    ]);
    expect(o.latency.live.maxMs).toBe(50);
    // candidate sorted [6 12 14 25 33 44 55]
    expect(o.latency.candidate.quantiles).toEqual([
      { q: 0.5, value: 25 },
      { q: 0.9, value: 55 },
      { q: 0.99, value: 55 },
    ]);
    expect(o.latency.samples?.liveMs).toEqual([10, 20, 30, 40, 50, 15, 5]);
    expect(o.status?.find((s) => s.live === 200 && s.candidate === 200)?.pairs).toBe(5);
    // the audit write live made and the candidate did not is noise (the secondary skips it too)
    expect(o.sideEffects).toEqual([
      { direction: 'candidate-only', method: 'POST', target: 'payments:443', path: '/v1/charges/:id', dependencyKind: 'http', pairs: 1, examplePairId: 'e5' },
    ]);
    expect(o.paths).toEqual([
      { path: '$.meta.requestId', pairs: 1, noise: false, excluded: true, examplePairId: 'e4' },
      { path: '$.user.lastSeen', pairs: 1, noise: true, excluded: false, examplePairId: 'e3' },
      { path: '$.user.tier', pairs: 1, noise: false, excluded: false, examplePairId: 'e3' },
    ]);
    expect(o.headers).toEqual([{ header: 'x-request-id', pairs: 1, noise: true, examplePairId: 'e3' }]);
    expect(m.routes.map((r) => [r.method, r.route, r.pairs, r.agreement.successes])).toEqual([
      ['GET', '/users/:id', 5, 4],
      ['POST', '/orders', 2, 1],
    ]);
    // u1, u2 no_result, u3 no_live_record (each stored twice); e4's row is over a landed pair; u4 is outside the window
    expect(m.unmatched).toEqual(UNMATCHED);
  });

  it('counts noise and other routes when asked, and selects a replay run by id', async () => {
    const noisy = await store.measurements({ challengerId: 'c1', window: QUERY.window, countNoise: true });
    expect(noisy.overall.agreement).toEqual({ trials: 8, successes: 5 }); // + e6; e4 now fails
    expect(noisy.overall.sideEffects.map((e) => e.direction)).toEqual(['candidate-only', 'live-only']);
    const run = await store.measurements({ challengerId: 'c1', runId: 'run-1' });
    expect(run.overall.pairs).toBe(1);
    expect(run.window).toBeNull();
    expect(await store.challengers({ fromMs: T, toMs: T + HOUR })).toEqual([
      { challengerId: 'c1', challengerName: 'pricing-v2', pairs: 8 },
      { challengerId: 'c2', challengerName: 'secondary', pairs: 1 },
    ]);
  });

  it('a per-route override judges the route on its own numbers; the gate run is recorded in gate_runs', async () => {
    const { criteria, sha256 } = parseCriteria(
      [
        'version: 1',
        'sample: { minPairs: 5, routeMinPairs: 2 }',
        'exclude: { routes: ["GET /health"], paths: ["$.meta"] }',
        'agreement: { min: 0.3, judgeOn: estimate }',
        'sideEffects:',
        '  expected:',
        '    - { direction: candidate-only, method: POST, target: "payments:*", path: "/v1/charges/:id", reason: new charge call }',
        '    - { direction: live-only, method: POST, target: "audit:80", path: "/log", reason: audit moved }',
        'routes:',
        '  "POST /orders": { agreement: { min: 0.6, judgeOn: estimate } }',
      ].join('\n'),
      'gate.yaml',
    );
    const m = await store.measurements({ ...QUERY });
    const verdict = evaluateGate(criteria, m, { criteriaSha256: sha256, criteriaSource: 'gate.yaml' });
    // overall 5/7 = 0.714 >= 0.3 passes; POST /orders 1/2 = 0.5 < 0.6 fails
    expect(verdict.verdict).toBe('fail');
    const failed = verdict.results.filter((c) => c.outcome === 'fail');
    expect(failed.map((c) => `${c.scope} ${c.criterion}`)).toEqual(['POST /orders agreement']);
    const record = toGateRunRecord(verdict, { id: randomUUID(), atMs: T + 2 * HOUR, by: 'test' });
    await store.recordGateRun(record);
    const rs = await ch.client.query({
      query: "SELECT run_id, verdict, exit_code, criteria_sha256, challenger_id, JSONExtractString(verdict_json, 'verdict') AS v FROM gate_runs",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ run_id: record.runId, verdict: 'fail', exit_code: 1, criteria_sha256: sha256, challenger_id: 'c1', v: 'fail' }]);
  });

  it('the analyst views read the same de-duplicated pairs', async () => {
    const rs = await ch.client.query({
      query: "SELECT method, route, pairs, agreed FROM v_route_summary WHERE challenger_id = 'c1' AND run_id = '' ORDER BY method, route",
      format: 'JSONEachRow',
    });
    // window-free: e1 e2 e3 e10 e8 on GET /users/:id (e9 is run-1), e6 on /health, e4 e5 on /orders
    expect((await rs.json<Record<string, unknown>>()).map((r) => [r['method'], r['route'], Number(r['pairs']), Number(r['agreed'])])).toEqual([
      ['GET', '/health', 1, 1],
      ['GET', '/users/:id', 5, 4],
      ['POST', '/orders', 2, 0],
    ]);
    const top = await ch.client.query({
      query: "SELECT diff_path, noisy, pairs FROM v_top_diff_paths WHERE challenger_id = 'c1' ORDER BY pairs DESC, diff_path",
      format: 'JSONEachRow',
    });
    expect((await top.json<Record<string, unknown>>()).map((r) => r['diff_path'])).toEqual([
      '$.meta.requestId',
      '$.user.lastSeen',
      '$.user.tier',
      'effect:http POST audit:80/log',
      'effect:http POST payments:443/v1/charges/:id',
      'header:x-request-id',
      'status',
    ]);
  });

  it('works through the read-only endpoint (embedded mode, other processes): same measurements; recordGateRun refused', async () => {
    await using endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
    const remote = await createClickHouse({ mode: 'server', url: endpoint.url, database, ensureDatabase: false });
    try {
      const viaEndpoint = createClickHousePairStore(remote);
      expect(comparable(await viaEndpoint.measurements(QUERY))).toEqual(comparable(await store.measurements(QUERY)));
      const record = toGateRunRecord(evaluateGate(parseCriteria('version: 1').criteria, await store.measurements(QUERY)), {
        id: randomUUID(),
        atMs: T,
        by: 'test',
      });
      await expect(viaEndpoint.recordGateRun(record)).rejects.toMatchObject({ code: 'ANALYSIS_QUERY_FAILED' });
    } finally {
      await remote.close();
    }
  });
});

describe('parseSideEffectDetail', () => {
  it('reads both spellings of side_effects_detail', () => {
    expect(parseSideEffectDetail('missing_in_candidate smtp SEND mail:25')).toEqual({
      direction: 'live-only',
      method: 'SEND',
      target: 'mail:25',
      path: '',
      dependencyKind: 'smtp',
    });
    expect(parseSideEffectDetail('different PUT store:80 /v1/items/:id')).toEqual({
      direction: 'payload-changed',
      method: 'PUT',
      target: 'store:80',
      path: '/v1/items/:id',
    });
    expect(parseSideEffectDetail('bogus entry')).toBeNull();
  });
});
