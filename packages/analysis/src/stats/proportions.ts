// Differences of two proportions (candidate minus live) with Newcombe's hybrid score intervals,
// built from the two Wilson intervals, so they share Wilson's good behaviour near 0 and 1.
//
// Live and candidate answer the SAME exchanges, so accuracy and error rates are paired data: the
// paired variant (Newcombe 1998, "Improved confidence intervals for the difference between
// binomial proportions based on paired data", method 10, without continuity correction) uses the
// correlation of the two outcomes (phi of the 2x2 table) and is narrower when they agree often.
// The independent variant (Newcombe 1998, "Interval estimation for the difference between
// independent proportions", method 10) is for samples that are not matched one to one.

import { AnalysisError } from '../errors.js';
import type { DifferenceInterval } from './types.js';
import { checkCount, wilsonInterval, type IntervalOptions } from './wilson.js';

/**
 * Outcomes of one yes/no question asked of both sides of the same pairs.
 * `live` and `candidate` count pairs where that side said yes (was correct, errored, ...),
 * `both` those where both did; so candidate-only = candidate - both, live-only = live - both.
 */
export interface PairedCounts {
  pairs: number;
  live: number;
  candidate: number;
  both: number;
}

export function checkPairedCounts(counts: PairedCounts, name = 'counts'): void {
  checkCount(`${name}.pairs`, counts.pairs);
  checkCount(`${name}.live`, counts.live);
  checkCount(`${name}.candidate`, counts.candidate);
  checkCount(`${name}.both`, counts.both);
  if (counts.both > Math.min(counts.live, counts.candidate) || counts.live + counts.candidate - counts.both > counts.pairs) {
    throw new AnalysisError(
      'ANALYSIS_INVALID_ARGUMENT',
      `${name} is not a 2x2 table: both (${counts.both}) must be <= live (${counts.live}) and candidate (${counts.candidate}), and live + candidate - both <= pairs (${counts.pairs})`,
    );
  }
}

function clampDifference(x: number): number {
  return Math.min(1, Math.max(-1, x));
}

/** Newcombe's paired hybrid score interval for P(candidate yes) - P(live yes). */
export function pairedDifferenceInterval(counts: PairedCounts, options: IntervalOptions = {}): DifferenceInterval {
  checkPairedCounts(counts);
  const candidate = wilsonInterval(counts.candidate, counts.pairs, options);
  const live = wilsonInterval(counts.live, counts.pairs, options);
  const confidence = candidate.confidence;
  if (counts.pairs === 0 || candidate.estimate === null || live.estimate === null) {
    return { estimate: null, lower: -1, upper: 1, confidence, method: 'newcombe-paired', candidate, live };
  }
  // 2x2 table: a = both yes, b = candidate only, c = live only, d = neither.
  const a = counts.both;
  const b = counts.candidate - counts.both;
  const c = counts.live - counts.both;
  const d = counts.pairs - a - b - c;
  const marginProduct = (a + b) * (c + d) * (a + c) * (b + d);
  // Newcombe sets phi to 0 when a margin is empty (the correlation is then undefined).
  const phi = marginProduct === 0 ? 0 : (a * d - b * c) / Math.sqrt(marginProduct);
  const p1 = candidate.estimate;
  const p2 = live.estimate;
  const dl1 = p1 - candidate.lower;
  const du1 = candidate.upper - p1;
  const dl2 = p2 - live.lower;
  const du2 = live.upper - p2;
  const delta = Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const epsilon = Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  const estimate = p1 - p2;
  return {
    estimate,
    lower: clampDifference(estimate - delta),
    upper: clampDifference(estimate + epsilon),
    confidence,
    method: 'newcombe-paired',
    candidate,
    live,
  };
}

/** Newcombe's hybrid score interval for the difference of two independent proportions. */
export function independentDifferenceInterval(
  candidate: { successes: number; trials: number },
  live: { successes: number; trials: number },
  options: IntervalOptions = {},
): DifferenceInterval {
  const c = wilsonInterval(candidate.successes, candidate.trials, options);
  const l = wilsonInterval(live.successes, live.trials, options);
  if (c.estimate === null || l.estimate === null) {
    return { estimate: null, lower: -1, upper: 1, confidence: c.confidence, method: 'newcombe-independent', candidate: c, live: l };
  }
  const estimate = c.estimate - l.estimate;
  const delta = Math.hypot(c.estimate - c.lower, l.upper - l.estimate);
  const epsilon = Math.hypot(c.upper - c.estimate, l.estimate - l.lower);
  return {
    estimate,
    lower: clampDifference(estimate - delta),
    upper: clampDifference(estimate + epsilon),
    confidence: c.confidence,
    method: 'newcombe-independent',
    candidate: c,
    live: l,
  };
}
