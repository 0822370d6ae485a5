// Every error this package throws is an AnalysisError with one of the codes below, so the CLI maps
// them to exit codes and messages without knowing foreign classes. The codes are documented in
// docs/gate.md; a unit test checks that the doc lists each one and no other.

import { CodedError, errorConverter } from '@shadow/options';

export const ANALYSIS_ERROR_CODES = [
  'ANALYSIS_INVALID_CRITERIA',
  'ANALYSIS_CRITERIA_UNREADABLE',
  'ANALYSIS_INVALID_ARGUMENT',
  'ANALYSIS_INVALID_MEASUREMENTS',
  'ANALYSIS_QUERY_FAILED',
  'ANALYSIS_UNKNOWN',
] as const;

export type AnalysisErrorCode = (typeof ANALYSIS_ERROR_CODES)[number];

export interface AnalysisErrorOptions {
  cause?: unknown;
  /** @default false */
  retriable?: boolean;
  /**
   * Field paths at fault, e.g. `criteria.routes["/users/:id"].agreement.min`, for
   * ANALYSIS_INVALID_CRITERIA and ANALYSIS_INVALID_MEASUREMENTS.
   * @default []
   */
  fields?: readonly string[];
}

export class AnalysisError extends CodedError<AnalysisErrorCode> {
  override readonly name = 'AnalysisError';
  readonly fields: readonly string[];

  constructor(code: AnalysisErrorCode, message: string, options: AnalysisErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? false });
    this.fields = Object.freeze([...(options.fields ?? [])]);
  }
}

export function isAnalysisError(error: unknown): error is AnalysisError {
  return error instanceof AnalysisError;
}

/** Converts anything thrown into an AnalysisError; an AnalysisError passes through unchanged (a foreign `retriable: true` is kept). */
export const toAnalysisError: (error: unknown, fallback?: AnalysisErrorCode) => AnalysisError = errorConverter(AnalysisError, 'ANALYSIS_UNKNOWN', {
  keepRetriable: true,
});
