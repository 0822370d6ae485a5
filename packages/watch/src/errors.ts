// Every error this package throws is a WatchError with one of the codes below. What goes wrong while
// watching (a target that does not answer, a webhook that fails, a read that times out) is not
// thrown into the loop that met it: it is logged, counted through the hooks and shows as `up = 0`
// or an `insufficient` evaluation. What is thrown is a start-up or programming mistake, or a failure
// a caller asked to see (a sink insert, a one-off read).
// The codes are documented in docs/watch.md; a unit test checks that the doc lists each one.

import { CodedError, saysRetriable } from '@shadow/options';

export const WATCH_ERROR_CODES = ['WATCH_INVALID_CONFIG', 'WATCH_INVALID_ARGUMENT', 'WATCH_PARSE_FAILED', 'WATCH_SCRAPE_FAILED', 'WATCH_STORE_FAILED'] as const;

export type WatchErrorCode = (typeof WATCH_ERROR_CODES)[number];

export interface WatchErrorOptions {
  cause?: unknown;
  /** Worth trying again (a timeout, a 5xx, a lost connection). @default false */
  retriable?: boolean;
  /** Every problem found, each naming its field by full path (`rules[2].min: ...`). */
  problems?: readonly string[];
}

export class WatchError extends CodedError<WatchErrorCode> {
  override readonly name = 'WatchError';
  readonly problems: readonly string[];

  constructor(code: WatchErrorCode, message: string, options: WatchErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? false });
    this.problems = options.problems ?? [];
  }
}

export function isWatchError(error: unknown): error is WatchError {
  return error instanceof WatchError;
}

/** Any thrown value as a WatchError with `code` (a WatchError is returned as is; a foreign `retriable: true` is kept). */
export function toWatchError(error: unknown, code: WatchErrorCode, context: string): WatchError {
  if (error instanceof WatchError) return error;
  return new WatchError(code, `${context}: ${errorMessage(error)}`, { cause: error, retriable: saysRetriable(error) });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
