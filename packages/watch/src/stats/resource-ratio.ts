// How much more of a resource the challenger uses than its baseline (CPU seconds per second, RSS),
// as a ratio of means with an interval.
//
// Both sides are scraped on the same schedule, so the series are cut into the same time buckets and
// compared bucket by bucket: a bucket is one observation of (challenger, baseline), the bucket mean
// of each side summed over its replicas. Pairing the buckets keeps the shared load swings (a burst of
// traffic reaches both sides) out of the interval. Ratio of means R = mean(C)/mean(B); the interval
// is on log R by the delta method over the paired buckets, var(log R) ≈ var(C_b/C̄ - B_b/B̄)/n,
// with Student's t at n - 1 degrees of freedom (a run of a few minutes has few buckets).
//
// The baseline is the secondary (live's own version receiving the same replayed traffic as the
// challenger) when there is one. Against live the ratio also measures how much of live's traffic
// reaches the challenger (sampling, a ramp below 100%): the result carries a warning then.
import { WatchError } from '../errors.js';
import { tForConfidence } from './student-t.js';
import type { Interval, Outcome, SeriesPoint } from './types.js';

export type Baseline = 'secondary' | 'live';

export interface RatioOptions {
  /** Width of the paired time buckets. @default 60000 */
  bucketMs?: number | undefined;
  /** @default 0.95 */
  confidence?: number | undefined;
  /** Fewer paired buckets than this: insufficient. @default 5 */
  minBuckets?: number | undefined;
  /** The bound; absent: the ratio is measured, not judged (outcome insufficient with reason "no bound"). */
  maxRatio?: number | undefined;
  /** What the baseline series are, for the reason and the warning. @default 'secondary' */
  baseline?: Baseline | undefined;
  /** Name in results (`cpuRatio`, `rssRatio`). @default 'cpuRatio' */
  criterion?: string | undefined;
}

export interface RatioResult {
  readonly criterion: string;
  readonly outcome: Outcome;
  readonly baseline: Baseline;
  /** mean(challenger) / mean(baseline); null without paired buckets or with an idle baseline. */
  readonly ratio: number | null;
  readonly interval: Interval | null;
  readonly judged: number | null;
  readonly limit: { readonly op: '<='; readonly value: number } | null;
  /** Paired buckets. */
  readonly n: number;
  readonly means: { readonly challenger: number; readonly baseline: number } | null;
  readonly reason: string;
  readonly warnings: readonly string[];
}

/** Bucket index -> the side's value: per target the mean of its points in the bucket, summed over targets. */
export function bucketSums(series: readonly { readonly points: readonly SeriesPoint[] }[], originMs: number, bucketMs: number): Map<number, number> {
  const sums = new Map<number, number>();
  for (const s of series) {
    const perBucket = new Map<number, { sum: number; n: number }>();
    for (const p of s.points) {
      if (!Number.isFinite(p.v)) continue;
      const b = Math.floor((p.t - originMs) / bucketMs);
      const e = perBucket.get(b) ?? { sum: 0, n: 0 };
      e.sum += p.v;
      e.n += 1;
      perBucket.set(b, e);
    }
    for (const [b, e] of perBucket) sums.set(b, (sums.get(b) ?? 0) + e.sum / e.n);
  }
  return sums;
}

/** Paired-bucket ratio of means of `challenger` over `baseline` with its interval, judged against maxRatio when given. */
export function resourceRatio(
  challenger: readonly { readonly points: readonly SeriesPoint[] }[],
  baseline: readonly { readonly points: readonly SeriesPoint[] }[],
  options: RatioOptions = {},
): RatioResult {
  const bucketMs = options.bucketMs ?? 60_000;
  const confidence = options.confidence ?? 0.95;
  const minBuckets = Math.max(2, options.minBuckets ?? 5);
  const baselineKind = options.baseline ?? 'secondary';
  const criterion = options.criterion ?? 'cpuRatio';
  if (!(bucketMs > 0)) throw new WatchError('WATCH_INVALID_ARGUMENT', `bucketMs must be positive; got ${bucketMs}`);
  const limit = options.maxRatio === undefined ? null : { op: '<=' as const, value: options.maxRatio };
  const warnings =
    baselineKind === 'live'
      ? ['baseline is live, not a secondary: the ratio also reflects the share of live traffic the challenger receives (sampling, ramp)']
      : [];
  let origin = Number.POSITIVE_INFINITY;
  for (const s of [...challenger, ...baseline]) for (const p of s.points) if (p.t < origin) origin = p.t;
  if (origin === Number.POSITIVE_INFINITY) origin = 0;
  const c = bucketSums(challenger, origin, bucketMs);
  const b = bucketSums(baseline, origin, bucketMs);
  const paired = [...c.keys()].filter((k) => b.has(k)).sort((x, y) => x - y);
  const n = paired.length;
  const base = { criterion, baseline: baselineKind, limit, n, warnings };
  if (n < minBuckets) {
    return {
      ...base,
      outcome: 'insufficient',
      ratio: null,
      interval: null,
      judged: null,
      means: null,
      reason: `${criterion} not judged: ${n} paired ${bucketMs / 1000} s buckets (need ${minBuckets})`,
    };
  }
  const cs = paired.map((k) => c.get(k) as number);
  const bs = paired.map((k) => b.get(k) as number);
  const cMean = cs.reduce((s, v) => s + v, 0) / n;
  const bMean = bs.reduce((s, v) => s + v, 0) / n;
  const means = { challenger: cMean, baseline: bMean };
  if (!(bMean > 0)) {
    return {
      ...base,
      outcome: 'insufficient',
      ratio: null,
      interval: null,
      judged: null,
      means,
      reason: `${criterion} not judged: the ${baselineKind} used nothing (mean ${bMean})`,
    };
  }
  const ratio = cMean / bMean;
  if (!(cMean > 0)) {
    return {
      ...base,
      outcome: limit === null ? 'insufficient' : 'pass',
      ratio: 0,
      interval: null,
      judged: 0,
      means,
      reason: `${criterion} 0: the challenger used nothing`,
    };
  }
  // d_b = C_b/C̄ - B_b/B̄ has mean 0; var(log R) ≈ Σ d_b² / (n - 1) / n.
  const d = paired.map((_, i) => (cs[i] as number) / cMean - (bs[i] as number) / bMean);
  const variance = d.reduce((s, v) => s + v * v, 0) / (n - 1);
  const half = tForConfidence(confidence, n - 1) * Math.sqrt(variance / n);
  const interval: Interval = { lower: ratio * Math.exp(-half), upper: ratio * Math.exp(half), confidence, method: 'delta-log-t' };
  const ci = `${criterion} ${ratio.toFixed(3)} (${confidence * 100}% CI ${interval.lower.toFixed(3)} .. ${interval.upper.toFixed(3)}, ${n} buckets of ${bucketMs / 1000} s, over the ${baselineKind})`;
  if (limit === null) return { ...base, outcome: 'insufficient', ratio, interval, judged: null, means, reason: `${ci}: no bound given` };
  if (interval.upper <= limit.value)
    return { ...base, outcome: 'pass', ratio, interval, judged: interval.upper, means, reason: `${ci}: upper bound <= ${limit.value}` };
  if (interval.lower > limit.value)
    return { ...base, outcome: 'fail', ratio, interval, judged: interval.lower, means, reason: `${ci}: lower bound > ${limit.value}` };
  return {
    ...base,
    outcome: 'insufficient',
    ratio,
    interval,
    judged: null,
    means,
    reason: `${ci}: the interval contains the bound ${limit.value}; watch longer`,
  };
}
