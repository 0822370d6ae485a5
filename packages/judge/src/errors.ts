// Every error this package throws is a JudgeError with one of the codes below. A judge that fails
// at run time (timeout, garbage, HTTP 500, budget spent) is never thrown: it is a verdict (`error`,
// `not_run`) with a reason, so the pair keeps its differences and says why. What is thrown is a
// programming or start-up mistake: bad configuration, an unknown judge id.
// The codes are documented in docs/judge.md; a unit test checks that the doc lists each one.

import { CodedError } from '@shadow/options';

export const JUDGE_ERROR_CODES = ['JUDGE_INVALID_CONFIG', 'JUDGE_UNKNOWN_JUDGE'] as const;

export type JudgeErrorCode = (typeof JUDGE_ERROR_CODES)[number];

export interface JudgeErrorOptions {
  cause?: unknown;
  /** Every problem found, each naming its field by full path (`judges.summary.timeoutMs: ...`). */
  problems?: readonly string[];
}

export class JudgeError extends CodedError<JudgeErrorCode> {
  override readonly name = 'JudgeError';
  readonly problems: readonly string[];

  /** Nothing this package throws gets better by retrying: `retriable` is always false. */
  constructor(code: JudgeErrorCode, message: string, options: JudgeErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: false });
    this.problems = options.problems ?? [];
  }
}

export function isJudgeError(error: unknown): error is JudgeError {
  return error instanceof JudgeError;
}
