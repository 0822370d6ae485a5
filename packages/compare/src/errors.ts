// Every error this package throws is a CompareError with one of the codes below. The package is
// pure, so errors only come from bad configuration (found once, at start-up, naming the field) or
// from a caller handing in something that is not what the types say. A body that is not what its
// content type claims is never an error: it is classified and reported in the comparison.
// The codes are documented in docs/compare.md; a unit test checks that the doc lists each one.

import { CodedError, errorConverter } from '@shadow/options';

export const COMPARE_ERROR_CODES = ['COMPARE_INVALID_CONFIG', 'COMPARE_INVALID_JSONPATH', 'COMPARE_INVALID_OUTCOME', 'COMPARE_INVALID_INPUT'] as const;

export type CompareErrorCode = (typeof COMPARE_ERROR_CODES)[number];

export interface CompareErrorOptions {
  cause?: unknown;
  /** Dotted name of the offending option or input field, e.g. `routes[2].ignorePaths[0]`. */
  field?: string;
  /** Nothing this package throws is worth retrying as is. @default false */
  retriable?: boolean;
}

export class CompareError extends CodedError<CompareErrorCode> {
  override readonly name = 'CompareError';
  /** The option or input field at fault, when there is one. */
  readonly field: string | null;

  constructor(code: CompareErrorCode, message: string, options: CompareErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? false });
    this.field = options.field ?? null;
  }
}

export function isCompareError(error: unknown): error is CompareError {
  return error instanceof CompareError;
}

/** Converts anything thrown (e.g. by an injected function) into a CompareError. */
export const toCompareError: (error: unknown, fallback?: CompareErrorCode) => CompareError = errorConverter(CompareError, 'COMPARE_INVALID_INPUT');
