// Input and result shapes of comparePair. Inputs are this package's own structural types (the
// joiner maps CapturedExchange / ShadowResult / SideEffect onto them; a Buffer is a Uint8Array).
// The result is flat and JSON-serialisable (no bigint, no Map, no class instances) so the joiner
// can map it field by field onto ClickHouse rows.

import type { BodyKind } from './body/body.js';
import type { JsonDiffKind } from './json/json-diff.js';
import type { OutcomeError, OutcomeType } from './outcomes/outcomes.js';
import type { RouteSource } from './route/route-templater.js';

/** One side's answer to the same request (live, candidate or secondary). */
export interface AnswerInput {
  /** HTTP status; 0 when there was no answer (see errorKind). */
  readonly status: number;
  /** Lower-case header name -> values. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Uint8Array;
  readonly contentType: string | null;
  readonly latencyUs: number;
  /** Null when the side answered; else `timeout`, `connection_refused`, ... (open vocabulary). */
  readonly errorKind: string | null;
  /** The capture cut the body: it is compared by hash of what was kept. */
  readonly bodyTruncated: boolean;
}

/** One outbound call a side made while handling the request. */
export interface SideEffectInput {
  /** HTTP method or SMTP verb; empty when not applicable (then `operation` names the call). */
  readonly method: string;
  /** host:port, database, mail domain, ... */
  readonly target: string;
  /** Path (and query) of an HTTP call; empty when not applicable. */
  readonly path: string;
  /** e.g. `POST /v1/charges`, `INSERT orders`, `send`. */
  readonly operation: string;
  readonly requestBody: Uint8Array;
  /** `http`, `email`, `db`, `payment`, `queue`, `other` (open vocabulary). */
  readonly dependencyKind: string;
  /**
   * What answered the call (the SideEffect's disposition): `live` (live's real call), `recorded`,
   * `forwarded`, `stub`, `blocked`, `captured` (the sandbox's, docs/sandbox.md). Absent or empty:
   * unknown, never a cause of a sandbox-induced difference.
   */
  readonly disposition?: string;
  /** Status the caller received (0: none). Only shown in sandbox causes. */
  readonly responseStatus?: number;
}

/** One exchange as compared: live's answer, the candidate's, and optionally a second copy of live. */
export interface PairInput {
  /** Used in judge calls only. */
  readonly exchangeId?: string;
  readonly method: string;
  /** Request path; a query string or full URL is fine (ignored for templating). */
  readonly path: string;
  /** The tap's route template when the framework knew it. */
  readonly routeTemplate?: string | null;
  readonly live: AnswerInput;
  readonly candidate: AnswerInput;
  /** A second copy of live answering the same request: the noise baseline (Diffy's "secondary"). */
  readonly secondary?: AnswerInput | null;
  /** Omit (undefined) on both sides when side effects were not collected: they are then not compared. */
  readonly liveSideEffects?: readonly SideEffectInput[];
  readonly candidateSideEffects?: readonly SideEffectInput[];
  readonly secondarySideEffects?: readonly SideEffectInput[];
}

/** Body-level kinds, reported at path `$`, besides the structural JSON kinds. */
export const BODY_DIFF_KINDS = ['body_kind_changed', 'text_changed', 'bytes_changed', 'hash_changed'] as const;
export type BodyDiffKind = (typeof BODY_DIFF_KINDS)[number];

export type DiffKind = JsonDiffKind | BodyDiffKind;

/**
 * Why a difference is noise: `secondary` (live and the secondary disagreed there in this very
 * pair), `statistical` (over the pairs seen so far, the candidate does not differ there
 * significantly more often than the secondary does).
 */
export type NoiseReason = 'secondary' | 'statistical';

/** One differing body path in one pair (all concrete occurrences of a collapsed path and kind). */
export interface PathDiff {
  /** Collapsed JSONPath, array indices as `[*]`: `$.items[*].price`. `$` for body-level kinds. */
  readonly path: string;
  readonly kind: DiffKind;
  /** One concrete occurrence: `$.items[3].price`. */
  readonly examplePath: string;
  /** Live's value at examplePath as JSON text (cut to maxValueChars); null when absent. */
  readonly liveValue: string | null;
  /** The candidate's value, likewise. */
  readonly candidateValue: string | null;
  /** Concrete occurrences in this pair. */
  readonly count: number;
  /** True when every occurrence is noise (see NoiseReason); noisy diffs do not break bodyMatch. */
  readonly noisy: boolean;
  readonly noiseReason: NoiseReason | null;
}

export type HeaderDiffKind = 'value_changed' | 'missing_in_candidate' | 'extra_in_candidate';

export interface HeaderDiff {
  /** Lower-case header name. */
  readonly name: string;
  readonly kind: HeaderDiffKind;
  /** Values joined with ", "; null when absent. */
  readonly liveValue: string | null;
  readonly candidateValue: string | null;
  readonly noisy: boolean;
  readonly noiseReason: NoiseReason | null;
}

export type SideEffectDiffKind = 'missing_in_candidate' | 'extra_in_candidate' | 'payload_changed';

export interface SideEffectDiff {
  /** `<dependencyKind> <METHOD|operation> <target><path template>`, e.g. `http POST payments:443/v1/charges/:id`. */
  readonly key: string;
  readonly kind: SideEffectDiffKind;
  /** Collapsed JSONPath inside the payload for payload_changed (`$` when not JSON); null otherwise. */
  readonly path: string | null;
  readonly examplePath: string | null;
  readonly liveValue: string | null;
  readonly candidateValue: string | null;
  readonly noisy: boolean;
  readonly noiseReason: NoiseReason | null;
}

export type JudgeVerdict = 'equal' | 'different' | 'error';

/**
 * `not_run` with `path` null: no judge was needed (no judge on the route, nothing differed in its
 * scope) or sync comparePair. `not_run` with a `path`: the judge was needed and skipped the pair
 * (`kind`/`reason` say why: sampled_out, budget, ...); its differences are kept.
 */
export interface JudgeOutcome {
  readonly verdict: JudgeVerdict | 'not_run';
  readonly score: number | null;
  /** The judge's reason; for `error` what failed, for `not_run` why it did not run. Cut to MAX_JUDGE_REASON_CHARS. */
  readonly reason: string | null;
  /** JSONPath the judge looked at (`$` = whole body); null when no judge was needed. */
  readonly path: string | null;
  /** The rule's `judge.use`, else the id the judge answered with; null when none. */
  readonly judgeId: string | null;
  /** `error`: timeout, deadline, bad_answer, exception, ... (open vocabulary); `not_run`: the reason; else null. */
  readonly kind: string | null;
  /** Time the judgement took as the judge reports it (else as compare measured it); null when no judge was called. */
  readonly latencyMs: number | null;
  readonly cached: boolean;
  readonly tokens: number;
  /** Judging the judge on this pair; null when no audit ran. */
  readonly audit: JudgeAuditOutcome | null;
}

export interface JudgeAuditOutcome {
  /** The judge's verdict on live vs the secondary (should be `equal`); null when not run. */
  readonly secondaryVerdict: JudgeVerdict | 'not_run' | null;
  readonly referenceJudgeId: string | null;
  /** The reference judge's verdict on the same pair; null when not run. */
  readonly referenceVerdict: JudgeVerdict | 'not_run' | null;
}

/** A declared business outcome extracted from both sides (see extractOutcomes). */
export interface OutcomeComparison {
  readonly name: string;
  readonly type: OutcomeType;
  readonly live: number | string | string[] | null;
  readonly candidate: number | string | string[] | null;
  readonly liveError: OutcomeError | null;
  readonly candidateError: OutcomeError | null;
}

export type BodyComparison = 'json' | 'text' | 'bytes' | 'hash' | 'kinds' | 'empty' | 'skipped';

/** Everything comparePair found about one pair. */
export interface PairComparison {
  readonly route: string;
  readonly routeSource: RouteSource;
  readonly method: string;
  /** All of: status (or noisy status), error kind, headers, body, side effects match. */
  readonly match: boolean;

  readonly statusMatch: boolean;
  /** Live and the secondary answered different statuses: a status difference here is noise. */
  readonly statusNoisy: boolean;
  readonly liveStatus: number;
  readonly candidateStatus: number;
  readonly secondaryStatus: number | null;

  readonly errorMatch: boolean;
  readonly liveErrorKind: string | null;
  readonly candidateErrorKind: string | null;

  readonly liveLatencyUs: number;
  readonly candidateLatencyUs: number;
  /** candidate - live, microseconds. */
  readonly latencyDeltaUs: number;

  /** No non-noisy header difference among the compared headers (errorMatch when a side did not answer). */
  readonly headersMatch: boolean;
  readonly headerDiffs: readonly HeaderDiff[];

  /** No non-noisy body difference (and the judge, when it ran, did not say different/error); errorMatch when a side did not answer. */
  readonly bodyMatch: boolean;
  /** How the bodies were compared: JSON structure, text, bytes (hash + size), hash only (too large/truncated), kinds differ, both empty, skipped (a side did not answer). */
  readonly bodyComparison: BodyComparison;
  readonly liveBodyKind: BodyKind;
  readonly candidateBodyKind: BodyKind;
  readonly liveBodySize: number;
  readonly candidateBodySize: number;
  /** 64-bit non-cryptographic hash, 16 hex digits (see hashBytes). */
  readonly liveBodyHash: string;
  readonly candidateBodyHash: string;
  /** Parser message when a side's kind is invalid_json. */
  readonly liveBodyError: string | null;
  readonly candidateBodyError: string | null;
  readonly diffs: readonly PathDiff[];
  /** Diffs (collapsed entries) that count, and those that are noise. */
  readonly realDiffCount: number;
  readonly noisyDiffCount: number;
  /** Concrete differences dropped by ignore rules, and by comparators (tolerance, custom, judge equal). */
  readonly ignoredDiffCount: number;
  readonly toleratedDiffCount: number;
  /** maxDiffs reached: more differences may exist. */
  readonly diffsTruncated: boolean;
  /** A subtree deeper than maxDepth was compared whole. */
  readonly depthLimited: boolean;
  /** A custom comparator threw; its differences were kept. */
  readonly comparatorError: string | null;

  /** False when side effects were not provided for both sides. */
  readonly sideEffectsCompared: boolean;
  readonly sideEffectsMatch: boolean;
  readonly liveWriteCount: number;
  readonly candidateWriteCount: number;
  readonly sideEffectDiffs: readonly SideEffectDiff[];

  readonly judge: JudgeOutcome;
  readonly outcomes: readonly OutcomeComparison[];

  /** A secondary answered and was used as the noise baseline for this pair. */
  readonly secondaryCompared: boolean;
  /**
   * Where the secondary differed from live (noise evidence), once per (path, kind): collapsed body
   * paths, `header:<name>`, `effect:<key>[ <payload path>]`. Stored with the pair, it lets the
   * analysis apply the Diffy rule over a whole window in SQL (raw = pairs whose `diffs` have the
   * path, noise = pairs whose `secondaryDiffs` have it), not only the online verdict in `noisy`.
   */
  readonly secondaryDiffs: readonly SecondaryDiff[];

  /**
   * Calls of the candidate the sandbox answered in a way live never was (empty when side effects
   * carry no disposition). See SandboxCause.
   */
  readonly sandboxCauses: readonly SandboxCause[];
  /**
   * The candidate answered, its answer (status, headers or body, noise aside) differs from live's,
   * and it received at least one sandbox cause: those answer differences may be the sandbox's, not
   * the candidate's. Side-effect differences are never sandbox-induced (they are what the candidate
   * tried to do). `match` is unchanged: the analysis decides what to count (docs/compare.md).
   */
  readonly sandboxInduced: boolean;
}

/**
 * A call whose answer the sandbox made, or shaped, and live never got (see sandboxCauses):
 * `sandbox_answer`: the sandbox answered it itself (disposition `blocked`: a 503 for a write with no
 * recording, a refused target, a closed tunnel; or `stub`); `read_after_live_write`: a read the
 * sandbox forwarded to the real dependency, which live had already written to in this exchange.
 */
export interface SandboxCause {
  readonly kind: SandboxCauseKind;
  /** The call's side-effect key: `http POST store:8080/v2/orders/:id`. */
  readonly key: string;
  readonly disposition: string;
  /** Status the challenger received (0: none). */
  readonly status: number;
}

export type SandboxCauseKind = 'sandbox_answer' | 'read_after_live_write';

export interface SecondaryDiff {
  readonly path: string;
  readonly kind: string;
}
