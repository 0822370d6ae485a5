import { CodedError, errorConverter } from '@shadow/options';

/**
 * Every error the sandbox throws carries one of these codes. The list is closed: docs/sandbox.md
 * documents each code and a unit test fails when a code is added here without being documented.
 *
 * Only the control calls (`createSandbox`, `start`, `endpoints`, `expect`, `close`) throw. A
 * challenger's call that goes wrong (a dependency down, a malformed request, a failing
 * `onSideEffect`) is answered, counted and logged; it never throws into the replayer.
 */
export const SANDBOX_ERROR_CODES = [
  'SANDBOX_INVALID_OPTION',
  'SANDBOX_INVALID_ARGUMENT',
  'SANDBOX_UNKNOWN_CHALLENGER',
  'SANDBOX_NOT_STARTED',
  'SANDBOX_CLOSED',
  'SANDBOX_LISTEN_FAILED',
  'SANDBOX_UNKNOWN',
] as const;

export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

const RETRIABLE: Readonly<Record<SandboxErrorCode, boolean>> = {
  SANDBOX_INVALID_OPTION: false,
  SANDBOX_INVALID_ARGUMENT: false,
  SANDBOX_UNKNOWN_CHALLENGER: false,
  SANDBOX_NOT_STARTED: false,
  SANDBOX_CLOSED: false,
  // A port in use may be free later (a previous process still shutting down).
  SANDBOX_LISTEN_FAILED: true,
  SANDBOX_UNKNOWN: false,
};

export interface SandboxErrorOptions {
  cause?: unknown;
  /** Overrides the code's default. */
  retriable?: boolean;
  /** SANDBOX_INVALID_OPTION: every bad field. */
  problems?: readonly { readonly field: string; readonly message: string }[];
}

export class SandboxError extends CodedError<SandboxErrorCode> {
  override readonly name = 'SandboxError';
  /** SANDBOX_INVALID_OPTION: every bad field by its path in the options (`rules[0].action`); empty otherwise. */
  readonly problems: readonly { readonly field: string; readonly message: string }[];

  constructor(code: SandboxErrorCode, message: string, options: SandboxErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE[code] });
    this.problems = Object.freeze([...(options.problems ?? [])]);
  }
}

export function isSandboxError(value: unknown): value is SandboxError {
  return value instanceof SandboxError;
}

/** Converts anything thrown at a boundary (Node's net stack, smtp-server) into a SandboxError. */
export const toSandboxError: (value: unknown, fallback?: SandboxErrorCode) => SandboxError = errorConverter(SandboxError, 'SANDBOX_UNKNOWN');
