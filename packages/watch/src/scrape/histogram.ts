// A quantile from cumulative histogram buckets, as Prometheus' histogram_quantile computes it: find
// the bucket the rank falls in and interpolate linearly inside it, assuming observations spread
// evenly in the bucket. The scraper feeds it the bucket counts gained since the previous scrape,
// so the value is the quantile of the observations of that interval, not of the process' life.

export interface Bucket {
  /** Upper bound (`le`), +Infinity for the last bucket. */
  readonly le: number;
  /** Cumulative count of observations <= le. */
  readonly count: number;
}

/**
 * The q-quantile (0 <= q <= 1) of the observations counted in `buckets`, or null when there are none
 * or the buckets are not a histogram (no +Inf bucket, counts decreasing). As histogram_quantile:
 * the lowest bucket's lower bound is 0 (when its upper bound is positive), and a rank in the +Inf
 * bucket answers the highest finite bound.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (!(q >= 0 && q <= 1)) return null;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted.at(-1);
  if (last === undefined || last.le !== Number.POSITIVE_INFINITY || sorted.length < 2) return null;
  for (let i = 1; i < sorted.length; i++) if ((sorted[i] as Bucket).count < (sorted[i - 1] as Bucket).count) return null;
  const total = last.count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  // q = 0: the first bucket holding an observation, not an empty one before it.
  if (rank === 0) i = sorted.findIndex((b) => b.count > 0);
  const bucket = sorted[i] as Bucket;
  if (bucket.le === Number.POSITIVE_INFINITY) return (sorted[sorted.length - 2] as Bucket).le;
  const below = i === 0 ? { le: bucket.le > 0 ? 0 : bucket.le, count: 0 } : (sorted[i - 1] as Bucket);
  const inBucket = bucket.count - below.count;
  if (inBucket <= 0) return bucket.le;
  return below.le + ((bucket.le - below.le) * (rank - below.count)) / inBucket;
}
