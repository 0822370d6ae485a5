import type { SideEffectDifference } from '../measurements/types.js';
import type { ProportionInterval } from '../stats/types.js';

/** Which pairs an exploring query reads: a capture-time window [fromMs, toMs), optionally one replay run. */
export interface ExploreTarget {
  window: { fromMs: number; toMs: number };
  /** Historical replay run (run_id); absent: every run in the window, live shadowing included. */
  runId?: string | undefined;
}

/** A challenger with pairs in the window, with the role its results carried. */
export interface ChallengerSummary {
  challengerId: string;
  challengerName: string | null;
  /** `candidate` or `secondary` (the results' challengerRole; the latest landed row's). */
  role: string;
  /** Distinct pairs (run, exchange) in the window. */
  pairs: number;
  /** Capture time of the earliest and the latest pair, epoch ms. */
  firstCaptureMs: number;
  lastCaptureMs: number;
  /** Landing time of the latest pair, epoch ms: whether data is still moving. */
  lastJoinedMs: number;
  /**
   * Rows of the unmatched table in the window (duplicates included: a change marker, not a
   * count to report) and the landing time of the latest, epoch ms (0 without any).
   */
  unmatchedRows: number;
  lastUnmatchedJoinedMs: number;
}

/** One time bucket of a challenger's pairs (the report's definitions, per bucket). */
export interface TimeSeriesPoint {
  /** Bucket start, epoch ms. */
  startMs: number;
  pairs: number;
  /**
   * Agreement as the report counts it by default (real_agree: noise discounted; sandbox-induced pairs
   * with nothing else counted left out of the trials), Wilson interval.
   */
  agreement: ProportionInterval;
  /** Pairs that needed a judge (docs/judge.md); 0 without judges. */
  judgeNeeded: number;
  /** Agreement after the judge (the report's `judge.agreementAfter`): equals `agreement` where no pair needed a judge. */
  agreementAfterJudge: ProportionInterval;
  /** Pairs whose answer differences may be the sandbox's (docs/compare.md). */
  sandboxInduced: number;
  /** Pairs the error rate counts (sandbox-induced ones left out, as the report does). */
  errorPairs: number;
  /** Of those, pairs where live / the challenger erred (no answer, status >= 500, or an error kind). */
  liveErrors: number;
  candidateErrors: number;
  /** Latency quantiles of the answered pairs, ms; null without an answer on that side. */
  liveP50Ms: number | null;
  liveP99Ms: number | null;
  candidateP50Ms: number | null;
  candidateP99Ms: number | null;
  /** The secondary's quantiles on the same exchanges (TimeSeriesQuery.secondaryId); null without one or without its answer. */
  secondaryP50Ms: number | null;
  secondaryP99Ms: number | null;
}

export interface TimeSeries {
  challengerId: string;
  /** Bucket width, ms: a round step giving at most `maxBuckets` buckets over the observed span. */
  bucketMs: number;
  points: TimeSeriesPoint[];
}

export interface TimeSeriesQuery extends ExploreTarget {
  challengerId: string;
  /** The secondary whose latency is drawn as the baseline (the report's Measurements.secondary); absent or null: none. */
  secondaryId?: string | null | undefined;
  /** @default 60 */
  maxBuckets?: number | undefined;
  /** @default 0.95 */
  confidence?: number | undefined;
}

/** Which pairs a list shows. */
export const PAIR_FILTERS = ['differing', 'agreeing', 'all'] as const;
export type PairFilter = (typeof PAIR_FILTERS)[number];

export interface PairListQuery extends ExploreTarget {
  challengerId: string;
  /** One route: its method and template, as the report's scopes name them. */
  route?: { method: string; route: string } | undefined;
  /** Only pairs where this path differed (a body path `$.a[*].b`, `header:<name>`, `effect:<key>` or `status`). */
  path?: string | undefined;
  /** `differing`: not agreeing once noise is discounted (the report's agreement). @default 'differing' */
  filter?: PairFilter | undefined;
  /** 0-based page. @default 0 */
  page?: number | undefined;
  /** @default 50 */
  pageSize?: number | undefined;
}

export interface PairListItem {
  exchangeId: string;
  runId: string;
  captureMs: number;
  method: string;
  route: string;
  path: string;
  liveStatus: number;
  candidateStatus: number;
  candidateErrorKind: string | null;
  liveLatencyMs: number;
  candidateLatencyMs: number;
  /** Agrees once noise is discounted (what the report counts). */
  agrees: boolean;
  realDiffs: number;
  noisyDiffs: number;
  bodiesKept: boolean;
  /** Its answer differences may be the sandbox's (docs/compare.md "Sandbox-induced differences"). */
  sandboxInduced: boolean;
}

export interface PairList {
  items: PairListItem[];
  page: number;
  pageSize: number;
  /** More pairs match after this page. */
  more: boolean;
}

/** One difference of a pair, as pair_diffs holds it (values are compare's examples, cut). */
export interface PairDifference {
  /** `$.total`, `$.items[*].price`, `header:<name>`, `effect:<key>`, `status`. */
  path: string;
  /** changed, missing, extra, type, length, text. */
  kind: string;
  noise: boolean;
  /** An answer difference (status, header, body) of a sandbox-induced pair; never an `effect:` path. */
  sandboxInduced: boolean;
  /** JSON text of live's value at the example path; '' when absent. */
  liveValue: string;
  candidateValue: string;
}

/** One side of a body: its text when kept, and why not otherwise. */
export interface KeptBody {
  /** Kept: text (possibly cut at the joiner's JOINER_MAX_BODY_BYTES); not kept: null. */
  text: string | null;
  /** Size of the answer, bytes. */
  size: number;
  /** The kept text is shorter than the answer. */
  cut: boolean;
  /** First 16 hex digits of the body's SHA-256 (always stored). */
  hash: string;
}

/** One challenger's pair of an exchange: live and the challenger's answer, compared. */
export interface PairSide {
  challengerId: string;
  challengerName: string | null;
  role: string;
  runId: string;
  attempt: number;
  joinedMs: number;
  replayMs: number;
  live: { status: number; latencyMs: number; body: KeptBody };
  candidate: { status: number; latencyMs: number; errorKind: string | null; body: KeptBody };
  /** Compare's verdict: agree (everything matches), or what differed. */
  agree: boolean;
  /** Agrees once noise is discounted (what the report counts). */
  realAgree: boolean;
  match: { status: boolean; headers: boolean; body: boolean; sideEffects: boolean };
  /** Bodies are kept for every disagreement and a sample of agreements (docs/tables.md). */
  bodiesKept: boolean;
  differences: PairDifference[];
  sideEffects: {
    live: number;
    candidate: number;
    /** Side-effect differences parsed from side_effects_detail; `noise` from the effect's diff path. */
    differences: (Omit<SideEffectDifference, 'pairs' | 'examplePairId'> & { noise: boolean })[];
  };
  comparator: string;
  verdict: string;
  score: number | null;
  /** What the route's judge decided (docs/judge.md); null when no judge was needed. */
  judge: PairJudge | null;
  /** The challenger answered differently after the sandbox answered one of its calls as live's never was. */
  sandboxInduced: boolean;
  /** The calls behind it (kind, call key, disposition, status), as the joiner stored them. */
  sandboxCauses: { kind: string; key: string; disposition: string; status: number }[];
}

/** A pair's judgement as stored (the judge_* columns). */
export interface PairJudge {
  judgeId: string;
  /** JSONPath judged. */
  path: string;
  /** equal, different, error or not_run. */
  verdict: string;
  /** error: the failure kind; not_run: why. */
  kind: string | null;
  reason: string | null;
  latencyMs: number;
  cached: boolean;
  tokens: number;
  /** The same judge on live vs the secondary (should be equal); null when not audited. */
  auditSecondaryVerdict: string | null;
  auditReference: { judgeId: string; verdict: string } | null;
}

/** An exchange that did not pair for a challenger (the unmatched table). */
export interface UnmatchedSide {
  challengerId: string;
  role: string;
  runId: string;
  reason: string;
  expiredBy: string;
  hasLive: boolean;
  hasResult: boolean;
  eventMs: number;
}

/** Everything stored about one exchange: its pairs (one per challenger and run) and what did not pair. */
export interface PairDetail {
  exchangeId: string;
  /** From the pairs (null when the exchange only has unmatched rows). */
  exchange: { service: string; environment: string; method: string; route: string; path: string; captureMs: number } | null;
  /** Candidates first, then secondaries; by challenger id, then run. */
  pairs: PairSide[];
  unmatched: UnmatchedSide[];
}
