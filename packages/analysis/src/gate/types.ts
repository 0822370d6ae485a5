import type { Measurements } from '../measurements/types.js';

export type GateOutcome = 'pass' | 'fail' | 'insufficient';

/** The unit of a measured value and its limit, so renderers format it right. */
export type GateUnit = 'ratio' | 'ms' | 'factor' | 'count' | 'duration' | 'bytesPerHour';

export interface CriterionResult {
  /**
   * Stable name: sample.minPairs, sample.minDuration, agreement, agreementAfterJudge, judge.minJudged,
   * judge.maxErrorRate, judge.maxFalseDifferenceRate, latency.p99,
   * latency.p99.maxMs, latency.p99.maxFactorOfSecondary, latency.p99.maxFactorOfLive, errorRate.max, errorRate.maxIncreaseOverLive,
   * sideEffects, business.<metric>.<check>, accuracy.minDelta, accuracy.minCandidate,
   * resources.cpuRatio, resources.memoryGrowth (scope: the side and the process, `challenger host:port/metrics`).
   */
  criterion: string;
  /** 'overall' or the route label ("GET /users/:id"). */
  scope: string;
  outcome: GateOutcome;
  /** Whether this result counts towards the verdict (an insufficient non-required route does not). */
  blocking: boolean;
  /** Point estimate (or count, or duration in ms). */
  measured: number | null;
  /** The confidence interval behind `judged`, when there is one. */
  interval: { lower: number | null; upper: number | null; confidence: number; method: string } | null;
  /** The number compared with the limit: the interval bound or the estimate. */
  judged: number | null;
  judgedOn: 'bound' | 'estimate' | 'count';
  limit: { op: '>=' | '<='; value: number };
  unit: GateUnit;
  /** Sample size behind the value. */
  n: number;
  /** One human sentence: measured value vs bound, or why it was not judged. */
  reason: string;
  /** For a latency limit with several of maxMs, maxFactorOfSecondary, maxFactorOfLive: each check. */
  parts?: CriterionResult[] | undefined;
}

export interface GateVerdict {
  verdict: GateOutcome;
  /** 0 pass, 1 fail, 2 insufficient. */
  exitCode: 0 | 1 | 2;
  challengerId: string;
  runId: string | null;
  window: Measurements['window'];
  observed: Measurements['observed'];
  criteria: { name: string | undefined; sha256: string | undefined; source: string | undefined; confidence: number };
  summary: { pass: number; fail: number; insufficient: number; nonBlocking: number };
  /** One line per blocking failure or gap, in result order: the "why" of the verdict. */
  reasons: string[];
  /**
   * What a reader must know about the comparison: a latency limit against live (measured in
   * production, the candidate under the replay's conditions), sandbox-induced pairs left out.
   */
  warnings: string[];
  results: CriterionResult[];
}
