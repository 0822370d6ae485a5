// Wilson's score interval: unlike the normal ("Wald") interval it stays inside [0, 1], is not
// degenerate at 0 or n successes, and keeps close to its nominal coverage at small n, which is
// exactly where a gate must not be fooled by a lucky minute.

import { AnalysisError } from '../errors.js';
import { zForConfidence } from './normal.js';
import type { ProportionInterval } from './types.js';

export interface IntervalOptions {
  /** Two-sided confidence level. @default 0.95 */
  confidence?: number;
  /** z to use instead of the one derived from `confidence` (e.g. 1.96). */
  z?: number;
}

export function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `${name} must be a non-negative integer; got ${value}`);
  }
}

export function resolveZ(options: IntervalOptions): { z: number; confidence: number } {
  const confidence = options.confidence ?? 0.95;
  if (options.z !== undefined) {
    if (!(options.z > 0) || !Number.isFinite(options.z)) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `z must be a positive number; got ${options.z}`);
    return { z: options.z, confidence };
  }
  return { z: zForConfidence(confidence), confidence };
}

/**
 * Wilson score interval for successes out of trials.
 * trials = 0 gives estimate null and [0, 1]; 0 successes give a lower bound of exactly 0, and
 * trials successes an upper bound of exactly 1.
 */
export function wilsonInterval(successes: number, trials: number, options: IntervalOptions = {}): ProportionInterval {
  checkCount('successes', successes);
  checkCount('trials', trials);
  if (successes > trials) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `successes (${successes}) exceed trials (${trials})`);
  const { z, confidence } = resolveZ(options);
  if (trials === 0) return { successes, trials, estimate: null, lower: 0, upper: 1, confidence, method: 'wilson' };
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const lower = successes === 0 ? 0 : Math.max(0, centre - half);
  const upper = successes === trials ? 1 : Math.min(1, centre + half);
  return { successes, trials, estimate: p, lower, upper, confidence, method: 'wilson' };
}
