import type { ResourceMeasurements } from '../measurements/resources.js';
import type {
  HeaderDifference,
  JudgeReasonExample,
  Measurements,
  PathDifference,
  ReplayConditions,
  SandboxInducedPairs,
  SideEffectDifference,
  StatusCell,
} from '../measurements/types.js';
import type { DifferenceInterval, ProportionInterval } from '../stats/types.js';

export interface LatencyRow {
  /** p50, p90, p99, max. */
  label: string;
  q: number;
  liveMs: number | null;
  /** The secondary's quantile on the same exchanges; null without a secondary. */
  secondaryMs: number | null;
  candidateMs: number | null;
  /** What the delta is measured against: the secondary (same replay conditions) when there is one, else live. */
  baseline: 'secondary' | 'live';
  /** candidate - baseline. */
  deltaMs: number | null;
  /** Bootstrap interval of the delta (none for max, or without samples). */
  deltaInterval: { lower: number | null; upper: number | null; confidence: number; paired: boolean } | null;
}

export type BusinessRow =
  | {
      name: string;
      kind: 'numeric';
      pairs: number;
      liveMean: number;
      candidateMean: number;
      /** (candidate - live) / |live|, signed; null when live's mean is 0. */
      meanRelativeDiff: number | null;
      quantiles: { label: string; q: number; live: number | null; candidate: number | null; relativeDiff: number | null }[];
    }
  | {
      name: string;
      kind: 'decision';
      pairs: number;
      flips: number;
      flipRate: ProportionInterval;
      transitions: { live: string; candidate: string; pairs: number }[];
    }
  | { name: string; kind: 'list'; pairs: number; meanJaccard: number; k: number | null; meanTopKOverlap: number | null };

/** What the scope's judges decided (docs/judge.md), with intervals. */
export interface ReportJudge {
  judges: string[];
  /** Pairs whose diff found a difference in a judged scope. */
  needed: number;
  equal: number;
  different: number;
  error: number;
  errorKinds: { kind: string; pairs: number }[];
  /** Needed and not judged, by reason (sampled_out, budget, ...), most first. */
  notRun: { reason: string; pairs: number }[];
  /** Agreement after the judge (skipped pairs out of the trials; errors disagree); `agreement` of the scope is before it. */
  agreementAfter: ProportionInterval;
  /** error / (equal + different + error). */
  errorRate: ProportionInterval;
  /** The judge on live vs the secondary: different / (equal + different). Its own false differences. */
  falseDifferenceRate: ProportionInterval;
  /** Pairs a reference judge also judged, share where it agreed. */
  referenceAgreement: ProportionInterval;
  /** Share of judged pairs answered from the cache; null without judged pairs. */
  cachedShare: number | null;
  latencyP50Ms: number | null;
  latencyP90Ms: number | null;
  tokens: number;
  examples: JudgeReasonExample[];
}

export interface ReportScope {
  /** 'overall' or the route label ("GET /users/:id"). */
  scope: string;
  route: string | null;
  method: string | null;
  pairs: number;
  /** Before any judge (a judge's equal does not count here); see `judge.agreementAfter`. */
  agreement: ProportionInterval;
  /** The judges of the scope; null when no pair needed one. */
  judge: ReportJudge | null;
  /** `sandboxInducedMismatches`: of the mismatched pairs, the sandbox-induced ones (listed apart). */
  status: { cells: StatusCell[]; mismatchedPairs: number; sandboxInducedMismatches: number };
  errors: { live: ProportionInterval; candidate: ProportionInterval; difference: DifferenceInterval };
  latency: LatencyRow[];
  /** Top differing JSON paths that count (not noise, not excluded), most pairs first. */
  paths: PathDifference[];
  /** Paths flagged as noise (live vs secondary disagree too), listed apart. */
  noisePaths: PathDifference[];
  /** Paths the criteria excluded. */
  excludedPaths: PathDifference[];
  headers: HeaderDifference[];
  noiseHeaders: HeaderDifference[];
  /**
   * Paths and headers of sandbox-induced pairs, not counted (the sandbox's answer may have caused
   * them; docs/compare.md). Empty when the measurements counted them (they are then in `paths`).
   */
  sandboxPaths: PathDifference[];
  sandboxHeaders: HeaderDifference[];
  /** Sandbox-induced pairs of the scope with their causes; null when the measurements have none. */
  sandboxInduced: SandboxInducedPairs | null;
  sideEffects: { candidateOnly: SideEffectDifference[]; liveOnly: SideEffectDifference[]; payloadChanged: SideEffectDifference[] };
  business: BusinessRow[];
  /** `labelled` = scored labelled pairs; `unscored` = labelled pairs without kept answer bodies (not evidence). */
  accuracy: { labelled: number; unscored?: number | undefined; live: ProportionInterval; candidate: ProportionInterval; difference: DifferenceInterval } | null;
}

export interface Report {
  reportVersion: 1;
  challengerId: string;
  challengerName: string | null;
  /** The measured challenger's role (`candidate` or `secondary`): what its columns are called. */
  role: string;
  /** The secondary whose latency is the baseline (same replay, same exchanges); null: live is the baseline. */
  secondary: { challengerId: string; challengerName: string | null } | null;
  /** The replay conditions of the counted pairs (runs with their speed and concurrency, live shadowing). */
  conditions: ReplayConditions | null;
  /** What a reader must know before comparing numbers (unlike latency conditions, pairs set aside). */
  warnings: string[];
  runId: string | null;
  window: Measurements['window'];
  observed: Measurements['observed'];
  confidence: number;
  overall: ReportScope;
  routes: ReportScope[];
  /** Exchanges without a pair, by reason, most first. */
  unmatched: { reason: string; exchanges: number }[];
  /** A replay run's own account next to what landed for this challenger (`shadow report --run-id`); absent otherwise. */
  run?: ReportRun | undefined /** Both sides' scraped CPU and memory over the window (Measurements.resources); absent when not read. */;
  resources?: ResourceMeasurements | undefined;
}

/** One historical run, for one challenger (from the `runs` table and the pair tables). */
export interface ReportRun {
  runId: string;
  /** The last session's state: running, completed, interrupted (unknown: the joiner recorded no session). */
  state: string;
  /** Completed and every result landed: the numbers are final. */
  landed: boolean;
  partitions: number;
  drainedPartitions: number;
  /** Exchanges of the window the replayer read (summed over sessions). */
  exchangesInWindow: number;
  /** Exchanges the replayer sent this challenger, and how many of those failed (an errorKind). */
  replayed: number;
  failed: number;
  /** Distinct exchanges paired, and still unmatched by reason. */
  paired: number;
  unmatched: Record<string, number>;
}
