// Fair comparisons on real ClickHouse (embedded chDB, the real schema): the pair rows of a replay
// run at `max` speed with a secondary and a candidate, some candidate pairs sandbox-induced, every
// row landed twice with merges stopped; the run's start record in `runs`. The SQL store must equal
// the in-memory reference (measurementsFromPairs), also through the read-only endpoint; the report
// built on it takes the secondary as the latency baseline and states the replay's speed and
// concurrency; the gate passes maxFactorOfSecondary where maxFactorOfLive would fail, and warns.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import {
  buildReport,
  createClickHousePairStore,
  createClickHouseExploreStore,
  evaluateGate,
  measurementQueryFor,
  measurementsFromPairs,
  parseCriteria,
  renderReportText,
  renderVerdictText,
  type Measurements,
  type MeasurementQuery,
  type PairComparisonLike,
  type PairRecord,
  type PairStore,
} from '@shadow/analysis';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);
const T = Date.now() - 86_400_000;
const RUN = 'replay-max';
const RUNS = { [RUN]: { speed: 'max', maxConcurrency: 16, ordering: 'none' } };

function comparison(over: Partial<PairComparisonLike> = {}): PairComparisonLike {
  return {
    route: '/orders',
    method: 'POST',
    match: true,
    statusMatch: true,
    statusNoisy: false,
    liveStatus: 201,
    candidateStatus: 201,
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

const blocked = { kind: 'sandbox_answer', key: 'http POST store:8080/v2/orders', disposition: 'blocked', status: 503 };
const staleRead = { kind: 'read_after_live_write', key: 'http GET store:8080/v2/stock/:id', disposition: 'forwarded', status: 200 };
const writeElsewhere = [
  { key: 'http POST store:8080/v2/orders', kind: 'extra_in_candidate' as const, noisy: false },
  { key: 'http POST store:8080/v1/orders', kind: 'missing_in_candidate' as const, noisy: false },
];

/**
 * 120 exchanges of one run: live answered in production in 8-12 ms, the secondary (live's code
 * replayed at max speed, concurrency 16) in 250-349 ms, the candidate 2 % slower than the secondary.
 * Of the candidate's pairs, every 10th got the sandbox's 503 for its write to /v2/orders and
 * answered 502 (and every 20th of those also wrote to another path: a real side-effect difference);
 * every 15th read a stock live had already changed and answered another body; e7 differs on its own.
 */
function records(): PairRecord[] {
  const out: PairRecord[] = [];
  for (let i = 0; i < 120; i += 1) {
    const live = 8_000 + (i % 5) * 1000;
    const secondary = 250_000 + ((i * 37) % 100) * 1000;
    const base = { exchangeId: `e${String(i).padStart(3, '0')}`, attempt: 1, captureTimeMs: T + i * 1000, runId: RUN, version: 1 };
    out.push({
      ...base,
      challengerId: 'sec',
      challengerName: 'live-copy',
      challengerRole: 'secondary',
      comparison: comparison({ liveLatencyUs: live, candidateLatencyUs: secondary }),
    });
    let over: Partial<PairComparisonLike> = {};
    if (i % 10 === 0) {
      over = {
        match: false,
        statusMatch: false,
        candidateStatus: 502,
        bodyMatch: false,
        diffs: [{ path: '$.error', noisy: false }],
        sandboxInduced: true,
        sandboxCauses: [blocked],
      };
      if (i % 20 === 0) over = { ...over, sideEffectsMatch: false, sideEffectDiffs: writeElsewhere };
    } else if (i % 15 === 0) {
      over = {
        match: false,
        bodyMatch: false,
        diffs: [{ path: '$.stock', noisy: false }],
        headerDiffs: [{ name: 'x-stock-version', noisy: false }],
        headersMatch: false,
        sandboxInduced: true,
        sandboxCauses: [staleRead],
      };
    } else if (i === 7) {
      over = { match: false, bodyMatch: false, diffs: [{ path: '$.total', noisy: false }] };
    }
    out.push({
      ...base,
      challengerId: 'cand',
      challengerName: 'gateway-v2',
      challengerRole: 'candidate',
      comparison: comparison({ liveLatencyUs: live, candidateLatencyUs: Math.round(secondary * 1.02), ...over }),
    });
  }
  return out;
}

const RECORDS = records();

/** A PairRecord as the joiner's pair row (packages/join/src/rows/pair-rows.ts, shared-compare.ts). */
function pairRow(r: PairRecord): Record<string, unknown> {
  const c = r.comparison;
  const effects = c.sideEffectDiffs.map((d) => ({ path: `effect:${d.key}`, noisy: d.noisy }));
  const diffPaths = [
    ...(c.statusMatch ? [] : ['status']),
    ...c.headerDiffs.map((h) => `header:${h.name}`),
    ...c.diffs.map((d) => d.path),
    ...effects.map((e) => e.path),
  ];
  const noisy = [
    ...c.headerDiffs.filter((h) => h.noisy).map((h) => `header:${h.name}`),
    ...c.diffs.filter((d) => d.noisy).map((d) => d.path),
    ...effects.filter((e) => e.noisy).map((e) => e.path),
  ];
  return {
    exchange_id: r.exchangeId,
    challenger_id: r.challengerId,
    challenger_name: r.challengerName ?? '',
    challenger_role: r.challengerRole ?? 'candidate',
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
    side_effects_detail: c.sideEffectDiffs.map((d) => `${d.kind} ${d.key}`).join('; '),
    sandbox_induced: c.sandboxInduced === true,
    sandbox_causes: (c.sandboxCauses ?? []).map((x) => `${x.kind} ${x.disposition} ${x.status} ${x.key}`),
  };
}

/** What the pair table cannot carry (side effects' dependency kind, float noise in means). */
function comparable(m: Measurements): unknown {
  const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1e6) / 1e6);
  const scope = (s: Measurements['overall']) => ({
    ...s,
    sideEffects: s.sideEffects.map(({ dependencyKind: _kind, ...rest }) => rest),
    status: [...(s.status ?? [])].sort((a, b) => a.live - b.live || a.candidate - b.candidate),
    latency: {
      ...s.latency,
      live: { ...s.latency.live, meanMs: round(s.latency.live.meanMs) },
      candidate: { ...s.latency.candidate, meanMs: round(s.latency.candidate.meanMs) },
      ...(s.latency.secondary === undefined ? {} : { secondary: { ...s.latency.secondary, meanMs: round(s.latency.secondary.meanMs) } }),
    },
  });
  return { ...m, overall: scope(m.overall), routes: m.routes.map(scope) };
}

let ch: ClickHouse;
let store: PairStore;
const database = `fair_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.pairs` });
  const rows = RECORDS.map(pairRow);
  for (const copy of [1, 2])
    await ch.client.insert({ table: 'pairs', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplicate: copy === 1 ? 1 : 0 } });
  // The run's start record as the joiner lands it from the replayer's run_started (stage 1).
  await ch.client.insert({
    table: 'runs',
    values: [
      {
        run_id: RUN,
        session_id: 's1',
        partition: 0,
        stage: 1,
        state: 'running',
        replayer: 'test',
        window_from: T,
        window_to: T + 3_600_000,
        speed: 'max',
        ordering: 'none',
        sampling: '{"rate":1}',
        max_concurrency: 16,
        partitions: 1,
        resumed: false,
        challengers: ['sec', 'cand'],
        challenger_roles: ['secondary', 'candidate'],
        replayed: [120, 120],
        failed: [0, 0],
        exchanges: 120,
        produced_time: T,
        landed_time: T,
      },
    ],
    format: 'JSONEachRow',
  });
  store = createClickHousePairStore(ch);
}, 120_000);

afterAll(async () => {
  await ch?.close();
});

const QUERY: MeasurementQuery = { challengerId: 'cand', runId: RUN };

describe('fair comparisons on real chDB (rows landed twice, merges stopped)', () => {
  it('equal the in-memory reference: secondary latency, sandbox-induced pairs, conditions', async () => {
    const queries: MeasurementQuery[] = [
      QUERY,
      { ...QUERY, includeSandboxInduced: true },
      { ...QUERY, secondaryId: null },
      { challengerId: 'cand', window: { fromMs: T, toMs: T + 3_600_000 }, countNoise: true },
      { challengerId: 'sec', runId: RUN },
    ];
    for (const q of queries) {
      const sql = await store.measurements(q);
      expect(comparable(sql), JSON.stringify(q)).toEqual(comparable(measurementsFromPairs(RECORDS, q, { runs: RUNS, unmatched: {} })));
    }
  });

  it('hand-computed: the secondary is the baseline, the run says max / 16, sandbox-induced pairs set apart', async () => {
    const m = await store.measurements(QUERY);
    expect(m.role).toBe('candidate');
    expect(m.secondary).toEqual({ challengerId: 'sec', challengerName: 'live-copy' });
    expect(m.conditions).toEqual({ runs: [{ runId: RUN, speed: 'max', maxConcurrency: 16, ordering: 'none' }], liveShadowing: false });
    const o = m.overall;
    expect(o.latency.secondary?.count).toBe(120);
    // sandbox-induced: e000, e010, ..., e110 (12, 503s) and e015, e045, e075, e105 (4 stale reads; e030, e060, e090 are 503s)
    expect(o.sandboxInduced?.pairs).toBe(16);
    expect(o.sandboxInduced?.statusMismatches).toBe(12);
    // e000, e020, ..., e100 (6) also wrote to another path: they stay trials (and fail)
    expect(o.sandboxInduced?.leftOutOfAgreement).toBe(10);
    expect(o.agreement).toEqual({ trials: 110, successes: 103 }); // 120 - 10 left out; 6 + e007 fail
    expect(o.errors.pairs).toBe(104); // 120 - 16
    expect(o.errors.candidate).toBe(0);
    expect(o.sandboxInduced?.causes.map((c) => [c.kind, c.pairs])).toEqual([
      ['sandbox_answer', 12],
      ['read_after_live_write', 4],
    ]);
  });

  it('the report: secondary column and delta, the replay stated, sandbox-induced apart; the gate passes on the secondary and warns on live', async () => {
    const m = await store.measurements({ ...QUERY, topDifferences: 10 });
    const text = renderReportText(buildReport(m));
    expect(text).toContain('measured under replay run replay-max at speed max, concurrency 16, ordering none');
    expect(text).toMatch(/quantile +live +secondary +candidate +candidate - secondary/);
    expect(text).toContain('status mismatches 12 pairs (12 of them sandbox-induced)');
    expect(text).toMatch(/answered by the sandbox +http POST store:8080\/v2\/orders +blocked 503 +12 +e000/);
    expect(text).not.toContain('warning: latency is compared');

    const { criteria } = parseCriteria(
      [
        'version: 1',
        'sample: { minPairs: 100 }',
        'agreement: { min: 0.85 }',
        'errorRate: { max: 0.05 }',
        'sideEffects: { expected: [{ direction: either, method: POST, target: "store:8080", path: "/v*/orders", reason: new order path }] }',
        'latency:',
        '  - { quantile: 0.99, maxFactorOfSecondary: 1.1 }',
        '  - { quantile: 0.99, maxFactorOfLive: 1.1 }',
      ].join('\n'),
    );
    const v = evaluateGate(criteria, await store.measurements(measurementQueryFor(criteria, { challengerId: 'cand', runId: RUN })));
    const outcome = (name: string) => v.results.find((r) => r.scope === 'overall' && r.criterion === name)?.outcome;
    expect(outcome('latency.p99.maxFactorOfSecondary')).toBe('pass');
    expect(outcome('latency.p99.maxFactorOfLive')).toBe('fail');
    expect(outcome('agreement')).toBe('pass');
    expect(outcome('errorRate.max')).toBe('pass');
    const verdict = renderVerdictText(v);
    expect(verdict).toContain("warning: maxFactorOfLive compares the candidate's latency, measured under replay run replay-max at speed max, concurrency 16");
    expect(verdict).toContain('warning: 16 sandbox-induced pairs');
  });

  it('the explore store (dashboard, shadow show) reads the same: agreement per bucket, secondary latency, flagged pairs and paths', async () => {
    const explore = createClickHouseExploreStore(ch);
    const window = { fromMs: T, toMs: T + 3_600_000 };
    const series = await explore.timeSeries({ challengerId: 'cand', window, runId: RUN, maxBuckets: 4, secondaryId: 'sec' });
    const m = await store.measurements(QUERY);
    expect(series.points.reduce((n, p) => n + p.agreement.trials, 0)).toBe(m.overall.agreement.trials);
    expect(series.points.reduce((n, p) => n + p.sandboxInduced, 0)).toBe(16);
    expect(series.points.every((p) => p.secondaryP99Ms !== null)).toBe(true);
    const list = await explore.pairs({ challengerId: 'cand', window, runId: RUN, filter: 'differing', pageSize: 100 });
    expect(
      list.items
        .filter((i) => i.sandboxInduced)
        .map((i) => i.exchangeId)
        .sort(),
    ).toHaveLength(16);
    const detail = await explore.pairDetail('e010');
    const cand = detail?.pairs.find((p) => p.challengerId === 'cand');
    expect(cand?.sandboxInduced).toBe(true);
    expect(cand?.sandboxCauses).toEqual([blocked]);
    expect(detail?.pairs.find((p) => p.challengerId === 'sec')?.sandboxInduced).toBe(false);
  });

  it('works through the read-only endpoint (the secondary join and the runs read pass its allow lists)', async () => {
    await using endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
    const remote = await createClickHouse({ mode: 'server', url: endpoint.url, database, ensureDatabase: false });
    try {
      expect(comparable(await createClickHousePairStore(remote).measurements(QUERY))).toEqual(comparable(await store.measurements(QUERY)));
    } finally {
      await remote.close();
    }
  });
});
