import { describe, expect, it } from 'vitest';
import type { MeasurementQuery } from '../queries/pair-store.js';
import { createInMemoryPairStore, measurementsFromPairs } from './from-pairs.js';
import { parseSideEffectKey, type PairComparisonLike, type PairRecord } from './pair-record.js';

// Fixture times come from the clock, never a calendar date (test/hygiene/fixture-dates.test.ts).
const T = Date.now() - 86_400_000;

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
  return { exchangeId, challengerId: 'c1', attempt: 1, captureTimeMs: atMs, comparison: comparison(over), ...extra };
}

const price = (live: number, candidate: number) => ({ name: 'price', type: 'number' as const, live, candidate });
const approved = (live: string, candidate: string) => ({ name: 'approved', type: 'string' as const, live, candidate });

const RECORDS: PairRecord[] = [
  pair('e1', T, { outcomes: [price(100, 101), approved('yes', 'yes')] }, { label: { liveCorrect: true, candidateCorrect: true } }),
  pair('e1', T, { outcomes: [price(100, 101), approved('yes', 'yes')] }, { label: { liveCorrect: true, candidateCorrect: true } }), // a duplicate copy
  pair('e2', T + 1000, { match: false, errorMatch: false, candidateStatus: 0, candidateErrorKind: 'timeout', bodyMatch: false }), // attempt 1, superseded
  pair('e2', T + 1000, { liveLatencyUs: 20_000, candidateLatencyUs: 25_000, outcomes: [price(200, 198), approved('yes', 'no')] }, { attempt: 2 }),
  pair(
    'e3',
    T + 2000,
    {
      match: false,
      bodyMatch: false,
      liveLatencyUs: 30_000,
      candidateLatencyUs: 33_000,
      diffs: [
        { path: '$.user.tier', noisy: false },
        { path: '$.user.lastSeen', noisy: true },
      ],
      headerDiffs: [{ name: 'x-request-id', noisy: true }],
    },
    { label: { liveCorrect: false, candidateCorrect: true } },
  ),
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
  pair('e7', T + 6000, {}, { challengerId: 'c2' }),
  pair('e8', T + 10 * 3_600_000),
];

const QUERY: MeasurementQuery = { challengerId: 'c1', window: { fromMs: T, toMs: T + 3_600_000 }, excludeRoutes: ['GET /health'], excludePaths: ['$.meta'] };

describe('measurementsFromPairs (the reference the SQL layer must match)', () => {
  const m = measurementsFromPairs(RECORDS, QUERY, { unmatched: { no_result: 2 } });
  const o = m.overall;

  it('counts distinct pairs: duplicates once, the latest attempt, the window, the challenger, excluded routes out', () => {
    expect(o.pairs).toBe(5); // e1 (twice stored), e2 (attempt 2), e3, e4, e5
    expect(m.observed).toEqual({ firstMs: T, lastMs: T + 4000 });
    expect(m.routes.map((r) => [r.method, r.route, r.pairs])).toEqual([
      ['GET', '/users/:id', 3],
      ['POST', '/orders', 2],
    ]);
    expect(m.unmatched).toEqual({ no_result: 2 });
  });

  it('agreement honours excluded paths (e4 differs only under $.meta)', () => {
    expect(o.agreement).toEqual({ trials: 5, successes: 3 }); // e1, e2, e4
    expect(measurementsFromPairs(RECORDS, { ...QUERY, excludePaths: [] }).overall.agreement.successes).toBe(2);
    expect(m.routes[1]?.agreement).toEqual({ trials: 2, successes: 1 });
  });

  it('errors, status matrix and exact latency quantiles', () => {
    expect(o.errors).toEqual({ pairs: 5, live: 0, candidate: 1, both: 0 });
    expect(o.status).toEqual([
      { live: 200, candidate: 200, pairs: 4 },
      { live: 200, candidate: 500, pairs: 1 },
    ]);
    // live [10, 20, 30, 40, 50]: index floor(0.5 * 5) = 2 -> 30; floor(0.9 * 5) = 4 -> 50
    expect(o.latency.live).toMatchObject({
      count: 5,
      maxMs: 50,
      meanMs: 30,
      quantiles: [
        { q: 0.5, value: 30 },
        { q: 0.9, value: 50 },
        { q: 0.99, value: 50 },
      ],
    });
    expect(o.latency.candidate.quantiles[0]).toEqual({ q: 0.5, value: 33 });
    // Levels a criteria file asks for besides p50/p90/p99: p25 = index floor(1.25) = 1 -> 20.
    expect(measurementsFromPairs(RECORDS, { ...QUERY, latencyQuantiles: [0.25] }).overall.latency.live.quantiles[0]).toEqual({ q: 0.25, value: 20 });
    expect(o.latency.samples).toEqual({ liveMs: [10, 20, 30, 40, 50], candidateMs: [12, 25, 33, 44, 55], paired: true });
  });

  it('side effects (noise left out), paths and headers with noise and exclusion flags', () => {
    expect(o.sideEffects).toEqual([
      { direction: 'candidate-only', method: 'POST', target: 'payments:443', path: '/v1/charges/:id', dependencyKind: 'http', pairs: 1, examplePairId: 'e5' },
    ]);
    expect(o.paths).toEqual([
      { path: '$.meta.requestId', pairs: 1, noise: false, excluded: true, examplePairId: 'e4' },
      { path: '$.user.lastSeen', pairs: 1, noise: true, excluded: false, examplePairId: 'e3' },
      { path: '$.user.tier', pairs: 1, noise: false, excluded: false, examplePairId: 'e3' },
    ]);
    expect(o.headers).toEqual([{ header: 'x-request-id', pairs: 1, noise: true, examplePairId: 'e3' }]);
  });

  it('business outcomes and accuracy on labelled pairs', () => {
    expect(o.business?.price).toEqual({
      kind: 'numeric',
      pairs: 2,
      live: {
        mean: 150,
        quantiles: [
          { q: 0.5, value: 200 },
          { q: 0.9, value: 200 },
          { q: 0.99, value: 200 },
        ],
      },
      candidate: {
        mean: 149.5,
        quantiles: [
          { q: 0.5, value: 198 },
          { q: 0.9, value: 198 },
          { q: 0.99, value: 198 },
        ],
      },
    });
    expect(o.business?.approved).toEqual({ kind: 'decision', pairs: 2, flips: 1, transitions: [{ live: 'yes', candidate: 'no', pairs: 1 }] });
    expect(o.accuracy).toEqual({ pairs: 2, live: 1, candidate: 2, both: 1 });
  });

  it('list outcomes: mean Jaccard and top-k overlap', () => {
    const recs = (live: string[], candidate: string[]) => ({ name: 'recs', type: 'string[]' as const, live, candidate });
    const lm = measurementsFromPairs(
      [
        pair('a', T, { outcomes: [recs(['1', '2', '3'], ['2', '3', '4'])] }), // Jaccard 2/4; top-2 overlap {1,2} vs [2,3] -> 1/2
        pair('b', T, { outcomes: [recs([], [])] }), // Jaccard 1 (two empty lists); top-2 overlap 0
      ],
      { challengerId: 'c1' },
      { topK: 2 },
    );
    expect(lm.overall.business?.recs).toEqual({ kind: 'list', pairs: 2, meanJaccard: 0.75, k: 2, meanTopKOverlap: 0.25 });
  });

  it('a newer version of a pair replaces the older copy', () => {
    const newer = pair('e1', T, { match: false, bodyMatch: false, diffs: [{ path: '$.x', noisy: false }] }, { version: 2 });
    expect(measurementsFromPairs([...RECORDS, newer], QUERY).overall.agreement.successes).toBe(2);
  });
});

describe('createInMemoryPairStore', () => {
  it('serves measurements, challengers and records gate runs', async () => {
    const store = createInMemoryPairStore(RECORDS);
    expect((await store.measurements(QUERY)).overall.pairs).toBe(5);
    expect(await store.challengers({ fromMs: T, toMs: T + 3_600_000 })).toEqual([
      { challengerId: 'c1', challengerName: null, pairs: 6 },
      { challengerId: 'c2', challengerName: null, pairs: 1 },
    ]);
    await store.recordGateRun({
      runId: 'r',
      atMs: 0,
      by: 'x',
      challengerId: 'c1',
      replayRunId: null,
      window: null,
      criteriaSha256: '',
      criteriaSource: '',
      verdict: 'pass',
      exitCode: 0,
      verdictJson: '{}',
    });
    expect(store.gateRuns).toHaveLength(1);
  });
});

describe('parseSideEffectKey', () => {
  it('splits compare keys', () => {
    expect(parseSideEffectKey('http POST payments:443/v1/charges/:id')).toEqual({
      dependencyKind: 'http',
      method: 'POST',
      target: 'payments:443',
      path: '/v1/charges/:id',
    });
    expect(parseSideEffectKey('db INSERT orders')).toEqual({ dependencyKind: 'db', method: 'INSERT', target: 'orders', path: '' });
  });
});

describe('pairs -> measurements -> gate and report (the whole pure pipeline)', () => {
  it('fails the gate on the unexpected charge and reports it with its example pair', async () => {
    const { parseCriteria } = await import('../criteria/load.js');
    const { measurementQueryFor } = await import('../queries/measurement-query.js');
    const { evaluateGate } = await import('../gate/evaluate.js');
    const { buildReport } = await import('../report/build.js');
    const { criteria } = parseCriteria(
      'version: 1\nsample: { minPairs: 5 }\nexclude: { routes: ["GET /health"], paths: ["$.meta"] }\nagreement: { min: 0.5, judgeOn: estimate }\n',
    );
    const store = createInMemoryPairStore(RECORDS);
    const m = await store.measurements(measurementQueryFor(criteria, { challengerId: 'c1', window: { fromMs: T, toMs: T + 3_600_000 } }));
    const v = evaluateGate(criteria, m);
    expect(v.results.map((r) => [r.criterion, r.outcome])).toEqual([
      ['sample.minPairs', 'pass'],
      ['agreement', 'pass'],
      ['sideEffects', 'fail'],
    ]);
    expect(v.exitCode).toBe(1);
    expect(buildReport(m).overall.sideEffects.candidateOnly[0]?.examplePairId).toBe('e5');
  });
});

describe('measurementsFromPairs: pairs by their set of side-effect differences', () => {
  it('a write sent to another path (missing + extra on one pair) is one pair with two differences; noise is left out unless counted', () => {
    const moved = [
      { key: 'http POST ledger:80/v1/entries', kind: 'missing_in_candidate' as const, noisy: false },
      { key: 'http POST ledger:80/v2/entries', kind: 'extra_in_candidate' as const, noisy: false },
    ];
    const records = [
      pair('m1', T, { sideEffectsMatch: false, sideEffectDiffs: moved }),
      pair('m2', T + 1000, { sideEffectsMatch: false, sideEffectDiffs: [...moved].reverse() }),
      pair('m3', T + 2000, { sideEffectsMatch: false, sideEffectDiffs: [{ key: 'http POST audit:80/log', kind: 'missing_in_candidate', noisy: true }] }),
      pair('m4', T + 3000),
    ];
    const q: MeasurementQuery = { challengerId: 'c1', window: { fromMs: T, toMs: T + 3_600_000 } };
    const m = measurementsFromPairs(records, q).overall;
    expect(m.sideEffects.map((d) => [d.direction, d.path, d.pairs])).toEqual([
      ['candidate-only', '/v2/entries', 2],
      ['live-only', '/v1/entries', 2],
    ]);
    expect(m.sideEffectPairs).toEqual({
      pairs: 2,
      sets: [
        {
          pairs: 2,
          differences: [
            { direction: 'candidate-only', method: 'POST', target: 'ledger:80', path: '/v2/entries', dependencyKind: 'http' },
            { direction: 'live-only', method: 'POST', target: 'ledger:80', path: '/v1/entries', dependencyKind: 'http' },
          ],
        },
      ],
    });
    expect(measurementsFromPairs(records, { ...q, countNoise: true }).overall.sideEffectPairs?.pairs).toBe(3);
  });
});
