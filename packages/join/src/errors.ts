// Every error this package throws is a JoinError with one of the codes below; foreign errors are
// converted at the boundary by toJoinError. The codes are documented in docs/joiner.md and a unit
// test checks that the doc lists each one.

import { CodedError, errorConverter } from '@shadow/options';

export const JOIN_ERROR_CODES = [
  'JOIN_INVALID_OPTIONS',
  'JOIN_TOPIC_MISSING',
  'JOIN_PARTITION_MISMATCH',
  'JOIN_INSERT_FAILED',
  'JOIN_COMMIT_FAILED',
  'JOIN_CLOSED',
  'JOIN_UNKNOWN',
] as const;

export type JoinErrorCode = (typeof JOIN_ERROR_CODES)[number];

const RETRIABLE: ReadonlySet<JoinErrorCode> = new Set(['JOIN_INSERT_FAILED', 'JOIN_COMMIT_FAILED']);

export interface JoinErrorOptions {
  cause?: unknown;
  /** @default true for JOIN_INSERT_FAILED and JOIN_COMMIT_FAILED, false otherwise */
  retriable?: boolean;
}

export class JoinError extends CodedError<JoinErrorCode> {
  override readonly name = 'JoinError';

  constructor(code: JoinErrorCode, message: string, options: JoinErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE.has(code) });
  }
}

export function isJoinError(error: unknown): error is JoinError {
  return error instanceof JoinError;
}

/** Converts anything thrown into a JoinError (a JoinError passes through unchanged; a foreign `retriable: true` is kept). */
export const toJoinError: (error: unknown, code?: JoinErrorCode) => JoinError = errorConverter(JoinError, 'JOIN_UNKNOWN', { keepRetriable: true });
