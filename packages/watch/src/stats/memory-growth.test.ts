import { describe, expect, it } from 'vitest';
import { memoryGrowth, reduceToBucketMedians, theilSen } from './memory-growth.js';

const H = 3_600_000;
const T0 = Date.now() - 10 * H;

describe('theilSen', () => {
  // Values per hour: (0,100) (1,110) (2,125) (3,130) (4,150).
  // Pairwise slopes: 10 12.5 10 12.5 | 15 10 13.33 | 5 12.5 | 20 -> sorted
  // 5 10 10 10 12.5 12.5 12.5 13.33 15 20 (N = 10): median (12.5 + 12.5) / 2 = 12.5.
  const points = [0, 1, 2, 3, 4].map((h, i) => ({ t: T0 + h * H, v: [100, 110, 125, 130, 150][i] as number }));

  it('slope = median of the pairwise slopes (hand-computed)', () => {
    expect((theilSen(points, 0.5)?.slope ?? 0) * H).toBeCloseTo(12.5, 9);
  });

  it("Sen's interval from the ranks (N - C)/2 and (N + C)/2 + 1 (hand-computed)", () => {
    // 50%: z = 0.674490, C = z·sqrt(5·4·15/18) = 0.674490·4.082483 = 2.753593;
    // ranks (10 - C)/2 = 3.623204 -> between 10 and 10 = 10; (10 + C)/2 + 1 = 7.376796 -> 12.5 + 0.376796·(13.3333 - 12.5) = 12.813997
    const fit = theilSen(points, 0.5);
    expect((fit?.lower ?? 0) * H).toBeCloseTo(10, 6);
    expect((fit?.upper ?? 0) * H).toBeCloseTo(12.813997, 5);
    // 95%: C = 1.959964·4.082483 = 8.001514, rank (10 - C)/2 = 0.999 < 1: no interval at 5 points.
    const wide = theilSen(points, 0.95);
    expect(wide?.lower).toBeNull();
    expect(wide?.upper).toBeNull();
  });

  it('one wild point barely moves it (least squares would)', () => {
    const steady = Array.from({ length: 11 }, (_, i) => ({ t: T0 + i * H, v: 1000 + 10 * i }));
    const spiked = steady.map((p, i) => (i === 5 ? { ...p, v: 1_000_000 } : p));
    expect((theilSen(spiked, 0.95)?.slope ?? 0) * H).toBeCloseTo(10, 9);
  });
});

describe('reduceToBucketMedians', () => {
  it('keeps a short series as is and reduces a long one to bucket medians', () => {
    const pts = Array.from({ length: 9 }, (_, i) => ({ t: T0 + i * 1000, v: i === 4 ? 900 : i }));
    expect(reduceToBucketMedians(pts, 9)).toHaveLength(9);
    // 3 buckets of 8000/3 ms: {0,1,2} {3,4,5} {6,7,8}; medians of v: 1, 5 (3, 900, 5), 7
    expect(reduceToBucketMedians(pts, 3)).toEqual([
      { t: T0 + 1000, v: 1 },
      { t: T0 + 4000, v: 5 },
      { t: T0 + 7000, v: 7 },
    ]);
  });
});

describe('memoryGrowth', () => {
  const series = (perHour: number, noise: (i: number) => number, n = 60, stepMs = 60_000) =>
    Array.from({ length: n }, (_, i) => ({ t: T0 + i * stepMs, v: 50e6 + (perHour * i * stepMs) / H + noise(i) }));
  const wobble = (i: number): number => ((i * 7919) % 13) * 1000 - 6000;

  it('fails a process growing 100 MiB/h against a 1 MiB/h bound: the lower bound is above it', () => {
    const r = memoryGrowth(series(100 * 1024 * 1024, wobble), { maxBytesPerHour: 1024 * 1024 });
    expect(r.outcome).toBe('fail');
    expect(r.slopeBytesPerHour).toBeGreaterThan(99 * 1024 * 1024);
    expect(r.interval?.lower).toBeGreaterThan(1024 * 1024);
    expect(r.judged).toBe(r.interval?.lower);
    expect(r.reason).toMatch(/^memory growth 100\.\d\d MiB\/h \(95% CI .* lower bound > 1\.00 MiB\/h$/);
  });

  it('passes a flat process: the upper bound is below the bound', () => {
    const r = memoryGrowth(series(0, wobble), { maxBytesPerHour: 1024 * 1024 });
    expect(r.outcome).toBe('pass');
    expect(Math.abs(r.slopeBytesPerHour ?? 1e12)).toBeLessThan(1024 * 1024);
    expect(r.judged).toBe(r.interval?.upper);
  });

  it('an interval across the bound, too few points or too short a run is insufficient', () => {
    // exactly at the bound: the interval contains it
    expect(memoryGrowth(series(1024 * 1024, wobble), { maxBytesPerHour: 1024 * 1024 }).outcome).toBe('insufficient');
    expect(memoryGrowth(series(0, wobble, 5), { maxBytesPerHour: 1 }).reason).toMatch(/5 points \(need 10\)/);
    expect(memoryGrowth(series(0, wobble, 20, 1000), { maxBytesPerHour: 1 }).reason).toMatch(/19 s of samples \(need 600 s\)/);
    expect(memoryGrowth([], { maxBytesPerHour: 1 }).outcome).toBe('insufficient');
  });

  it('refuses a bound that is not a number and a maxPoints out of range', () => {
    expect(() => memoryGrowth([], { maxBytesPerHour: Number.NaN })).toThrow(/maxBytesPerHour/);
    expect(() => memoryGrowth([], { maxBytesPerHour: 1, maxPoints: 2 })).toThrow(/maxPoints/);
  });
});
