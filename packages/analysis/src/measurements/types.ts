// What the SQL layer measures and the report and the gate consume: plain data, no ClickHouse
// types, so both are pure functions of it and are unit-tested on hand-made data sets.
// Every count is of DISTINCT pairs: the SQL layer de-duplicates (FINAL / argMax on the pair key:
// exchange id, challenger id, attempt) before counting; nothing here can detect a double count.
// See src/queries/pair-store.ts for which aggregate fills which field.

import type { PairedCounts } from '../stats/proportions.js';
import type { ResourceMeasurements } from './resources.js';

/** One cell of the status-code matrix: live answered `live`, the candidate `candidate` (0 = no answer). */
export interface StatusCell {
  live: number;
  candidate: number;
  pairs: number;
}

export interface QuantileValue {
  /** Level in [0, 1]; 1 is the maximum. */
  q: number;
  value: number;
}

/** Latency of one side over all counted pairs, exact (ClickHouse quantileExact over every pair). */
export interface LatencySummary {
  /** Pairs with a latency on this side (a side without an answer has none). */
  count: number;
  /** At least p50, p90, p99 (q 0.5, 0.9, 0.99), in milliseconds. */
  quantiles: QuantileValue[];
  maxMs: number | null;
  meanMs?: number | undefined;
}

export interface LatencyMeasurements {
  live: LatencySummary;
  candidate: LatencySummary;
  /**
   * Raw latencies in milliseconds for bootstrap intervals. With `paired`, value i of both arrays
   * belongs to the same pair (same exchange); the SQL layer may send a uniform sample of pairs
   * (e.g. at most 100 000) instead of all of them. Absent: latency criteria judged on a bound are
   * "insufficient" (no interval can be computed), those judged on the estimate still work.
   */
  samples?: { liveMs: number[]; candidateMs: number[]; paired: boolean } | undefined;
  /**
   * The secondary's latency (live's own code, replayed with the candidate under the same replay
   * conditions) on this scope's exchanges where it answered: the fair baseline (Measurements.secondary).
   * Absent without a secondary.
   */
  secondary?: LatencySummary | undefined;
  /** Paired (same exchange) secondary and candidate latencies, where both answered; sampled like `samples`. */
  secondarySamples?: { secondaryMs: number[]; candidateMs: number[] } | undefined;
}

/** One reason pairs are sandbox-induced: a call the sandbox answered as live's never was (docs/compare.md). */
export interface SandboxCauseCount {
  /** `sandbox_answer` (the sandbox made the answer: blocked or stub) or `read_after_live_write` (a read forwarded to a store live wrote to). */
  kind: string;
  /** What answered the call: blocked, stub, forwarded. */
  disposition: string;
  /** Status the challenger received (0: none). */
  status: number;
  /** The call: `http POST store:8080/v2/orders/:id`. */
  key: string;
  /** Sandbox-induced pairs with this cause. */
  pairs: number;
  examplePairId: string;
}

/**
 * Pairs whose answer differences may be the sandbox's, not the challenger's: it received an answer
 * the sandbox made (a 503 for a write with nothing recorded, a stub) or a read of a store live had
 * already written to, and then answered differently from live. Unless counted, they are left out of
 * the error rate, and those whose only counted differences are answer differences are left out of
 * agreement's trials (their agreement is unknown). Their side-effect differences always count.
 */
export interface SandboxInducedPairs {
  pairs: number;
  /** Of those, pairs whose status differs from live's. */
  statusMismatches: number;
  /** Of those, left out of agreement's trials (0 when counted). */
  leftOutOfAgreement: number;
  /** Counted like any pair (the query's includeSandboxInduced). */
  counted: boolean;
  /** Most pairs first (a pair with several causes is in each). */
  causes: SandboxCauseCount[];
}

/** A historical run's settings as the replayer recorded them (the `runs` table); null: not recorded. */
export interface RunConditions {
  runId: string;
  /** `max`, `1x`, `10x`, ... */
  speed: string | null;
  maxConcurrency: number | null;
  ordering: string | null;
}

/** Under which conditions the measured answers were produced (what a latency comparison must name). */
export interface ReplayConditions {
  /** Historical runs among the counted pairs, by run id. */
  runs: RunConditions[];
  /** Some counted pairs come from live shadowing (run id ''): its replayer's settings are not recorded. */
  liveShadowing: boolean;
}

/**
 * A write one side made and the other did not, or both made with different payloads: the
 * `sideEffectDiffs` of @shadow/compare (extra_in_candidate -> candidate-only, missing_in_candidate
 * -> live-only, payload_changed -> payload-changed), noise excluded unless the query counts it.
 */
export interface SideEffectDifference {
  direction: 'candidate-only' | 'live-only' | 'payload-changed';
  /** HTTP method, or the operation for other dependency kinds (e.g. SMTP 'SEND'). */
  method: string;
  /** host:port, or the dependency name. */
  target: string;
  /** Path template without the query string (compare templates ids away: /v1/charges/:id). */
  path: string;
  dependencyKind?: string | undefined;
  /** Distinct pairs with this difference. */
  pairs: number;
  /** Exchange id of one such pair. */
  examplePairId: string;
}

/** A side-effect difference without its counts: what the criteria's `expected` patterns match. */
export type SideEffectKind = Omit<SideEffectDifference, 'pairs' | 'examplePairId'>;

/**
 * The pairs with side-effect differences, grouped by the set of differences each pair has (noise
 * excluded unless counted). What the gate's `sideEffects.maxUnexpected` counts: pairs, not
 * differences, and one pair can have several (a write sent to another path is a live-only and a
 * candidate-only difference on the same pair).
 */
export interface SideEffectPairs {
  /** Pairs with at least one side-effect difference. */
  pairs: number;
  /**
   * One entry per distinct set of differences, largest first. A store may bound the list: pairs of
   * sets left out (`pairs` minus the sum here) are counted as unexpected by the gate.
   */
  sets: { differences: SideEffectKind[]; pairs: number }[];
}

/** A JSON path whose value differs between live and the candidate. */
export interface PathDifference {
  /** In @shadow/compare's path syntax, array indexes as in the pairs table. */
  path: string;
  /** Distinct pairs where it differs. */
  pairs: number;
  /** Flagged as noise: live and the secondary (live's own version) disagree on it too. */
  noise: boolean;
  /** Excluded by the criteria file's exclude.paths (it did not count against agreement). */
  excluded?: boolean | undefined;
  /** Differences of sandbox-induced pairs (listed apart from the others; see SandboxInducedPairs). */
  sandboxInduced?: boolean | undefined;
  examplePairId: string;
}

export interface HeaderDifference {
  /** Lower-case header name. */
  header: string;
  pairs: number;
  noise: boolean;
  /** Differences of sandbox-induced pairs. */
  sandboxInduced?: boolean | undefined;
  examplePairId: string;
}

/** A numeric outcome (a price, a score) extracted from both answers of each pair (compare's `number`). */
export interface NumericOutcome {
  kind: 'numeric';
  /** Pairs where both sides have a value. */
  pairs: number;
  live: { mean: number; quantiles: QuantileValue[] };
  candidate: { mean: number; quantiles: QuantileValue[] };
}

/** A categorical outcome (approve/decline, a class label; compare's `string`). */
export interface DecisionOutcome {
  kind: 'decision';
  pairs: number;
  /** Pairs whose decision differs. */
  flips: number;
  /** Most frequent live -> candidate changes. */
  transitions?: { live: string; candidate: string; pairs: number }[] | undefined;
}

/** A list outcome (recommended ids; compare's `string[]`). */
export interface ListOutcome {
  kind: 'list';
  pairs: number;
  /** Mean over pairs of |L ∩ C| / |L ∪ C| (two empty lists count as 1). */
  meanJaccard: number;
  /** k of the top-k overlap below. */
  k?: number | undefined;
  /** Mean over pairs of |top_k(L) ∩ top_k(C)| / k. */
  meanTopKOverlap?: number | undefined;
}

export type BusinessOutcome = NumericOutcome | DecisionOutcome | ListOutcome;

/** A reason a judge gave, with how many pairs gave it (docs/judge.md). */
export interface JudgeReasonExample {
  verdict: 'equal' | 'different' | 'error';
  reason: string;
  pairs: number;
  examplePairId: string;
}

/**
 * What the route's judges decided on the scope's pairs (docs/judge.md): only pairs whose diff found
 * a difference in a judged scope needed a judge. Absent when no pair of the scope needed one.
 */
export interface JudgeMeasurements {
  /** Ids of the judges that judged pairs of the scope. */
  judges: string[];
  /** Pairs whose diff found a difference under a rule's judge.path. */
  needed: number;
  /** The judge's verdicts; equal + different + error + the not_run counts = needed. */
  equal: number;
  different: number;
  error: number;
  /** Errors by kind (timeout, deadline, http_status, bad_answer, ...). */
  errorKinds: Record<string, number>;
  /** Pairs the judge was needed on and did not judge, by reason (sampled_out, budget, too_large, overloaded, closed). */
  notRun: Record<string, number>;
  /**
   * Agreement after the judge: the pairs of `ScopeMeasurements.agreement` (its trials) minus those
   * where the judge was needed and did not run (not_run: their agreement is unknown); a pair the
   * judge called equal agrees unless something else differs; `different` and `error` disagree.
   */
  agreement: { trials: number; successes: number };
  /** Judged pairs whose verdict came from the judge's cache (no call made). */
  cached: number;
  /** Latency of the judgements that were not cached (equal, different, error), ms: p50, p90. */
  latency: { count: number; quantiles: QuantileValue[] };
  /** Tokens of the pairs' judgements (as the judge servers reported them). */
  tokens: number;
  /**
   * Judging the judge. `secondary`: the judge on live vs the secondary (a second copy of live: the
   * truth is equal), its verdicts; false-difference rate = different / (equal + different).
   * `reference`: pairs a reference judge also judged (both equal or different), and on how many it agreed.
   */
  audit: {
    secondary: { equal: number; different: number; error: number; notRun: number };
    reference: { pairs: number; agreed: number };
  };
  /** Up to 5 reasons per verdict (equal, different, error), most pairs first. */
  examples: JudgeReasonExample[];
}

/** Everything measured on one scope: all pairs, or the pairs of one route. */
export interface ScopeMeasurements {
  /** Distinct pairs (live answer + candidate result) in the scope. */
  pairs: number;
  /**
   * Pairs compared / pairs that agree after excluded paths and (unless counted) noise paths, BEFORE
   * any judge: a pair whose only difference a judge called equal does not agree here (see
   * `judge.agreement` for after the judge). So adding a judge never loosens this number.
   */
  agreement: { trials: number; successes: number };
  /** What the routes' judges decided; absent when no pair of the scope needed a judge. */
  judge?: JudgeMeasurements | undefined;
  /** "Yes" = the side errored (no answer, or status >= 500) on that pair. */
  errors: PairedCounts;
  latency: LatencyMeasurements;
  /** Each kind of side-effect difference with its pairs (a pair with several counts in each). */
  sideEffects: SideEffectDifference[];
  /**
   * Pairs by their set of side-effect differences, for counting pairs. Absent (measurements made
   * without it): the gate sums `sideEffects[].pairs` instead, an upper bound.
   */
  sideEffectPairs?: SideEffectPairs | undefined;
  /** Status-code matrix, every non-empty cell. */
  status?: StatusCell[] | undefined;
  /** By metric name, as declared on the route. */
  business?: Record<string, BusinessOutcome> | undefined;
  /** "Yes" = the side's answer matches the label; pairs = labelled pairs that could be scored. */
  accuracy?: PairedCounts | undefined;
  /**
   * Labelled pairs that could not be scored (the joiner kept neither answer body: it keeps bodies of
   * disagreeing pairs and a sample of agreeing ones), not counted in `accuracy.pairs`.
   */
  accuracyUnscored?: number | undefined;
  /** Report detail: differing JSON paths (top N by pairs, noise included and flagged). */
  paths?: PathDifference[] | undefined;
  /** Report detail: differing headers. */
  headers?: HeaderDifference[] | undefined;
  /** Pairs whose answer differences may be the sandbox's. Absent (older measurements): none known. */
  sandboxInduced?: SandboxInducedPairs | undefined;
}

export interface RouteMeasurements extends ScopeMeasurements {
  /** Route template, e.g. /users/:id ('(unknown)' when the tap knew none). */
  route: string;
  method?: string | undefined;
}

export interface Measurements {
  challengerId: string;
  challengerName?: string | undefined;
  /** The measured challenger's role: `candidate` (the default) or `secondary` (live's own code). */
  role?: string | undefined;
  /**
   * The secondary whose latency is the baseline: a challenger with role `secondary` that answered the
   * same exchanges in the same run or window (MeasurementQuery.secondaryId); null: none.
   */
  secondary?: { challengerId: string; challengerName: string | null } | null | undefined;
  /** The replay conditions of the counted pairs. */
  conditions?: ReplayConditions | undefined;
  /** Historical replay run, or null for live shadowing. */
  runId: string | null;
  /** The window asked for (epoch ms, [from, to)); null when selected by run id only. */
  window: { fromMs: number; toMs: number } | null;
  /** Capture times of the first and last counted pair; null without pairs. */
  observed: { firstMs: number; lastMs: number } | null;
  overall: ScopeMeasurements;
  routes: RouteMeasurements[];
  /** Exchanges without a pair, by reason (e.g. no_result, replay_error, dead_lettered). */
  unmatched?: Record<string, number> | undefined /**
   * Both sides' scraped CPU and memory over the window (resource_samples, docs/watch.md); absent:
   * not measured (the caller did not read them, or the store has no resource table).
   */;
  resources?: ResourceMeasurements | undefined;
}
