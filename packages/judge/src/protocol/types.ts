import type { JudgeSide } from '@shadow/compare';
import type { ParsedVerdict } from './verdict.js';

/** What one judgement is about: compare's JudgeContext plus both sides and, optionally, the secondary. */
export interface JudgeRequest {
  readonly exchangeId: string | null;
  readonly method: string;
  readonly route: string;
  /** JSONPath judged (`$` = whole body). */
  readonly path: string;
  readonly live: JudgeSide;
  readonly candidate: JudgeSide;
  /** A second copy of live's answer at the same path, when the exchange had one. */
  readonly secondary?: JudgeSide | null;
}

/** Tokens the server reported in `usage` for one call. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

export type AnswerParse =
  | { readonly ok: true; readonly value: ParsedVerdict; readonly usage: TokenUsage | null }
  | { readonly ok: false; readonly why: string; readonly usage: TokenUsage | null };

/** A request body ready to send, or why it is not sent (too large, too deep). */
export type BuiltRequest = { readonly body: string } | { readonly tooLarge: string };
