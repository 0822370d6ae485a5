import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';

/** One differing path of one pair. `path` is JSONPath with array indices collapsed (`$.items[*].id`),
 * `header:<name>` for a header, `status` for the status line. Examples are concrete, truncated. */
export interface PairRowDifference {
  readonly path: string;
  /** e.g. `changed`, `missing`, `extra`, `type`, `text`. */
  readonly kind: string;
  readonly liveExample: string;
  readonly shadowExample: string;
}

export interface SideEffectSummary {
  readonly live: number;
  readonly shadow: number;
  /** Writes live made that the challenger did not (method + target + path). */
  readonly missing: number;
  /** Writes the challenger made that live did not. */
  readonly extra: number;
  /** Same call on both sides, different payload. */
  readonly different: number;
  /** Short human-readable list of the mismatches, for the pair row. */
  readonly detail: string;
}

/** What the comparison says about one (live, challenger) pair. */
export interface PairRowComparison {
  readonly route: string;
  readonly statusMatch: boolean;
  readonly headersMatch: boolean;
  readonly bodyMatch: boolean;
  readonly sideEffectsMatch: boolean;
  readonly differences: readonly PairRowDifference[];
  /** Subset of differences' paths judged noise (also differ between live and the secondary). */
  readonly noisyPaths: ReadonlySet<string>;
  readonly sideEffects: SideEffectSummary;
  /** Which comparator decided the body (`json`, `text`, `bytes`, a custom name). */
  readonly comparator: string;
  /** `agree`, `disagree` or a comparator's own verdict. */
  readonly verdict: string;
  /** A comparator's score (e.g. a judge's 0..1), null when it gives none. */
  readonly score: number | null;
  /** Business outcomes the route declares, extracted from both answers (null: that side has none). @default [] */
  readonly outcomes?: readonly PairOutcome[];
  /**
   * The challenger's answer differs and it got an answer the sandbox made, or a read of a store live
   * had already written to: its status, header and body differences may be the sandbox's
   * (@shadow/compare's sandboxInduced, docs/compare.md). @default false
   */
  readonly sandboxInduced?: boolean;
  /** The calls behind it, as `<kind> <disposition> <status> <key>` (compare's formatSandboxCause). @default [] */
  readonly sandboxCauses?: readonly string[];
  /** What the route's judge decided (docs/judge.md). @default no judge needed */
  readonly judge?: PairRowJudge;
}

/** A pair's judgement as the pair row stores it (the judge_* columns; '' and 0 when absent). */
export interface PairRowJudge {
  /** '' (no judge needed), `equal`, `different`, `error` or `not_run` (needed, skipped: `kind` says why). */
  readonly verdict: '' | 'equal' | 'different' | 'error' | 'not_run';
  readonly judgeId: string;
  /** JSONPath judged; '' when no judge was needed. */
  readonly path: string;
  readonly kind: string;
  readonly reason: string;
  readonly latencyMs: number;
  readonly cached: boolean;
  readonly tokens: number;
  /** The judge's configuration version (its cache key's), '' when unknown. */
  readonly version: string;
  /** Judging the judge: the judge on live vs the secondary, and a reference judge on the pair ('' when not run). */
  readonly auditSecondaryVerdict: string;
  readonly auditReferenceId: string;
  readonly auditReferenceVerdict: string;
}

/** One declared business outcome of a pair (@shadow/compare's OutcomeComparison, values only). */
export interface PairOutcome {
  readonly name: string;
  readonly type: 'number' | 'string' | 'string[]';
  readonly live: number | string | readonly string[] | null;
  readonly candidate: number | string | readonly string[] | null;
}

/** What the joiner hands the comparison for one exchange: live, every result, every side effect. */
export interface ExchangeToCompare {
  readonly exchange: CapturedExchange;
  /** Results in the order they must be compared: secondaries first, so the noise model has them. */
  readonly results: readonly ShadowResult[];
  readonly liveSideEffects: readonly SideEffect[];
  /** challengerId -> its side effects. */
  readonly challengerSideEffects: ReadonlyMap<string, readonly SideEffect[]>;
}

/** The seam to @shadow/compare: one call per joined exchange, one comparison per result. */
export interface PairComparer {
  compareExchange(input: ExchangeToCompare): Map<string, PairRowComparison>;
  /**
   * compareExchange with the routes' judges awaited (candidates only; secondaries are not judged).
   * Present when a judge is configured: the joiner then compares asynchronously. Never rejects
   * for a judge's failure (verdict `error`).
   */
  compareExchangeAsync?(input: ExchangeToCompare): Promise<Map<string, PairRowComparison>>;
  /** Route template of an exchange (also for unmatched rows). */
  routeOf(exchange: CapturedExchange): string;
}
