import { describe, expect, it } from 'vitest';
import { quantile, quantileLabel, quantiles } from './quantile.js';

// Reference values are what ClickHouse 26.7 (chDB) returns for the same arrays:
//   quantileExact(q)          -> sorted[floor(q * n)]      ('exact')
//   quantileExactInclusive(q) -> R-7 linear interpolation  ('linear')
describe('quantile', () => {
  const four = [40, 10, 30, 20];

  it("'exact' reads index floor(q * n) like ClickHouse quantileExact", () => {
    expect(quantile(four, 0.5)).toBe(30); // index 2, not the textbook nearest-rank 20
    expect(quantile(four, 0.25)).toBe(20); // index 1
    expect(quantile(four, 0.99)).toBe(40); // index floor(3.96) = 3
    expect(quantile(four, 1)).toBe(40);
    expect(quantile(four, 0)).toBe(10);
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(ten, 0.5)).toBe(6);
    expect(quantile(ten, 0.9)).toBe(10);
  });

  it("'linear' interpolates at h = (n - 1) q like quantileExactInclusive", () => {
    expect(quantile(four, 0.5, 'linear')).toBe(25); // h = 1.5 -> 20 + 0.5 * 10
    expect(quantile(four, 0.25, 'linear')).toBe(17.5); // h = 0.75
    expect(quantile(four, 0.99, 'linear')).toBeCloseTo(39.7, 12); // h = 2.97
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 'linear')).toBeCloseTo(9.1, 12); // h = 8.1
  });

  it('is null for an empty sample and rejects bad levels and values', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(() => quantile([1], 1.5)).toThrow(/quantile level/);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/finite/);
  });

  it('sorts numerically, not as strings', () => {
    expect(quantiles([100, 9, 20], [0, 0.5, 1])).toEqual([9, 20, 100]);
  });

  it('names levels as reports do', () => {
    expect([0.5, 0.9, 0.99, 0.999, 1].map(quantileLabel)).toEqual(['p50', 'p90', 'p99', 'p99.9', 'max']);
  });
});
