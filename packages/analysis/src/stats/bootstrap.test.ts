import { describe, expect, it } from 'vitest';
import { bootstrapQuantile, bootstrapQuantileComparison } from './bootstrap.js';
import { createPrng } from './prng.js';
import { quantileOfSorted } from './quantile.js';
import type { QuantileMethod } from './types.js';

const range = (n: number, f: (i: number) => number = (i) => i + 1) => Array.from({ length: n }, (_, i) => f(i));

/** The textbook bootstrap: materialise each resample, sort it, read the quantile. */
function naiveBootstrap(values: number[], q: number, resamples: number, seed: number, method: QuantileMethod): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const prng = createPrng(seed);
  const out = new Float64Array(resamples);
  for (let r = 0; r < resamples; r += 1) {
    const resample = Float64Array.from({ length: sorted.length }, () => sorted[prng.int(sorted.length)] as number).sort();
    out[r] = quantileOfSorted(resample, q, method) as number;
  }
  return out.sort();
}

describe('bootstrapQuantile', () => {
  it.each(['exact', 'linear'] as const)('equals the naive bootstrap drawn from the same PRNG stream (%s)', (method) => {
    const values = range(257, (i) => (i * 7919) % 1000);
    const got = bootstrapQuantile(values, 0.9, { resamples: 200, seed: 42, method, confidence: 0.9 });
    const naive = naiveBootstrap(values, 0.9, 200, 42, method);
    expect(got.lower).toBe(quantileOfSorted(naive, 0.05, 'linear'));
    expect(got.upper).toBe(quantileOfSorted(naive, 0.95, 'linear'));
  });

  it('brackets the median of 1..1000 by about two standard errors of the rank', () => {
    // The median's rank has sd sqrt(n p (1 - p)) = 15.8 ranks: a 95 % interval spans ~ +-31 values.
    const b = bootstrapQuantile(range(1000), 0.5);
    expect(b.estimate).toBe(501);
    expect(b.lower).toBeGreaterThanOrEqual(460);
    expect(b.lower).toBeLessThan(501);
    expect(b.upper).toBeGreaterThan(501);
    expect(b.upper).toBeLessThanOrEqual(542);
    expect(b).toMatchObject({ n: 1000, sampleSize: 1000, subsampled: false, resamples: 2000, seed: 1, confidence: 0.95 });
  });

  it('is deterministic for a seed and changes with it', () => {
    const values = range(5000, (i) => Math.sqrt(i) * 3);
    const a = bootstrapQuantile(values, 0.99, { seed: 7 });
    expect(bootstrapQuantile(values, 0.99, { seed: 7 })).toEqual(a);
    const other = bootstrapQuantile(values, 0.99, { seed: 8 });
    expect([other.lower, other.upper]).not.toEqual([a.lower, a.upper]);
  });

  it('subsamples a large input but keeps the estimate on all values', () => {
    const b = bootstrapQuantile(range(50_000), 0.99, { maxSamples: 1000, resamples: 200 });
    expect(b.estimate).toBe(49_501);
    expect(b).toMatchObject({ n: 50_000, sampleSize: 1000, subsampled: true });
    expect(b.lower).toBeLessThan(b.upper as number);
  });

  it('has no interval without values, and a point for a constant sample', () => {
    expect(bootstrapQuantile([], 0.5)).toMatchObject({ estimate: null, lower: null, upper: null, n: 0 });
    expect(bootstrapQuantile([7, 7, 7, 7], 0.99)).toMatchObject({ estimate: 7, lower: 7, upper: 7 });
  });
});

describe('bootstrapQuantileComparison', () => {
  const live = range(2000, (i) => 20 + ((i * 7919) % 997) / 10);

  it('paired: a constant shift of 5 ms gives exactly [5, 5]; unpaired is wider', () => {
    const candidate = live.map((v) => v + 5);
    const paired = bootstrapQuantileComparison(live, candidate, 0.99, { paired: true });
    expect(paired).toMatchObject({ estimate: 5, paired: true, compare: 'difference' });
    expect(paired.lower).toBeCloseTo(5, 9);
    expect(paired.upper).toBeCloseTo(5, 9);
    const unpaired = bootstrapQuantileComparison(live, candidate, 0.99);
    expect(unpaired.estimate).toBeCloseTo(5, 9);
    expect((unpaired.upper as number) - (unpaired.lower as number)).toBeGreaterThan(0.5);
  });

  it('ratio: a candidate twice as slow on every request gives exactly 2', () => {
    const r = bootstrapQuantileComparison(
      live,
      live.map((v) => v * 2),
      0.5,
      { paired: true, compare: 'ratio' },
    );
    expect(r.estimate).toBeCloseTo(2, 12);
    expect(r.lower).toBeCloseTo(2, 12);
    expect(r.upper).toBeCloseTo(2, 12);
    expect(r.live).toBe(quantileOfSorted(Float64Array.from(live).sort(), 0.5));
  });

  it('brackets a real difference and is deterministic', () => {
    const candidate = range(2000, (i) => 25 + ((i * 104729) % 991) / 8);
    const a = bootstrapQuantileComparison(live, candidate, 0.9, { seed: 3 });
    expect(a.lower as number).toBeLessThanOrEqual(a.estimate as number);
    expect(a.upper as number).toBeGreaterThanOrEqual(a.estimate as number);
    expect(bootstrapQuantileComparison(live, candidate, 0.9, { seed: 3 })).toEqual(a);
  });

  it('rejects paired samples of different lengths', () => {
    expect(() => bootstrapQuantileComparison([1, 2], [1], 0.5, { paired: true })).toThrow(/equal length/);
  });

  it('has no interval when a side is empty', () => {
    expect(bootstrapQuantileComparison([], [1, 2], 0.5)).toMatchObject({ estimate: null, lower: null, upper: null });
  });
});

describe('bootstrap coverage', () => {
  it('the 95 % interval of p90 covers the true p90 in about 95 % of samples', () => {
    // 200 samples of 400 values from Uniform(0, 100), whose p90 is 90. Seeds are fixed, so the
    // count is deterministic; the bounds only say "close to nominal", not a tuned number.
    const draw = createPrng(99);
    let covered = 0;
    for (let t = 0; t < 200; t += 1) {
      const values = Array.from({ length: 400 }, () => draw.next() * 100);
      const b = bootstrapQuantile(values, 0.9, { resamples: 500, seed: t });
      if ((b.lower as number) <= 90 && 90 <= (b.upper as number)) covered += 1;
    }
    expect(covered / 200).toBeGreaterThan(0.88);
    expect(covered / 200).toBeLessThan(0.99);
  });
});
