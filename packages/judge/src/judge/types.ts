import type { TokenUsage } from '../protocol/types.js';

/** Why a judgement is `error`. */
export const JUDGE_FAILURE_KINDS = ['timeout', 'deadline', 'network', 'http_status', 'rate_limited', 'bad_answer'] as const;
export type JudgeFailureKind = (typeof JUDGE_FAILURE_KINDS)[number];

/** Why a judgement is `not_run` (its `reason` is exactly this word). */
export const NOT_RUN_REASONS = ['sampled_out', 'budget', 'too_large', 'overloaded', 'closed', 'identical'] as const;
export type NotRunReason = (typeof NOT_RUN_REASONS)[number];

export type JudgementVerdict = 'equal' | 'different' | 'error' | 'not_run';

/** What one judge decided about one pair. */
export interface JudgementCore {
  readonly judgeId: string;
  readonly verdict: JudgementVerdict;
  /** The judge's score (any scale it uses), null when it gave none. */
  readonly score: number | null;
  /** The judge's reason; `<kind>: <why>` for `error`; exactly the NotRunReason for `not_run`. */
  readonly reason: string | null;
  /** The failure kind (error) or the NotRunReason (not_run); null for equal/different. */
  readonly kind: JudgeFailureKind | NotRunReason | null;
  /** Wall time of this judgement, queue waits and retries included. */
  readonly latencyMs: number;
  /** The verdict came from the cache, or from an identical request in flight (no call made for it). */
  readonly cached: boolean;
  /** Tokens the calls of this judgement used (`usage`; 0 when cached or not reported). */
  readonly tokens: number;
}

/**
 * Judging the judge. `secondary`: the same judge on live vs the secondary (a second copy of live):
 * the truth is `equal`, so `different` is a false difference. `reference`: another judge on the same
 * pair: disagreement where this judge says `different` and the reference `equal` is a false
 * difference by the reference's standard. null when not sampled (or no secondary).
 */
export interface JudgeAudit {
  readonly secondary: JudgementCore | null;
  readonly reference: JudgementCore | null;
}

export interface Judgement extends JudgementCore {
  /** Null when no audit was sampled for this pair. */
  readonly audit: JudgeAudit | null;
}

export type JudgementRole = 'primary' | 'audit_secondary' | 'audit_reference';

/** Metrics hooks: one `call` per HTTP attempt, one `judgement` per judgement (cache hits included). */
export type JudgeEvent =
  | {
      readonly type: 'call';
      readonly judgeId: string;
      /** 0 for the first attempt. */
      readonly attempt: number;
      /** HTTP status; null when there was no answer (timeout, network). */
      readonly status: number | null;
      /** ok: an answer was read (even garbage); retry: another attempt follows; error: given up. */
      readonly outcome: 'ok' | 'retry' | 'error';
      readonly failure: JudgeFailureKind | null;
      readonly latencyMs: number;
      readonly usage: TokenUsage | null;
    }
  | {
      readonly type: 'judgement';
      readonly judgeId: string;
      readonly role: JudgementRole;
      readonly verdict: JudgementVerdict;
      readonly kind: JudgeFailureKind | NotRunReason | null;
      readonly cached: boolean;
      readonly latencyMs: number;
      readonly tokens: number;
    };

export type JudgeEventListener = (event: JudgeEvent) => void;
