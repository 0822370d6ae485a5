// Business outcomes and ground-truth accuracy through createClickHousePairStore against real
// ClickHouse (embedded chDB) and the real schema (SCHEMA_MIGRATIONS, with migration 30's outcome
// maps and migration 20's labels): pairs landed as the joiner lands them (outcome maps from
// the encoding of @shadow/join's outcomeColumns), every row twice with merges stopped, and a superseded version of
// one pair; the SQL numbers must equal the in-memory reference and the values computed by hand.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import {
  buildReport,
  createClickHousePairStore,
  evaluateGate,
  measurementQueryFor,
  measurementsFromPairs,
  pairedDifferenceInterval,
  parseCriteria,
  renderReportText,
  type Measurements,
  type MeasurementQuery,
  type PairComparisonLike,
  type PairRecord,
  type PairStore,
} from '@shadow/analysis';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-biz-${process.pid}`);
// A day back from the clock, never a calendar date: the tables expire rows (and kept bodies) by landing time.
const T = Date.now() - 86_400_000;
const HOUR = 3_600_000;
const WINDOW = { fromMs: T, toMs: T + HOUR };

type Outcomes = PairComparisonLike['outcomes'];

/**
 * The outcome maps as the joiner's pair writer stores them (outcomeColumns in
 * packages/join/src/rows/pair-rows.ts, unit-tested there with the same encodings): number in
 * shortest decimal, string as is, list as a JSON array; a side without a value has no key.
 */
function outcomeColumns(list: Outcomes): Record<string, Record<string, string>> {
  const text = (v: number | string | string[] | null) =>
    v === null ? null : typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  const types: Record<string, string> = {};
  const live: Record<string, string> = {};
  const shadow: Record<string, string> = {};
  for (const o of list) {
    types[o.name] = o.type;
    const l = text(o.live);
    const c = text(o.candidate);
    if (l !== null) live[o.name] = l;
    if (c !== null) shadow[o.name] = c;
  }
  return { outcome_types: types, live_outcomes: live, shadow_outcomes: shadow };
}
const outcomes = (price: [number | null, number | null], decision: [string, string], recs: [string[], string[]]): Outcomes => [
  { name: 'price', type: 'number', live: price[0], candidate: price[1] },
  { name: 'decision', type: 'string', live: decision[0], candidate: decision[1] },
  { name: 'recs', type: 'string[]', live: recs[0], candidate: recs[1] },
];

function pair(exchangeId: string, atMs: number, over: Partial<PairComparisonLike>, extra: Partial<PairRecord> = {}): PairRecord {
  return {
    exchangeId,
    challengerId: 'c1',
    challengerName: 'pricing-v2',
    attempt: 1,
    captureTimeMs: atMs,
    version: 1,
    ...extra,
    comparison: {
      route: '/price/:sku',
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
      candidateLatencyUs: 11_000,
      headersMatch: true,
      headerDiffs: [],
      bodyMatch: true,
      diffs: [],
      sideEffectsMatch: true,
      sideEffectDiffs: [],
      judge: { verdict: 'not_run' },
      outcomes: [],
      ...over,
    },
  };
}

const BUSINESS: PairRecord[] = [
  // superseded copy of p1 (older version): must not count
  pair('p1', T, { outcomes: outcomes([999, 1], ['decline', 'approve'], [['z'], ['q']]) }, { version: 0 }),
  pair('p1', T, {
    outcomes: outcomes(
      [100, 101],
      ['approve', 'approve'],
      [
        ['a', 'b', 'c'],
        ['a', 'b', 'd'],
      ],
    ),
  }),
  pair('p2', T + 1000, { outcomes: outcomes([200, 198], ['approve', 'decline'], [['a'], ['a']]) }),
  pair('p3', T + 2000, { outcomes: outcomes([50, 50.5], ['decline', 'decline'], [[], []]) }),
  // the candidate's answer had no price: p4 does not count for price
  pair('p4', T + 3000, {
    outcomes: outcomes(
      [80, null],
      ['decline', 'approve'],
      [
        ['x', 'y'],
        ['y', 'x'],
      ],
    ),
  }),
  // another route without outcomes, and another challenger
  pair('p5', T + 4000, { route: '/health' }),
  pair('p6', T + 5000, { outcomes: outcomes([1, 2], ['a', 'b'], [[], []]) }, { challengerId: 'c2' }),
];

// Accuracy: 60 labelled pairs on POST /score; label fraud = (i even). Live is right for i < 45,
// the candidate for i >= 3: live 45, candidate 57, both 42 (i in 3..44).
const N = 60;
const fraud = (i: number) => i % 2 === 0;
const scoreBody = (value: boolean) => JSON.stringify({ fraud: value, score: 0.5 });
interface Scored {
  record: PairRecord;
  liveBody: string;
  candidateBody: string;
  kept: boolean;
}
const SCORED: Scored[] = Array.from({ length: N }, (_, i) => {
  const liveRight = i < 45;
  const candidateRight = i >= 3;
  return {
    record: pair(
      `s${String(i).padStart(2, '0')}`,
      T + 10_000 + i,
      { route: '/score', method: 'POST' },
      { label: { liveCorrect: liveRight, candidateCorrect: candidateRight } },
    ),
    liveBody: scoreBody(liveRight ? fraud(i) : !fraud(i)),
    candidateBody: scoreBody(candidateRight ? fraud(i) : !fraud(i)),
    kept: true,
  };
});
// Labelled but the joiner kept no bodies: counted as unscored, not in accuracy.pairs.
const UNSCORED: Scored = { record: pair('s-unkept', T + 20_000, { route: '/score', method: 'POST' }), liveBody: '', candidateBody: '', kept: false };
// Unlabelled pair: not in the accuracy numbers at all.
const UNLABELLED: Scored = {
  record: pair('s-nolabel', T + 20_001, { route: '/score', method: 'POST' }),
  liveBody: scoreBody(true),
  candidateBody: scoreBody(true),
  kept: true,
};

function pairRow(r: PairRecord, bodies?: Scored): Record<string, unknown> {
  const c = r.comparison;
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
    shadow_error_kind: '',
    status_match: true,
    headers_match: true,
    body_match: true,
    side_effects_match: true,
    agree: true,
    real_agree: true,
    diff_count: 0,
    real_diff_count: 0,
    diff_paths: [],
    noisy_paths: [],
    side_effects_detail: '',
    bodies_kept: bodies?.kept ?? false,
    live_body: bodies?.liveBody ?? '',
    shadow_body: bodies?.candidateBody ?? '',
    // exactly what the joiner's pair writer stores
    ...outcomeColumns(c.outcomes),
  };
}

function labelRow(exchangeId: string, value: boolean, observedMs: number): Record<string, unknown> {
  return {
    exchange_id: exchangeId,
    name: 'fraud',
    value: String(value),
    value_type: 'boolean',
    observed_time: observedMs,
    landed_time: observedMs + 100,
    source: 'test',
  };
}

let ch: ClickHouse;
let store: PairStore;
const database = `biz_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.pairs` });
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.labels` });
  const rows = [...BUSINESS.map((r) => pairRow(r)), ...[...SCORED, UNSCORED, UNLABELLED].map((s) => pairRow(s.record, s))];
  // Every row twice in separate inserts (re-delivered batches), merges stopped, and no collapsing
  // inside an insert block either (p1's two versions land in the same block).
  for (const copy of [1, 2])
    await ch.client.insert({
      table: 'pairs',
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplicate: copy === 1 ? 1 : 0, optimize_on_insert: 0 },
    });
  // s00's first label said "not fraud"; a correction observed later says fraud (i = 0 is even): latest wins.
  const labels = [
    labelRow('s00', false, T + 30_000),
    ...SCORED.map((s, i) => labelRow(s.record.exchangeId, fraud(i), T + 40_000)),
    labelRow('s-unkept', true, T + 40_000),
  ];
  for (const copy of [1, 2])
    await ch.client.insert({
      table: 'labels',
      values: labels,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplicate: copy === 1 ? 1 : 0, optimize_on_insert: 0 },
    });
  store = createClickHousePairStore(ch);
});

afterAll(async () => {
  await ch?.close();
});

/** Floating-point sums in another order: compare rounded. */
function rounded(m: Measurements): unknown {
  return JSON.parse(
    JSON.stringify(m.routes.map((r) => [r.method, r.route, r.business ?? null]).concat([['overall', '', m.overall.business ?? null]])),
    (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v),
  );
}

describe('business outcomes (real chDB, duplicates not merged)', () => {
  it('the tables really hold every row twice and both versions of p1', async () => {
    const count = async (sql: string) => Number((await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);
    expect(await count('SELECT count() AS n FROM pairs')).toBe(2 * (BUSINESS.length + N + 2));
    expect(await count("SELECT count() AS n FROM pairs WHERE exchange_id = 'p1'")).toBe(4);
    expect(await count('SELECT count() AS n FROM labels')).toBe(2 * (N + 2));
  });

  it('equal measurementsFromPairs on the same records', async () => {
    const records = [...BUSINESS, ...[...SCORED, UNSCORED, UNLABELLED].map((s) => s.record)];
    for (const q of [
      { challengerId: 'c1', window: WINDOW },
      { challengerId: 'c1', window: WINDOW, businessMetrics: ['price'] },
      { challengerId: 'c1', window: WINDOW, businessMetrics: [] },
    ] satisfies MeasurementQuery[]) {
      const sql = await store.measurements(q);
      expect(rounded(sql), JSON.stringify(q)).toEqual(rounded(measurementsFromPairs(records, q)));
    }
  });

  it('hand-computed: mean and exact quantiles, flip rate, Jaccard and top-10 overlap', async () => {
    const m = await store.measurements({ challengerId: 'c1', window: WINDOW });
    const b = m.routes.find((r) => r.route === '/price/:sku')?.business;
    expect(Object.keys(b ?? {})).toEqual(['decision', 'price', 'recs']);
    // price: p1 p2 p3 (p4 has no candidate price); live [100 200 50], candidate [101 198 50.5]
    const price = b?.['price'];
    if (price?.kind !== 'numeric') throw new Error('price must be numeric');
    expect(price.pairs).toBe(3);
    expect(price.live.mean).toBeCloseTo(350 / 3, 9);
    expect(price.candidate.mean).toBeCloseTo(349.5 / 3, 9);
    // quantileExact: sorted value at floor(q * 3): p50 index 1, p90 and p99 index 2
    expect(price.live.quantiles).toEqual([
      { q: 0.5, value: 100 },
      { q: 0.9, value: 200 },
      { q: 0.99, value: 200 },
    ]);
    expect(price.candidate.quantiles).toEqual([
      { q: 0.5, value: 101 },
      { q: 0.9, value: 198 },
      { q: 0.99, value: 198 },
    ]);
    // decision: 4 pairs, p2 approve -> decline and p4 decline -> approve
    expect(b?.['decision']).toEqual({
      kind: 'decision',
      pairs: 4,
      flips: 2,
      transitions: [
        { live: 'approve', candidate: 'decline', pairs: 1 },
        { live: 'decline', candidate: 'approve', pairs: 1 },
      ],
    });
    // recs: Jaccard p1 2/4, p2 1, p3 (both empty) 1, p4 1 -> 0.875; top-10 overlap 2/10, 1/10, 0, 2/10 -> 0.125
    const recs = b?.['recs'];
    if (recs?.kind !== 'list') throw new Error('recs must be a list');
    expect(recs.pairs).toBe(4);
    expect(recs.meanJaccard).toBeCloseTo(0.875, 12);
    expect(recs.meanTopKOverlap).toBeCloseTo(0.125, 12);
    expect(recs.k).toBe(10);
    // /health declares nothing; the overall scope holds the same numbers (only one route has outcomes)
    expect(m.routes.find((r) => r.route === '/health')?.business).toBeUndefined();
    expect(m.overall.business?.['decision']).toEqual(b?.['decision']);
  });

  it('a gate bounds the mean price within 1 % (pass) and 0.1 % (fail), and the flip rate', async () => {
    const gate = async (body: string) => {
      const { criteria, sha256 } = parseCriteria(
        `version: 1\nsample: { minPairs: 1, routeMinPairs: 1 }\nsideEffects: { maxUnexpected: 0 }\n${body}`,
        'gate.yaml',
      );
      const m = await store.measurements(measurementQueryFor(criteria, { challengerId: 'c1', window: WINDOW }));
      return evaluateGate(criteria, m, { criteriaSha256: sha256, criteriaSource: 'gate.yaml' });
    };
    // |116.5 - 116.667| / 116.667 = 0.1667 / 116.667 = 0.001429
    const pass = await gate('business: { price: { meanRelativeDiff: { max: 0.01 } } }');
    expect(pass.verdict).toBe('pass');
    const priceResult = pass.results.find((r) => r.criterion === 'business.price.meanRelativeDiff');
    expect(priceResult?.measured).toBeCloseTo((350 / 3 - 349.5 / 3) / (350 / 3), 9);
    const fail = await gate('business: { price: { meanRelativeDiff: { max: 0.001 } } }');
    expect(fail.verdict).toBe('fail');
    // flip rate 2/4 = 0.5 on the estimate
    const flips = await gate('business: { decision: { flipRate: { max: 0.02, judgeOn: estimate } } }');
    expect(flips.verdict).toBe('fail');
    expect(flips.results.find((r) => r.criterion === 'business.decision.flipRate')?.measured).toBe(0.5);
  });
});

describe('accuracy on labelled pairs (real chDB)', () => {
  const accuracyGate = async (accuracy: string) => {
    const { criteria, sha256 } = parseCriteria(`version: 1\nsample: { minPairs: 1, routeMinPairs: 1 }\naccuracy: ${accuracy}`, 'gate.yaml');
    const query = measurementQueryFor(criteria, { challengerId: 'c1', window: WINDOW });
    const m = await store.measurements(query);
    return { m, verdict: evaluateGate(criteria, m, { criteriaSha256: sha256, criteriaSource: 'gate.yaml' }) };
  };

  it('counts live / candidate / both on the scored pairs, reports the unscored, latest label wins', async () => {
    const { m } = await accuracyGate('{ label: fraud, outcome: $.fraud, minDelta: 0.05, minLabelled: 50 }');
    expect(m.overall.accuracy).toEqual({ pairs: 60, live: 45, candidate: 57, both: 42 });
    expect(m.overall.accuracyUnscored).toBe(1);
    expect(m.routes.find((r) => r.route === '/score')?.accuracy).toEqual({ pairs: 60, live: 45, candidate: 57, both: 42 });
    // no labels on /price/:sku
    expect(m.routes.find((r) => r.route === '/price/:sku')?.accuracy).toBeUndefined();
  });

  it('minDelta judged on the Newcombe lower bound: pass, fail, and insufficient below minLabelled', async () => {
    // difference 57/60 - 45/60 = 0.2; its paired interval from the analysis stats
    const d = pairedDifferenceInterval({ pairs: 60, live: 45, candidate: 57, both: 42 }, { confidence: 0.95 });
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.lower).toBeGreaterThan(0.05);
    expect(d.lower).toBeLessThan(0.15);
    const pass = await accuracyGate('{ label: fraud, outcome: $.fraud, minDelta: 0.05, minLabelled: 50 }');
    expect(pass.verdict.verdict).toBe('pass');
    const result = pass.verdict.results.find((r) => r.criterion === 'accuracy.minDelta' && r.scope === 'overall');
    expect(result?.judged).toBeCloseTo(d.lower as number, 12);
    // 0.15 is under the estimate (0.2) but above the lower bound: fails on evidence
    expect((await accuracyGate('{ label: fraud, outcome: $.fraud, minDelta: 0.15, minLabelled: 50 }')).verdict.verdict).toBe('fail');
    expect((await accuracyGate('{ label: fraud, outcome: $.fraud, minDelta: 0.05, minLabelled: 61 }')).verdict.verdict).toBe('insufficient');
    // a label nobody posted: no labelled pairs, no accuracy measured
    const none = await accuracyGate('{ label: chargeback, outcome: $.fraud, minDelta: 0.05, minLabelled: 1 }');
    expect(none.m.overall.accuracy).toBeUndefined();
    expect(none.verdict.verdict).toBe('insufficient');
  });

  it('a route override scores its own outcome path', async () => {
    const { criteria } = parseCriteria('version: 1\nroutes:\n  "POST /score": { accuracy: { label: fraud, outcome: $.score, minLabelled: 1 } }', 'gate.yaml');
    const query = measurementQueryFor(criteria, { challengerId: 'c1', window: WINDOW });
    expect(query.accuracy).toEqual({ routes: { 'POST /score': { label: 'fraud', outcome: '$.score' } } });
    const m = await store.measurements(query);
    // $.score is 0.5 on every answer, never the label's true/false
    expect(m.routes.find((r) => r.route === '/score')?.accuracy).toEqual({ pairs: 60, live: 0, candidate: 0, both: 0 });
    expect(m.overall.accuracy).toBeUndefined();
  });
});

describe('the report shows business outcomes and accuracy from the store', () => {
  it('accuracy with its paired interval and the unscored count, business rows per metric', async () => {
    const m = await store.measurements({ challengerId: 'c1', window: WINDOW, accuracy: { default: { label: 'fraud', outcome: '$.fraud' } } });
    const report = buildReport(m);
    expect(report.overall.accuracy?.labelled).toBe(60);
    expect(report.overall.accuracy?.unscored).toBe(1);
    expect(report.overall.business.map((b) => b.name)).toEqual(['decision', 'price', 'recs']);
    expect(renderReportText(report)).toContain('labelled pairs 60 (1 more labelled without kept answer bodies: not scored)');
  });
});
