/** A proportion with its confidence interval. */
export interface ProportionInterval {
  successes: number;
  trials: number;
  /** successes / trials; null when trials = 0 (no evidence either way). */
  estimate: number | null;
  /** Lower bound; 0 when trials = 0. */
  lower: number;
  /** Upper bound; 1 when trials = 0. */
  upper: number;
  confidence: number;
  method: 'wilson';
}

/** A difference of two proportions (candidate minus live) with its confidence interval. */
export interface DifferenceInterval {
  /** candidate - live; null when either side has no trials. */
  estimate: number | null;
  lower: number;
  upper: number;
  confidence: number;
  method: 'newcombe-paired' | 'newcombe-independent';
  candidate: ProportionInterval;
  live: ProportionInterval;
}

/** How a quantile is read from a sample (see quantile.ts). */
export type QuantileMethod = 'exact' | 'linear';

/** A bootstrap interval around a statistic computed from the full sample. */
export interface BootstrapInterval {
  /** The statistic on all values; null when there are none. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  confidence: number;
  method: 'bootstrap-percentile';
  resamples: number;
  /** Values (or pairs) the resamples were drawn from: min(n, maxSamples). */
  sampleSize: number;
  /** n before subsampling. */
  n: number;
  subsampled: boolean;
  seed: number;
}

export interface BootstrapOptions {
  /** @default 0.95 */
  confidence?: number;
  /** Number of resamples. @default 2000 */
  resamples?: number;
  /** Larger inputs are first reduced to a uniform random subsample of this size. @default 10000 */
  maxSamples?: number;
  /** PRNG seed: same input and seed, same interval. @default 1 */
  seed?: number;
  /** @default 'exact' */
  method?: QuantileMethod;
}
