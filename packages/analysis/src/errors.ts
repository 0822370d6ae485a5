// Every error this package throws is an AnalysisError with one of the codes below, so the CLI maps
// them to exit codes and messages without knowing foreign classes. The codes are documented in
// docs/gate.md; a unit test checks that the doc lists each one and no other.

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

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  readonly code: AnalysisErrorCode;
  readonly retriable: boolean;
  readonly fields: readonly string[];

  constructor(code: AnalysisErrorCode, message: string, options: AnalysisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.fields = Object.freeze([...(options.fields ?? [])]);
  }
}

export function isAnalysisError(error: unknown): error is AnalysisError {
  return error instanceof AnalysisError;
}

/** Converts anything thrown into an AnalysisError; an AnalysisError passes through unchanged. */
export function toAnalysisError(error: unknown, fallback: AnalysisErrorCode = 'ANALYSIS_UNKNOWN'): AnalysisError {
  if (error instanceof AnalysisError) return error;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  const retriable = typeof error === 'object' && error !== null && 'retriable' in error && (error as { retriable: unknown }).retriable === true;
  return new AnalysisError(fallback, message, { cause: error, retriable });
}
