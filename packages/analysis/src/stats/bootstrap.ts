// Percentile-bootstrap confidence intervals for quantiles and for live-vs-candidate comparisons of
// quantiles, so a latency criterion is judged on evidence rather than on one lucky window.
//
// Determinism: all randomness comes from createPrng(seed); same values + options = same interval.
//
// Bounded cost: an input larger than `maxSamples` is first reduced to a uniform random subsample
// of that size (without replacement; for paired data the same pairs on both sides). The point
// estimate is still computed on ALL values; only the interval comes from the subsample, which
// makes it somewhat wider than the full sample's would be (conservative: a gate judged on the
// bound errs towards "fail", never towards a lucky "pass").
//
// Speed: a resample is never materialised. The subsample is sorted once; a resample is a vector
// of multiplicities over the sorted positions (draw m positions, count them), and its k-th order
// statistic is found by walking the cumulative counts. O(m) per resample with typed arrays, so
// the defaults (2000 resamples of at most 10 000 values) cost ~2e7 cheap steps per interval.

import { AnalysisError } from '../errors.js';
import { createPrng, type Prng } from './prng.js';
import { checkLevel, quantileOfSorted, quantilePosition, sortedSample } from './quantile.js';
import type { BootstrapInterval, BootstrapOptions, QuantileMethod } from './types.js';

export const BOOTSTRAP_DEFAULTS = Object.freeze({ confidence: 0.95, resamples: 2000, maxSamples: 10_000, seed: 1, method: 'exact' as QuantileMethod });

interface Resolved {
  confidence: number;
  resamples: number;
  maxSamples: number;
  seed: number;
  method: QuantileMethod;
}

function resolve(options: BootstrapOptions): Resolved {
  const r = { ...BOOTSTRAP_DEFAULTS, ...stripUndefined(options) };
  if (!(r.confidence > 0 && r.confidence < 1))
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `bootstrap confidence must be in (0, 1); got ${r.confidence}`);
  if (!Number.isInteger(r.resamples) || r.resamples < 10)
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `bootstrap resamples must be an integer >= 10; got ${r.resamples}`);
  if (!Number.isInteger(r.maxSamples) || r.maxSamples < 1)
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `bootstrap maxSamples must be a positive integer; got ${r.maxSamples}`);
  if (!Number.isInteger(r.seed)) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `bootstrap seed must be an integer; got ${r.seed}`);
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Indexes of a uniform subsample of size min(n, m), without replacement (partial Fisher-Yates). */
function subsampleIndexes(n: number, m: number, prng: Prng): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) all[i] = i;
  if (n <= m) return all;
  for (let i = 0; i < m; i += 1) {
    const j = i + prng.int(n - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.subarray(0, m);
}

/** The statistic's order statistic(s) of a resample given multiplicities over sorted positions. */
function quantileFromCounts(counts: Uint32Array, sorted: Float64Array, lo: number, hi: number, weight: number): number {
  let cumulative = 0;
  let j = 0;
  for (; j < counts.length; j += 1) {
    cumulative += counts[j] as number;
    if (cumulative > lo) break;
  }
  const a = sorted[j] as number;
  if (weight === 0 || hi === lo) return a;
  // The (lo + 1)-th order statistic is the same position if it still has copies left.
  if (cumulative > hi) return a;
  for (j += 1; j < counts.length; j += 1) {
    if ((counts[j] as number) > 0) break;
  }
  const b = sorted[j] as number;
  return a + (b - a) * weight;
}

function percentileInterval(replicates: Float64Array, confidence: number): { lower: number; upper: number } {
  replicates.sort();
  const alpha = 1 - confidence;
  return {
    lower: quantileOfSorted(replicates, alpha / 2, 'linear') as number,
    upper: quantileOfSorted(replicates, 1 - alpha / 2, 'linear') as number,
  };
}

/** Percentile-bootstrap interval of the q-quantile of `values`. */
export function bootstrapQuantile(values: ArrayLike<number>, q: number, options: BootstrapOptions = {}): BootstrapInterval {
  checkLevel(q);
  const o = resolve(options);
  const all = sortedSample(values);
  const n = all.length;
  const base = { confidence: o.confidence, method: 'bootstrap-percentile' as const, resamples: o.resamples, n, seed: o.seed };
  if (n === 0) return { ...base, estimate: null, lower: null, upper: null, sampleSize: 0, subsampled: false };
  const estimate = quantileOfSorted(all, q, o.method) as number;
  const prng = createPrng(o.seed);
  const picked = subsampleIndexes(n, o.maxSamples, prng);
  const m = picked.length;
  const sorted = m === n ? all : Float64Array.from(picked, (i) => all[i] as number).sort();
  const { lo, hi, weight } = quantilePosition(m, q, o.method);
  const counts = new Uint32Array(m);
  const replicates = new Float64Array(o.resamples);
  for (let r = 0; r < o.resamples; r += 1) {
    counts.fill(0);
    for (let i = 0; i < m; i += 1) {
      const k = prng.int(m);
      counts[k] = (counts[k] as number) + 1;
    }
    replicates[r] = quantileFromCounts(counts, sorted, lo, hi, weight);
  }
  return { ...base, estimate, ...percentileInterval(replicates, o.confidence), sampleSize: m, subsampled: m < n };
}

/** How the candidate's quantile is compared with live's. */
export type QuantileComparison = 'difference' | 'ratio';

export interface QuantileComparisonOptions extends BootstrapOptions {
  /** candidate - live, or candidate / live. @default 'difference' */
  compare?: QuantileComparison;
  /**
   * The two samples are the same exchanges, value i of each side belonging to pair i (then they
   * must have equal length): pairs are resampled together, which keeps their correlation (a slow
   * request is slow on both sides) and gives a narrower, truthful interval.
   * @default false
   */
  paired?: boolean;
}

export interface QuantileComparisonInterval extends BootstrapInterval {
  compare: QuantileComparison;
  paired: boolean;
  live: number | null;
  candidate: number | null;
}

function combine(compare: QuantileComparison, live: number, candidate: number): number {
  if (compare === 'difference') return candidate - live;
  if (live === 0) return candidate === 0 ? 1 : Infinity;
  return candidate / live;
}

/** Sorted values and, for each input position, its position in the sorted order. */
function ranked(values: Float64Array): { sorted: Float64Array; rank: Uint32Array } {
  const order = Uint32Array.from(values.keys()).sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
  const sorted = new Float64Array(values.length);
  const rank = new Uint32Array(values.length);
  for (let r = 0; r < order.length; r += 1) {
    const i = order[r] as number;
    sorted[r] = values[i] as number;
    rank[i] = r;
  }
  return { sorted, rank };
}

/**
 * Percentile-bootstrap interval of Q_q(candidate) - Q_q(live) (or the ratio), the point estimate
 * on all values. Unpaired samples are resampled independently, each subsampled to maxSamples.
 */
export function bootstrapQuantileComparison(
  live: ArrayLike<number>,
  candidate: ArrayLike<number>,
  q: number,
  options: QuantileComparisonOptions = {},
): QuantileComparisonInterval {
  checkLevel(q);
  const o = resolve(options);
  const compare = options.compare ?? 'difference';
  const paired = options.paired ?? false;
  const liveAll = sortedSample(live);
  const candidateAll = sortedSample(candidate);
  if (paired && liveAll.length !== candidateAll.length) {
    throw new AnalysisError(
      'ANALYSIS_INVALID_ARGUMENT',
      `paired latency samples must have equal length; live has ${liveAll.length}, candidate ${candidateAll.length}`,
    );
  }
  const n = Math.min(liveAll.length, candidateAll.length);
  const liveEstimate = quantileOfSorted(liveAll, q, o.method);
  const candidateEstimate = quantileOfSorted(candidateAll, q, o.method);
  const base = {
    confidence: o.confidence,
    method: 'bootstrap-percentile' as const,
    resamples: o.resamples,
    n,
    seed: o.seed,
    compare,
    paired,
    live: liveEstimate,
    candidate: candidateEstimate,
  };
  if (liveEstimate === null || candidateEstimate === null) {
    return { ...base, estimate: null, lower: null, upper: null, sampleSize: 0, subsampled: false };
  }
  const estimate = combine(compare, liveEstimate, candidateEstimate);
  const prng = createPrng(o.seed);
  const replicates = new Float64Array(o.resamples);
  let sampleSize: number;
  let subsampled: boolean;
  if (paired) {
    const liveIn = Float64Array.from(live as ArrayLike<number>);
    const candidateIn = Float64Array.from(candidate as ArrayLike<number>);
    const picked = subsampleIndexes(n, o.maxSamples, prng);
    const m = picked.length;
    const l = ranked(Float64Array.from(picked, (i) => liveIn[i] as number));
    const c = ranked(Float64Array.from(picked, (i) => candidateIn[i] as number));
    const pos = quantilePosition(m, q, o.method);
    const liveCounts = new Uint32Array(m);
    const candidateCounts = new Uint32Array(m);
    for (let r = 0; r < o.resamples; r += 1) {
      liveCounts.fill(0);
      candidateCounts.fill(0);
      for (let i = 0; i < m; i += 1) {
        const k = prng.int(m);
        const lr = l.rank[k] as number;
        const cr = c.rank[k] as number;
        liveCounts[lr] = (liveCounts[lr] as number) + 1;
        candidateCounts[cr] = (candidateCounts[cr] as number) + 1;
      }
      replicates[r] = combine(
        compare,
        quantileFromCounts(liveCounts, l.sorted, pos.lo, pos.hi, pos.weight),
        quantileFromCounts(candidateCounts, c.sorted, pos.lo, pos.hi, pos.weight),
      );
    }
    sampleSize = m;
    subsampled = m < n;
  } else {
    const side = (all: Float64Array) => {
      const picked = subsampleIndexes(all.length, o.maxSamples, prng);
      const sorted = picked.length === all.length ? all : Float64Array.from(picked, (i) => all[i] as number).sort();
      return { sorted, counts: new Uint32Array(sorted.length), pos: quantilePosition(sorted.length, q, o.method) };
    };
    const l = side(liveAll);
    const c = side(candidateAll);
    const draw = (s: ReturnType<typeof side>): number => {
      const m = s.sorted.length;
      s.counts.fill(0);
      for (let i = 0; i < m; i += 1) {
        const k = prng.int(m);
        s.counts[k] = (s.counts[k] as number) + 1;
      }
      return quantileFromCounts(s.counts, s.sorted, s.pos.lo, s.pos.hi, s.pos.weight);
    };
    for (let r = 0; r < o.resamples; r += 1) {
      const lv = draw(l);
      replicates[r] = combine(compare, lv, draw(c));
    }
    sampleSize = Math.min(l.sorted.length, c.sorted.length);
    subsampled = l.sorted.length < liveAll.length || c.sorted.length < candidateAll.length;
  }
  return { ...base, estimate, ...percentileInterval(replicates, o.confidence), sampleSize, subsampled };
}
