import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram.js';

const INF = Number.POSITIVE_INFINITY;

describe('histogramQuantile', () => {
  // 10 observations: 2 <= 0.1, 5 more in (0.1, 0.5], 2 more in (0.5, 1], 1 above 1.
  const buckets = [
    { le: 0.1, count: 2 },
    { le: 0.5, count: 7 },
    { le: 1, count: 9 },
    { le: INF, count: 10 },
  ];

  it('interpolates inside the bucket the rank falls in (hand-computed)', () => {
    // p50: rank 5, bucket (0.1, 0.5] holds ranks 2..7: 0.1 + 0.4 * (5 - 2) / 5 = 0.34
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.34, 12);
    // p10: rank 1 in the first bucket, lower bound 0: 0.1 * 1 / 2 = 0.05
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.05, 12);
    // p85: rank 8.5 in (0.5, 1]: 0.5 + 0.5 * (8.5 - 7) / 2 = 0.875
    expect(histogramQuantile(0.85, buckets)).toBeCloseTo(0.875, 12);
  });

  it('a rank in the +Inf bucket answers the highest finite bound, as Prometheus does', () => {
    expect(histogramQuantile(0.99, buckets)).toBe(1);
  });

  it('order of the buckets does not matter', () => {
    expect(histogramQuantile(0.5, [...buckets].reverse())).toBeCloseTo(0.34, 12);
  });

  it('no observations, no +Inf bucket, or decreasing counts: null', () => {
    expect(
      histogramQuantile(0.5, [
        { le: 1, count: 0 },
        { le: INF, count: 0 },
      ]),
    ).toBeNull();
    expect(
      histogramQuantile(0.5, [
        { le: 1, count: 3 },
        { le: 2, count: 4 },
      ]),
    ).toBeNull();
    expect(
      histogramQuantile(0.5, [
        { le: 1, count: 5 },
        { le: INF, count: 4 },
      ]),
    ).toBeNull();
    expect(histogramQuantile(1.5, buckets)).toBeNull();
  });
});
