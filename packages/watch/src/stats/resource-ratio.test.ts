import { describe, expect, it } from 'vitest';
import { bucketSums, resourceRatio } from './resource-ratio.js';

const T0 = Date.now() - 3_600_000;
const M = 60_000;
/** One point in the middle of each minute bucket. */
const perMinute = (values: readonly number[]) => ({ points: values.map((v, i) => ({ t: T0 + i * M + 30_000, v })) });

describe('bucketSums', () => {
  it('averages a target within a bucket and sums targets (replicas)', () => {
    const a = {
      points: [
        { t: T0, v: 1 },
        { t: T0 + 10_000, v: 3 },
        { t: T0 + M, v: 5 },
      ],
    };
    const b = { points: [{ t: T0 + 5_000, v: 10 }] };
    expect([...bucketSums([a, b], T0, M)]).toEqual([
      [0, 12],
      [1, 5],
    ]);
  });
});

describe('resourceRatio', () => {
  it('ratio of means with the paired delta interval on log scale and t(n-1) (hand-computed)', () => {
    // C = [2, 3, 4], B = [1, 2, 2]: C̄ = 3, B̄ = 5/3, R = 1.8.
    // d = C/C̄ - B/B̄ = [0.066667, -0.2, 0.133333]; s² = Σd²/(n-1) = 0.062222/2 = 0.031111;
    // SE = sqrt(s²/3) = 0.101835; t(0.975, 2) = 4.302653; half = 0.438164;
    // CI = 1.8·exp(∓0.438164) = [1.161360, 2.789727].
    const r = resourceRatio([perMinute([2, 3, 4])], [perMinute([1, 2, 2])], { minBuckets: 3 });
    expect(r.ratio).toBeCloseTo(1.8, 12);
    expect(r.means).toEqual({ challenger: 3, baseline: 5 / 3 });
    expect(r.interval?.lower).toBeCloseTo(1.16136, 4);
    expect(r.interval?.upper).toBeCloseTo(2.789727, 4);
    expect(r.n).toBe(3);
    expect(r.outcome).toBe('insufficient');
    expect(r.reason).toMatch(/no bound given/);
  });

  it('judges against maxRatio: pass on the upper bound, fail on the lower bound, else insufficient', () => {
    const c = [perMinute([2, 3, 4])];
    const b = [perMinute([1, 2, 2])];
    expect(resourceRatio(c, b, { minBuckets: 3, maxRatio: 3 })).toMatchObject({ outcome: 'pass' });
    expect(resourceRatio(c, b, { minBuckets: 3, maxRatio: 1.1 })).toMatchObject({ outcome: 'fail' });
    expect(resourceRatio(c, b, { minBuckets: 3, maxRatio: 2 })).toMatchObject({ outcome: 'insufficient', judged: null });
  });

  it('shared load swings do not widen the interval: a constant factor gives a point interval', () => {
    const load = [1, 5, 2, 8, 3, 9];
    const r = resourceRatio([perMinute(load.map((x) => 2 * x))], [perMinute(load)], { maxRatio: 2.5 });
    expect(r.ratio).toBeCloseTo(2, 12);
    expect(r.interval?.upper).toBeCloseTo(2, 12);
    expect(r.outcome).toBe('pass');
  });

  it('only paired buckets count; too few, an idle baseline: insufficient; live as baseline warns', () => {
    const c = perMinute([1, 1, 1, 1, 1, 1]);
    const gap = { points: perMinute([1, 1, 1, 1, 1, 1]).points.filter((_, i) => i % 2 === 0) };
    expect(resourceRatio([c], [gap]).reason).toMatch(/3 paired 60 s buckets \(need 5\)/);
    expect(resourceRatio([c], [perMinute([0, 0, 0, 0, 0])]).reason).toMatch(/the secondary used nothing/);
    const overLive = resourceRatio([c], [c], { baseline: 'live', maxRatio: 2 });
    expect(overLive.warnings[0]).toMatch(/baseline is live/);
    expect(overLive.reason).toMatch(/over the live/);
  });
});
