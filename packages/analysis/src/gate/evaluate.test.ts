import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { AnalysisError } from '../errors.js';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import type { Measurements } from '../measurements/types.js';
import { evaluateGate } from './evaluate.js';
import { exitCodeFor, GATE_EXIT_CODES } from './exit-codes.js';
import type { CriterionResult, GateVerdict } from './types.js';

// Hand-computed values for the fixture (z = 1.959964):
//   agreement overall 962/1000: Wilson [0.948273, 0.972191]
//   agreement GET /users/:id 560/600: Wilson [0.910491, 0.950662]
//   candidate errors 2/1000: Wilson [0.000549, 0.007263]
//   approved flips 10/1000: Wilson [0.005441, 0.018309]
//   accuracy 92 vs 83 of 100 (both 80): Newcombe paired [0.015345, 0.170279]
//   latency: candidate = 1.1 x live on every pair -> paired ratio interval exactly [1.1, 1.1];
//            exact candidate p99 = 110 ms, live p99 = 100 ms.

const PASSING = `
version: 1
name: pricing promotion
sample: { minPairs: 500, minDuration: 24h }
exclude: { routes: ["GET /health"] }
agreement: { min: 0.94 }
latency:
  - { quantile: 0.99, maxMs: 200, maxFactorOfLive: 1.2 }
errorRate: { max: 0.01 }
sideEffects:
  expected:
    - { direction: candidate-only, method: post, target: "payments:*", path: "/v1/**", reason: new charge API }
    - { direction: live-only, target: "audit:80", path: /log }
business:
  price: { meanRelativeDiff: { max: 0.01 }, quantiles: [{ quantile: 0.5, maxRelativeDiff: 0.02 }] }
  approved: { flipRate: { max: 0.02 } }
  recs: { jaccard: { min: 0.8 }, topKOverlap: { min: 0.85 } }
accuracy: { label: fraud, outcome: $.fraud, minDelta: 0.01, minLabelled: 100 }
routes:
  "GET /users/:id": { agreement: { min: 0.9 } }
`;

function gate(yaml: string, m: Measurements = fixtureMeasurements()): GateVerdict {
  const loaded = parseCriteria(yaml, 'criteria.yaml');
  return evaluateGate(loaded.criteria, m, { criteriaSha256: loaded.sha256, criteriaSource: loaded.source });
}

function find(v: GateVerdict, scope: string, criterion: string): CriterionResult {
  const r = v.results.find((x) => x.scope === scope && x.criterion === criterion);
  if (r === undefined) throw new Error(`no result ${scope} ${criterion} in ${v.results.map((x) => `${x.scope}:${x.criterion}`).join(', ')}`);
  return r;
}

const withCriterion = (extra: string) => PASSING.replace('routes:\n', `${extra}\nroutes:\n`);

describe('evaluateGate: pass', () => {
  const v = gate(PASSING);

  it('passes with exit code 0 and records the criteria file', () => {
    expect(v.results.filter((r) => r.outcome !== 'pass').map((r) => `${r.scope} ${r.criterion}: ${r.reason}`)).toEqual([]);
    expect(v).toMatchObject({ verdict: 'pass', exitCode: 0, challengerId: 'pricing-v2', reasons: [] });
    expect(v.criteria).toMatchObject({ name: 'pricing promotion', source: 'criteria.yaml', confidence: 0.95 });
    expect(v.criteria.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('judges agreement on the lower Wilson bound', () => {
    const a = find(v, 'overall', 'agreement');
    expect(a.measured).toBe(0.962);
    expect(a.interval?.lower).toBeCloseTo(0.948273, 6);
    expect(a.interval?.upper).toBeCloseTo(0.972191, 6);
    expect(a.judged).toBe(a.interval?.lower);
    expect(a.limit).toEqual({ op: '>=', value: 0.94 });
    expect(a.reason).toBe('agreement 96.20% (95% CI 94.83% .. 97.22%, n=1,000): lower bound 94.83% >= 94.00%');
  });

  it('judges a named route by its entry (0.9 on GET /users/:id) and leaves unnamed routes alone', () => {
    const r = find(v, 'GET /users/:id', 'agreement');
    expect(r.outcome).toBe('pass');
    expect(r.judged).toBeCloseTo(0.910491, 6);
    expect(r.limit.value).toBe(0.9);
    expect(v.results.filter((x) => x.scope === 'GET /users/:id').map((x) => x.criterion)).toEqual(['sample.minPairs', 'agreement']);
    expect(v.results.some((x) => x.scope === 'POST /orders')).toBe(false);
    expect(v.results.some((x) => x.scope === 'GET /health')).toBe(false);
  });

  it('judges p99 on the bootstrap upper bound: absolute and relative to live', () => {
    const l = find(v, 'overall', 'latency.p99');
    expect(l.parts).toHaveLength(2);
    const [abs, rel] = l.parts as [CriterionResult, CriterionResult];
    expect(abs.measured).toBe(110);
    expect(abs.interval?.upper).toBeGreaterThanOrEqual(110);
    expect(abs.interval?.upper).toBeLessThan(112);
    expect(rel.measured).toBeCloseTo(1.1, 12);
    expect(rel.interval?.lower).toBeCloseTo(1.1, 9);
    expect(rel.interval?.upper).toBeCloseTo(1.1, 9);
  });

  it('judges error rate, business metrics and accuracy', () => {
    expect(find(v, 'overall', 'errorRate.max').judged).toBeCloseTo(0.007263, 6);
    expect(find(v, 'overall', 'business.price.meanRelativeDiff').measured).toBeCloseTo(0.005, 12);
    expect(find(v, 'overall', 'business.price.p50RelativeDiff').measured).toBeCloseTo(0.0125, 12);
    expect(find(v, 'overall', 'business.approved.flipRate').judged).toBeCloseTo(0.018309, 6);
    expect(find(v, 'overall', 'business.recs.jaccard').measured).toBe(0.85);
    expect(find(v, 'overall', 'business.recs.topKOverlap').measured).toBe(0.9);
    const acc = find(v, 'overall', 'accuracy.minDelta');
    expect(acc.measured).toBeCloseTo(0.09, 12);
    expect(acc.judged).toBeCloseTo(0.015345, 6);
    expect(acc.reason).toContain('+1.53 pp >= +1.00 pp');
  });

  it('ignores expected side effects', () => {
    expect(find(v, 'overall', 'sideEffects')).toMatchObject({
      outcome: 'pass',
      measured: 0,
      reason: 'no pairs with an unexpected side-effect difference (2 expected kinds ignored)',
    });
  });

  it('is deterministic', () => {
    expect(gate(PASSING)).toEqual(v);
  });
});

describe('evaluateGate: fail', () => {
  it('fails (exit 1) when the lower bound misses the minimum although the estimate meets it', () => {
    const v = gate(PASSING.replace('agreement: { min: 0.94 }', 'agreement: { min: 0.95 }'));
    expect(v.verdict).toBe('fail');
    expect(v.exitCode).toBe(1);
    expect(v.reasons).toEqual(['overall agreement: agreement 96.20% (95% CI 94.83% .. 97.22%, n=1,000): lower bound 94.83% < 95.00%']);
    // The same threshold on the point estimate passes.
    expect(gate(PASSING.replace('agreement: { min: 0.94 }', 'agreement: { min: 0.95, judgeOn: estimate }')).verdict).toBe('pass');
  });

  it('everyRoute: a route without an override fails on the inherited top-level agreement', () => {
    const v = gate(
      PASSING.replace('version: 1', 'version: 1\neveryRoute: true').replace(
        '"GET /users/:id": { agreement: { min: 0.9 } }',
        '"GET /users/:id": { errorRate: null }',
      ),
    );
    expect(find(v, 'GET /users/:id', 'agreement')).toMatchObject({ outcome: 'fail', limit: { op: '>=', value: 0.94 } });
    // The override switched the inherited error-rate criterion off; POST /orders keeps it.
    expect(v.results.some((x) => x.scope === 'GET /users/:id' && x.criterion === 'errorRate.max')).toBe(false);
    expect(find(v, 'POST /orders', 'agreement').outcome).toBe('pass');
    // 0 errors in 380 pairs cannot show <= 1 %: the upper bound is z^2 / (n + z^2) = 0.010008.
    expect(find(v, 'POST /orders', 'errorRate.max')).toMatchObject({ outcome: 'fail', measured: 0 });
    expect(find(v, 'POST /orders', 'errorRate.max').judged).toBeCloseTo(0.010008, 6);
    // Inherited business metrics and accuracy are skipped where the route does not measure them.
    expect(v.results.some((x) => x.scope === 'POST /orders' && x.criterion.startsWith('business.'))).toBe(false);
    expect(v.verdict).toBe('fail');
  });

  it('a business metric a route entry sets explicitly must be measured there', () => {
    const v = gate(
      PASSING.replace('"GET /users/:id": { agreement: { min: 0.9 } }', '"GET /users/:id": { business: { price: { meanRelativeDiff: { max: 0.01 } } } }'),
    );
    expect(find(v, 'GET /users/:id', 'business.price.meanRelativeDiff')).toMatchObject({
      outcome: 'insufficient',
      blocking: true,
      reason: 'business metric "price" was not measured in this scope',
    });
    expect(v.verdict).toBe('insufficient');
  });

  it('fails on an unexpected side effect and names it, whatever the sample size', () => {
    const yaml = PASSING.replace(
      /sideEffects:\n {2}expected:\n.*\n.*\n/,
      'sideEffects:\n  expected:\n    - { direction: live-only, target: "audit:80", path: /log }\n',
    );
    const m = fixtureMeasurements();
    m.overall.pairs = 10; // far below minPairs: statistics are not judged, side effects still are
    const v = gate(yaml, m);
    expect(v.verdict).toBe('fail');
    expect(find(v, 'overall', 'sideEffects').reason).toBe(
      '3 pairs with an unexpected side-effect difference > 0: POST payments:443/v1/charges (candidate-only, 3 pairs, e.g. ex-charge-1)',
    );
    expect(find(v, 'overall', 'agreement').outcome).toBe('insufficient');
  });

  it('a write with a changed payload is not covered by an expected candidate-only write', () => {
    const m = fixtureMeasurements();
    m.overall.sideEffects.push({
      direction: 'payload-changed',
      method: 'POST',
      target: 'payments:443',
      path: '/v1/charges/:id',
      pairs: 2,
      examplePairId: 'ex-amount-1',
    });
    const v = gate(PASSING, m);
    expect(find(v, 'overall', 'sideEffects').reason).toBe(
      '2 pairs with an unexpected side-effect difference > 0: POST payments:443/v1/charges/:id (payload-changed, 2 pairs, e.g. ex-amount-1)',
    );
    expect(v.verdict).toBe('fail');
    const allowed = gate(PASSING.replace('direction: candidate-only, method: post', 'direction: either, method: post'), m);
    expect(find(allowed, 'overall', 'sideEffects').outcome).toBe('pass');
  });

  it('fails p99 relative to live at 1.05x; combine "any" with an absolute limit passes', () => {
    const strict = gate(PASSING.replace('maxFactorOfLive: 1.2', 'maxFactorOfLive: 1.05'));
    expect(strict.verdict).toBe('fail');
    expect(find(strict, 'overall', 'latency.p99').reason).toContain('upper bound 1.100x > 1.050x');
    const any = gate(PASSING.replace('maxFactorOfLive: 1.2', 'maxFactorOfLive: 1.05, combine: any'));
    expect(find(any, 'overall', 'latency.p99').outcome).toBe('pass');
    expect(any.verdict).toBe('pass');
  });

  it('fails accuracy "5 points better than live" on the Newcombe lower bound, passes it on the estimate', () => {
    expect(find(gate(PASSING.replace('minDelta: 0.01', 'minDelta: 0.05')), 'overall', 'accuracy.minDelta').outcome).toBe('fail');
    expect(find(gate(PASSING.replace('minDelta: 0.01', 'minDelta: 0.05, judgeOn: estimate')), 'overall', 'accuracy.minDelta').outcome).toBe('pass');
  });

  it('fails a business metric out of tolerance', () => {
    const v = gate(PASSING.replace('meanRelativeDiff: { max: 0.01 }', 'meanRelativeDiff: { max: 0.004 }'));
    expect(find(v, 'overall', 'business.price.meanRelativeDiff')).toMatchObject({ outcome: 'fail', judgedOn: 'estimate' });
    expect(v.verdict).toBe('fail');
  });

  it('bounds the error-rate increase over live with the paired interval', () => {
    const v = gate(PASSING.replace('errorRate: { max: 0.01 }', 'errorRate: { maxIncreaseOverLive: 0.005 }'));
    const r = find(v, 'overall', 'errorRate.maxIncreaseOverLive');
    expect(r.measured).toBeCloseTo(0.001, 12);
    expect(r.judged).toBeCloseTo(0.005717, 4); // Newcombe paired upper bound for 2 vs 1 of 1000 (both 1)
    expect(r.outcome).toBe('fail');
  });
});

describe('evaluateGate: insufficient', () => {
  it('is insufficient (exit 2) below the minimum duration, naming it', () => {
    const v = gate(PASSING.replace('minDuration: 24h', 'minDuration: 72h'));
    expect(v).toMatchObject({ verdict: 'insufficient', exitCode: 2 });
    expect(find(v, 'overall', 'sample.minDuration').reason).toBe('observed span 2d < 3d: not enough data yet');
    expect(find(v, 'overall', 'agreement')).toMatchObject({ outcome: 'insufficient', measured: 0.962, judged: null });
    expect(find(v, 'overall', 'agreement').reason).toContain('not judged: not enough data in this scope (observed 2d < 3d)');
  });

  it('is insufficient below the minimum number of pairs', () => {
    const v = gate(PASSING.replace('minPairs: 500', 'minPairs: 5000'));
    expect(v.verdict).toBe('insufficient');
    expect(v.reasons[0]).toBe('overall sample.minPairs: pairs 1,000 < 5,000: not enough data yet');
  });

  it('is insufficient with too few labelled pairs for the accuracy criterion', () => {
    const v = gate(PASSING.replace('minLabelled: 100', 'minLabelled: 200'));
    expect(find(v, 'overall', 'accuracy.minDelta')).toMatchObject({ outcome: 'insufficient', blocking: true });
    expect(v.verdict).toBe('insufficient');
  });

  it('is insufficient for a required route the window never saw; not for an optional one', () => {
    const missing = gate(withCriterion('').replace('routes:\n', 'routes:\n  "DELETE /users/:id": { agreement: { min: 0.9 } }\n'));
    expect(missing.verdict).toBe('insufficient');
    expect(find(missing, 'DELETE /users/:id', 'sample.minPairs').reason).toBe(
      'no pairs for route DELETE /users/:id in this window (criteria name it; need 30)',
    );
    const optional = gate(PASSING.replace('routes:\n', 'routes:\n  "DELETE /users/:id": { required: false }\n'));
    expect(optional.verdict).toBe('pass');
    expect(optional.summary.nonBlocking).toBe(1);
  });

  it('everyRoute: a thin route is reported but does not block', () => {
    const v = gate(PASSING.replace('version: 1', 'version: 1\neveryRoute: true').replace('minDuration: 24h', 'minDuration: 24h, routeMinPairs: 500'));
    const orders = find(v, 'POST /orders', 'agreement');
    expect(orders).toMatchObject({ outcome: 'insufficient', blocking: false });
    expect(orders.reason).toContain('380 pairs < 500 on this route');
    expect(v.verdict).toBe('pass');
  });

  it('a bound needs latency samples; without them the latency criterion is insufficient', () => {
    const m = fixtureMeasurements();
    delete m.overall.latency.samples;
    const v = gate(PASSING, m);
    expect(find(v, 'overall', 'latency.p99').outcome).toBe('insufficient');
    expect(v.verdict).toBe('insufficient');
    // ... while judging on the estimate works from the exact quantiles alone.
    const e = gate(PASSING.replace('maxFactorOfLive: 1.2 }', 'maxFactorOfLive: 1.2, judgeOn: estimate }'), m);
    expect(find(e, 'overall', 'latency.p99')).toMatchObject({ outcome: 'pass', measured: 110 });
  });
});

describe('evaluateGate: invalid input', () => {
  it('rejects an invalid criteria file naming the field (exit code 2)', () => {
    let error: unknown;
    try {
      gate(PASSING.replace('"GET /users/:id": { agreement: { min: 0.9 } }', '"/users/:id": { agreement: { min: "high" } }'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AnalysisError);
    expect((error as AnalysisError).code).toBe('ANALYSIS_INVALID_CRITERIA');
    expect((error as AnalysisError).fields).toEqual(['criteria.routes["/users/:id"].agreement.min']);
    expect((error as AnalysisError).message).toContain('criteria.routes["/users/:id"].agreement.min: expected number, received string');
    expect(GATE_EXIT_CODES.invalid).toBe(2);
  });

  it('rejects impossible measurements naming the scope', () => {
    const m = fixtureMeasurements();
    (m.routes[1] as { agreement: { successes: number } }).agreement.successes = 999;
    expect(() => gate(PASSING, m)).toThrow(/measurements\.routes\[1\]\.agreement: successes \(999\) exceed trials \(380\)/);
  });

  it('maps outcomes to exit codes', () => {
    expect(['pass', 'fail', 'insufficient'].map((o) => exitCodeFor(o as 'pass'))).toEqual([0, 1, 2]);
  });
});

describe('evaluateGate: sideEffects.maxUnexpected counts pairs, not differences', () => {
  const moved = (m: Measurements): Measurements => {
    // One pair whose write went to another path: live-only /v1/entries + candidate-only /v2/entries.
    const live = { direction: 'live-only' as const, method: 'POST', target: 'ledger:80', path: '/v1/entries' };
    const candidate = { direction: 'candidate-only' as const, method: 'POST', target: 'ledger:80', path: '/v2/entries' };
    m.overall.sideEffects = [
      { ...live, pairs: 1, examplePairId: 'ex-moved' },
      { ...candidate, pairs: 1, examplePairId: 'ex-moved' },
    ];
    m.overall.sideEffectPairs = { pairs: 1, sets: [{ differences: [live, candidate], pairs: 1 }] };
    return m;
  };
  const criteria = (max: number, expected = '') =>
    PASSING.replace(/sideEffects:\n {2}expected:\n.*\n.*\n/, `sideEffects:\n  maxUnexpected: ${max}\n  expected: [${expected}]\n`);

  it('a pair with a missing and an extra write counts 1: maxUnexpected 1 passes, 0 fails with 1', () => {
    const one = find(gate(criteria(1), moved(fixtureMeasurements())), 'overall', 'sideEffects');
    expect(one).toMatchObject({ outcome: 'pass', measured: 1 });
    expect(one.reason).toBe(
      '1 pair with an unexpected side-effect difference <= 1: POST ledger:80/v1/entries (live-only, 1 pairs, e.g. ex-moved); POST ledger:80/v2/entries (candidate-only, 1 pairs, e.g. ex-moved)',
    );
    const zero = gate(criteria(0), moved(fixtureMeasurements()));
    expect(find(zero, 'overall', 'sideEffects')).toMatchObject({ outcome: 'fail', measured: 1 });
    expect(zero.verdict).toBe('fail');
  });

  it('a pair counts when any of its differences is unexpected, not when all are expected', () => {
    const halfExpected = find(
      gate(criteria(0, '{ direction: live-only, target: "ledger:80", path: /v1/entries }'), moved(fixtureMeasurements())),
      'overall',
      'sideEffects',
    );
    expect(halfExpected).toMatchObject({ outcome: 'fail', measured: 1 });
    const allExpected = find(
      gate(criteria(0, '{ direction: either, target: "ledger:*", path: "/**" }'), moved(fixtureMeasurements())),
      'overall',
      'sideEffects',
    );
    expect(allExpected).toMatchObject({ outcome: 'pass', measured: 0 });
  });

  it('pairs of sets a store left out count as unexpected; without sets the kinds are summed (both err towards fail)', () => {
    const truncated = moved(fixtureMeasurements());
    truncated.overall.sideEffectPairs = { pairs: 4, sets: [{ differences: [], pairs: 0 }, ...(truncated.overall.sideEffectPairs?.sets ?? [])] };
    expect(find(gate(criteria(0, '{ direction: either, target: "ledger:*", path: "/**" }'), truncated), 'overall', 'sideEffects')).toMatchObject({
      outcome: 'fail',
      measured: 3,
    });
    const noSets = moved(fixtureMeasurements());
    noSets.overall.sideEffectPairs = undefined;
    expect(find(gate(criteria(1), noSets), 'overall', 'sideEffects')).toMatchObject({ outcome: 'fail', measured: 2 });
  });
});
