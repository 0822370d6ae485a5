// Fair comparisons (issue 17): latency against the secondary, which ran live's code under the same
// replay conditions, with columns named by role; sandbox-induced pairs kept out of agreement and the
// error rate by default and listed apart. On the in-memory reference (the SQL store is held to the
// same numbers in test/fair-comparison.test.ts).
import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { evaluateGate } from '../gate/evaluate.js';
import { measurementsFromPairs } from '../measurements/from-pairs.js';
import type { PairComparisonLike, PairRecord } from '../measurements/pair-record.js';
import { renderVerdictText } from './render.js';
import { buildReport } from './build.js';
import { renderReportJson, renderReportMarkdown, renderReportText } from './render.js';

const T = Date.now() - 86_400_000;
const RUN = 'replay-max';

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

/**
 * 200 exchanges of one replay at `max` speed: live answered in production in 8-12 ms; the secondary
 * (live's code, replayed) took 250-349 ms under the replay's load, 27x live's p99; the candidate
 * takes 2 % longer than the secondary on each exchange.
 */
function replayRecords(): PairRecord[] {
  const out: PairRecord[] = [];
  for (let i = 0; i < 200; i += 1) {
    const live = 8_000 + (i % 5) * 1000;
    const secondary = 250_000 + ((i * 37) % 100) * 1000;
    const base = { exchangeId: `e${String(i).padStart(3, '0')}`, attempt: 1, captureTimeMs: T + i * 1000, runId: RUN };
    out.push({
      ...base,
      challengerId: 'sec',
      challengerName: 'live-copy',
      challengerRole: 'secondary',
      comparison: comparison({ liveLatencyUs: live, candidateLatencyUs: secondary }),
    });
    out.push({
      ...base,
      challengerId: 'cand',
      challengerName: 'gateway-v2',
      challengerRole: 'candidate',
      comparison: comparison({ liveLatencyUs: live, candidateLatencyUs: Math.round(secondary * 1.02) }),
    });
  }
  return out;
}

const RUNS = { [RUN]: { speed: 'max', maxConcurrency: 16, ordering: 'none' } };

describe('latency against the secondary, columns by role', () => {
  const records = replayRecords();
  const m = measurementsFromPairs(records, { challengerId: 'cand', runId: RUN }, { runs: RUNS });

  it('finds the secondary of the same run and measures it on the same exchanges', () => {
    expect(m.role).toBe('candidate');
    expect(m.secondary).toEqual({ challengerId: 'sec', challengerName: 'live-copy' });
    expect(m.conditions).toEqual({ runs: [{ runId: RUN, speed: 'max', maxConcurrency: 16, ordering: 'none' }], liveShadowing: false });
    expect(m.overall.latency.secondary?.count).toBe(200);
    expect(m.overall.latency.secondarySamples?.secondaryMs).toHaveLength(200);
    // the secondary's p99 over live's p99: the replay, not the code, is 27x slower
    const p99 = (s: { quantiles: { q: number; value: number }[] } | undefined) => s?.quantiles.find((x) => x.q === 0.99)?.value ?? 0;
    expect(p99(m.overall.latency.secondary) / p99(m.overall.latency.live)).toBeGreaterThan(25);
  });

  it('the report takes the secondary as the latency baseline, labels columns by role and states the replay', () => {
    const report = buildReport(m);
    expect(report.secondary?.challengerId).toBe('sec');
    expect(report.warnings).toEqual([]);
    const p99 = report.overall.latency.find((l) => l.label === 'p99');
    expect(p99?.baseline).toBe('secondary');
    // candidate p99 = 1.02 x the secondary's p99 (349 ms -> 355.98 ms): a delta of 6.98 ms, not 340 ms over live
    expect(p99?.secondaryMs).toBe(349);
    expect(p99?.deltaMs).toBeCloseTo(6.98, 6);
    expect(p99?.deltaInterval).not.toBeNull();
    const text = renderReportText(report);
    expect(text).toContain('measured under replay run replay-max at speed max, concurrency 16, ordering none');
    expect(text).toContain("candidate latency baseline: the secondary live-copy (sec): live's code, same replay, same exchanges");
    expect(text).toMatch(/quantile +live +secondary +candidate +candidate - secondary/);
    expect(text).toContain('p99 secondary');
    expect(renderReportMarkdown(report)).toContain('| quantile | live | secondary | candidate | candidate - secondary |');
    expect(JSON.parse(renderReportJson(report)).overall.latency[2]).toMatchObject({ label: 'p99', baseline: 'secondary', secondaryMs: 349 });
  });

  it("the secondary's own report names its columns secondary, compares with live and warns about the conditions", () => {
    const own = buildReport(measurementsFromPairs(records, { challengerId: 'sec', runId: RUN }, { runs: RUNS }));
    expect(own.role).toBe('secondary');
    expect(own.secondary).toBeNull();
    const text = renderReportText(own);
    expect(text).toContain('Shadow report: live-copy (secondary)');
    expect(text).toMatch(/quantile +live +secondary +secondary - live/);
    expect(text).toContain('Status codes, live vs secondary');
    expect(text).not.toMatch(/\bcandidate\b/);
    expect(own.warnings[0]).toContain(
      "latency is compared with live's, which was measured in production, while the secondary's was measured under replay run replay-max at speed max, concurrency 16",
    );
  });

  it('without a secondary, the report compares with live and warns; live shadowing says its settings are unknown', () => {
    const alone = records.filter((r) => r.challengerId === 'cand').map((r) => ({ ...r, runId: null }));
    const report = buildReport(measurementsFromPairs(alone, { challengerId: 'cand', window: { fromMs: T, toMs: T + 3_600_000 } }));
    expect(report.overall.latency[0]?.baseline).toBe('live');
    const text = renderReportText(report);
    expect(text).toContain(
      "warning: latency is compared with live's, which was measured in production, while the candidate's was measured under live shadowing (the replayer's speed and concurrency are not recorded: unknown)",
    );
    expect(text).toMatch(/quantile +live +candidate +candidate - live/);
    expect(text).toContain('candidate latency baseline: live (measured in production');
  });

  it('the gate: the candidate passes maxFactorOfSecondary and would fail maxFactorOfLive, with the warning printed', () => {
    const { criteria } = parseCriteria(
      [
        'version: 1',
        'sample: { minPairs: 100 }',
        'latency:',
        '  - { quantile: 0.99, maxFactorOfSecondary: 1.1 }',
        '  - { quantile: 0.99, maxFactorOfLive: 1.1 }',
      ].join('\n'),
    );
    const v = evaluateGate(criteria, m);
    const byName = Object.fromEntries(v.results.map((r) => [r.criterion, r]));
    expect(byName['latency.p99.maxFactorOfSecondary']?.outcome).toBe('pass');
    expect(byName['latency.p99.maxFactorOfSecondary']?.measured).toBeCloseTo(1.02, 6);
    expect(byName['latency.p99.maxFactorOfLive']?.outcome).toBe('fail');
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain(
      "maxFactorOfLive compares the candidate's latency, measured under replay run replay-max at speed max, concurrency 16, ordering none, with live's, measured in production",
    );
    expect(v.warnings[0]).toContain('use maxFactorOfSecondary: the secondary sec answered these exchanges under the same conditions');
    expect(renderVerdictText(v)).toContain('warning: maxFactorOfLive compares');
  });

  it('gating the secondary itself names it by its role in every reason', () => {
    const { criteria } = parseCriteria('version: 1\nsample: { minPairs: 100 }\nerrorRate: { max: 0.5 }\nlatency: [{ quantile: 0.99, maxFactorOfLive: 1.1 }]');
    const v = evaluateGate(criteria, measurementsFromPairs(records, { challengerId: 'sec', runId: RUN }, { runs: RUNS }));
    const text = renderVerdictText(v);
    expect(text).toContain('secondary p99 / live p99');
    expect(text).toContain('secondary error rate');
    expect(text).toContain("maxFactorOfLive compares the secondary's latency");
    expect(text).not.toMatch(/\bcandidate\b/);
  });

  it('maxFactorOfSecondary without a secondary is not enough data, naming what is missing', () => {
    const alone = records.filter((r) => r.challengerId === 'cand');
    const { criteria } = parseCriteria('version: 1\nsample: { minPairs: 100 }\nlatency: [{ quantile: 0.99, maxFactorOfSecondary: 1.1 }]');
    const v = evaluateGate(criteria, measurementsFromPairs(alone, { challengerId: 'cand', runId: RUN }));
    expect(v.verdict).toBe('insufficient');
    expect(v.reasons[0]).toContain('no secondary answered these exchanges');
    expect(v.warnings).toEqual([]);
  });

  it('combine: any passes on the secondary limit alone', () => {
    const { criteria } = parseCriteria(
      'version: 1\nsample: { minPairs: 100 }\nlatency: [{ quantile: 0.99, maxFactorOfSecondary: 1.1, maxFactorOfLive: 1.1, combine: any }]',
    );
    const r = evaluateGate(criteria, m).results.find((x) => x.criterion === 'latency.p99');
    expect(r?.outcome).toBe('pass');
    expect(r?.parts?.map((p) => [p.criterion, p.outcome])).toEqual([
      ['latency.p99.maxFactorOfSecondary', 'pass'],
      ['latency.p99.maxFactorOfLive', 'fail'],
    ]);
  });
});

describe('sandbox-induced pairs', () => {
  const blocked = { kind: 'sandbox_answer', key: 'http POST store:8080/v2/orders', disposition: 'blocked', status: 503 };
  const staleRead = { kind: 'read_after_live_write', key: 'http GET store:8080/v2/stock/:id', disposition: 'forwarded', status: 200 };
  const effects = [
    { key: 'http POST store:8080/v2/orders', kind: 'extra_in_candidate' as const, noisy: false },
    { key: 'http POST store:8080/v1/orders', kind: 'missing_in_candidate' as const, noisy: false },
  ];
  const pair = (id: string, i: number, over: Partial<PairComparisonLike>): PairRecord => ({
    exchangeId: id,
    challengerId: 'cand',
    attempt: 1,
    captureTimeMs: T + i,
    comparison: comparison(over),
  });
  // 10 pairs: 6 agree; e6, e7 got a sandbox 503 and answered 502 (one also wrote elsewhere: a real
  // side-effect difference); e8 read a store live had changed and answered another body; e9 differs
  // on its own (no cause).
  const records: PairRecord[] = [
    ...[0, 1, 2, 3, 4, 5].map((i) => pair(`e${i}`, i, {})),
    pair('e6', 6, {
      match: false,
      statusMatch: false,
      candidateStatus: 502,
      bodyMatch: false,
      diffs: [{ path: '$.error', noisy: false }],
      sandboxInduced: true,
      sandboxCauses: [blocked],
    }),
    pair('e7', 7, {
      match: false,
      statusMatch: false,
      candidateStatus: 502,
      bodyMatch: false,
      diffs: [{ path: '$.error', noisy: false }],
      sideEffectsMatch: false,
      sideEffectDiffs: effects,
      sandboxInduced: true,
      sandboxCauses: [blocked],
    }),
    pair('e8', 8, { match: false, bodyMatch: false, diffs: [{ path: '$.stock', noisy: false }], sandboxInduced: true, sandboxCauses: [staleRead] }),
    pair('e9', 9, { match: false, bodyMatch: false, diffs: [{ path: '$.total', noisy: false }] }),
  ];
  const window = { fromMs: T, toMs: T + 3_600_000 };

  it('are left out of the error rate, and out of agreement unless another difference counts; side effects still count', () => {
    const o = measurementsFromPairs(records, { challengerId: 'cand', window }).overall;
    // trials: 10 - e6 - e8 (e7 stays: its side-effect difference is real); successes e0..e5
    expect(o.agreement).toEqual({ trials: 8, successes: 6 });
    // e6 e7 e8 left out: no candidate error remains (the 502s were the sandbox's)
    expect(o.errors).toEqual({ pairs: 7, live: 0, candidate: 0, both: 0 });
    expect(o.sandboxInduced).toEqual({
      pairs: 3,
      statusMismatches: 2,
      leftOutOfAgreement: 2,
      counted: false,
      causes: [
        { ...blocked, pairs: 2, examplePairId: 'e6' },
        { ...staleRead, pairs: 1, examplePairId: 'e8' },
      ],
    });
    expect(o.sideEffectPairs?.pairs).toBe(1);
    expect(o.paths).toEqual([
      { path: '$.error', pairs: 2, noise: false, excluded: false, sandboxInduced: true, examplePairId: 'e6' },
      { path: '$.stock', pairs: 1, noise: false, excluded: false, sandboxInduced: true, examplePairId: 'e8' },
      { path: '$.total', pairs: 1, noise: false, excluded: false, examplePairId: 'e9' },
    ]);
  });

  it('includeSandboxInduced (criteria exclude.sandboxInduced: false) counts them like any pair', () => {
    const o = measurementsFromPairs(records, { challengerId: 'cand', window, includeSandboxInduced: true }).overall;
    expect(o.agreement).toEqual({ trials: 10, successes: 6 });
    expect(o.errors).toEqual({ pairs: 10, live: 0, candidate: 2, both: 0 });
    expect(o.sandboxInduced?.counted).toBe(true);
    expect(o.sandboxInduced?.leftOutOfAgreement).toBe(0);
  });

  it('the report shows them apart per route with their causes; the gate warns', () => {
    const m = measurementsFromPairs(records, { challengerId: 'cand', window });
    const report = buildReport(m);
    expect(report.overall.paths.map((p) => p.path)).toEqual(['$.total']);
    expect(report.overall.sandboxPaths.map((p) => p.path)).toEqual(['$.error', '$.stock']);
    expect(report.overall.status.sandboxInducedMismatches).toBe(2);
    const text = renderReportText(report);
    expect(text).toContain('status mismatches 2 pairs (2 of them sandbox-induced)');
    expect(text).toContain('Sandbox-induced (POST /orders): the candidate answered differently after the sandbox answered it as live never was');
    expect(text).toMatch(/answered by the sandbox +http POST store:8080\/v2\/orders +blocked 503 +2 +e6/);
    expect(text).toMatch(/read forwarded after live's write +http GET store:8080\/v2\/stock\/:id +forwarded 200 +1 +e8/);
    expect(text).toContain('Differences of sandbox-induced pairs, not counted (overall)');
    expect(text).toMatch(/POST \/orders +10 .* +3\n/);
    expect(report.warnings.some((w) => w.startsWith('3 sandbox-induced pairs'))).toBe(true);
    const { criteria } = parseCriteria(
      'version: 1\nsample: { minPairs: 5 }\nagreement: { min: 0.5, judgeOn: estimate }\nerrorRate: { max: 0.1, judgeOn: estimate }',
    );
    const v = evaluateGate(criteria, m);
    expect(v.verdict).toBe('fail'); // the side-effect difference of e7 is the candidate's
    expect(v.results.filter((r) => r.outcome === 'fail').map((r) => r.criterion)).toEqual(['sideEffects']);
    expect(v.warnings).toEqual([
      "3 sandbox-induced pairs (the candidate answered differently after the sandbox answered a call as live's never was) left out of the error rate, 2 of them out of agreement; listed apart per route with their causes (exclude.sandboxInduced: false counts them)",
    ]);
    expect(report.warnings).toContain(v.warnings[0]);
  });
});
