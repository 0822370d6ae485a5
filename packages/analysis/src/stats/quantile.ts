// Quantiles with the two semantics ClickHouse offers, so a number in a report equals what an
// analyst gets from SQL on the same rows (checked against chDB in test/quantile-clickhouse.test.ts):
//
// - 'exact' = ClickHouse `quantileExact(q)`: the value at 0-based index floor(q * n) of the sorted
//   sample (n - 1 for q = 1). Note this is not the textbook nearest rank (index ceil(q * n) - 1):
//   for [10, 20, 30, 40] the median is 30, not 20.
// - 'linear' = ClickHouse `quantileExactInclusive(q)` = R-7 / Excel PERCENTILE.INC / numpy's
//   default: h = (n - 1) * q, interpolate between the values at floor(h) and floor(h) + 1.

import { AnalysisError } from '../errors.js';
import type { QuantileMethod } from './types.js';

export const QUANTILE_METHODS: readonly QuantileMethod[] = ['exact', 'linear'];

export function checkLevel(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `quantile level must be in [0, 1]; got ${q}`);
}

/** Sorted copy of finite numbers, as a Float64Array (numeric sort). */
export function sortedSample(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (const v of out) {
    if (!Number.isFinite(v)) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `sample values must be finite numbers; got ${v}`);
  }
  return out.sort();
}

/** 0-based indexes (lo, hi) and weight of hi for level q over n sorted values. */
export function quantilePosition(n: number, q: number, method: QuantileMethod): { lo: number; hi: number; weight: number } {
  if (method === 'exact') {
    const index = q < 1 ? Math.min(n - 1, Math.floor(q * n)) : n - 1;
    return { lo: index, hi: index, weight: 0 };
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return { lo, hi, weight: h - lo };
}

/** Quantile of an already sorted sample; null for an empty one. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number, method: QuantileMethod = 'exact'): number | null {
  checkLevel(q);
  const n = sorted.length;
  if (n === 0) return null;
  const { lo, hi, weight } = quantilePosition(n, q, method);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return weight === 0 || a === b ? a : a + (b - a) * weight;
}

/** Quantile of an unsorted sample; null for an empty one. */
export function quantile(values: ArrayLike<number>, q: number, method: QuantileMethod = 'exact'): number | null {
  checkLevel(q);
  return quantileOfSorted(sortedSample(values), q, method);
}

/** Several quantiles of one sample (sorted once). */
export function quantiles(values: ArrayLike<number>, levels: readonly number[], method: QuantileMethod = 'exact'): (number | null)[] {
  for (const q of levels) checkLevel(q);
  const sorted = sortedSample(values);
  return levels.map((q) => quantileOfSorted(sorted, q, method));
}

/** p50, p99, p99.9, max (q = 1): how a level is named in reports and criterion names. */
export function quantileLabel(q: number): string {
  if (q === 1) return 'max';
  if (q === 0) return 'min';
  const percent = Math.round(q * 1e6) / 1e4;
  return `p${percent}`;
}
