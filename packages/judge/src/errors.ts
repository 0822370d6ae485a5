// Every error this package throws is a JudgeError with one of the codes below. A judge that fails
// at run time (timeout, garbage, HTTP 500, budget spent) is never thrown: it is a verdict (`error`,
// `not_run`) with a reason, so the pair keeps its differences and says why. What is thrown is a
// programming or start-up mistake: bad configuration, an unknown judge id.
// The codes are documented in docs/judge.md; a unit test checks that the doc lists each one.

export const JUDGE_ERROR_CODES = [
  'JUDGE_INVALID_CONFIG',
  'JUDGE_UNKNOWN_JUDGE',
] as const;

export type JudgeErrorCode = (typeof JUDGE_ERROR_CODES)[number];

export interface JudgeErrorOptions {
  cause?: unknown;
  /** Every problem found, each naming its field by full path (`judges.summary.timeoutMs: ...`). */
  problems?: readonly string[];
}

export class JudgeError extends Error {
  override readonly name = 'JudgeError';
  readonly code: JudgeErrorCode;
  /** Nothing this package throws gets better by retrying. */
  readonly retriable = false;
  readonly problems: readonly string[];

  constructor(code: JudgeErrorCode, message: string, options: JudgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

export function isJudgeError(error: unknown): error is JudgeError {
  return error instanceof JudgeError;
}
