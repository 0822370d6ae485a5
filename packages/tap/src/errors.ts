import { CodedError, errorConverter } from '@shadow/options';

/**
 * Every error the tap raises carries one of these codes. The list is closed: docs/tap.md documents
 * each code and a unit test fails when a code is added here without being documented there.
 *
 * Only start-up and shutdown calls (`createTap`, `start`, `close`) throw. Errors on the live request
 * path are caught, counted and logged with their code; they never reach the application.
 */
export const TAP_ERROR_CODES = ['TAP_INVALID_OPTION', 'TAP_CLOSED', 'TAP_CAPTURE_FAILED', 'TAP_TRANSPORT_FAILED', 'TAP_TOPIC_MISSING', 'TAP_UNKNOWN'] as const;

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

export class TapError extends CodedError<TapErrorCode> {
  override readonly name = 'TapError';

  constructor(code: TapErrorCode, message: string, options: TapErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE[code] });
  }
}

export function isTapError(value: unknown): value is TapError {
  return value instanceof TapError;
}

/**
 * Converts anything thrown at a boundary (transport, user callbacks, Node internals) into a TapError.
 * A TapError passes through unchanged; anything else becomes `fallback` with the original as cause.
 */
export const toTapError: (value: unknown, fallback?: TapErrorCode) => TapError = errorConverter(TapError, 'TAP_UNKNOWN');
