/**
 * Every error the tap raises carries one of these codes. The list is closed: docs/tap.md documents
 * each code and a unit test fails when a code is added here without being documented there.
 *
 * Only start-up and shutdown calls (`createTap`, `start`, `close`) throw. Errors on the live request
 * path are caught, counted and logged with their code; they never reach the application.
 */
export const TAP_ERROR_CODES = [
  'TAP_INVALID_OPTION',
  'TAP_CLOSED',
  'TAP_CAPTURE_FAILED',
  'TAP_TRANSPORT_FAILED',
  'TAP_TOPIC_MISSING',
  'TAP_UNKNOWN',
] as const;

export type TapErrorCode = (typeof TAP_ERROR_CODES)[number];

const RETRIABLE: Readonly<Record<TapErrorCode, boolean>> = {
  TAP_INVALID_OPTION: false,
  TAP_CLOSED: false,
  TAP_CAPTURE_FAILED: false,
  TAP_TRANSPORT_FAILED: true,
  // someone must create the topic (or allow the tap to): retrying as-is cannot succeed
  TAP_TOPIC_MISSING: false,
  TAP_UNKNOWN: false,
};

export interface TapErrorOptions {
  cause?: unknown;
  /** Overrides the code's default. */
  retriable?: boolean;
}

export class TapError extends Error {
  override readonly name = 'TapError';
  readonly code: TapErrorCode;
  /** True when the same call may succeed later without a configuration change. */
  readonly retriable: boolean;

  constructor(code: TapErrorCode, message: string, options: TapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE[code];
  }
}

export function isTapError(value: unknown): value is TapError {
  return value instanceof TapError;
}

/**
 * Converts anything thrown at a boundary (transport, user callbacks, Node internals) into a TapError.
 * A TapError passes through unchanged; anything else becomes `fallback` with the original as cause.
 */
export function toTapError(value: unknown, fallback: TapErrorCode = 'TAP_UNKNOWN'): TapError {
  if (value instanceof TapError) return value;
  const message = value instanceof Error ? value.message : typeof value === 'string' ? value : 'non-error value thrown';
  return new TapError(fallback, message, { cause: value });
}
