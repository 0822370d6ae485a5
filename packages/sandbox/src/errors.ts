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

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: SandboxErrorCode;
  /** True when the same call may succeed later without a configuration change. */
  readonly retriable: boolean;
  /** SANDBOX_INVALID_OPTION: every bad field by its path in the options (`rules[0].action`); empty otherwise. */
  readonly problems: readonly { readonly field: string; readonly message: string }[];

  constructor(code: SandboxErrorCode, message: string, options: SandboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE[code];
    this.problems = Object.freeze([...(options.problems ?? [])]);
  }
}

export function isSandboxError(value: unknown): value is SandboxError {
  return value instanceof SandboxError;
}

/** Converts anything thrown at a boundary (Node's net stack, smtp-server) into a SandboxError. */
export function toSandboxError(value: unknown, fallback: SandboxErrorCode = 'SANDBOX_UNKNOWN'): SandboxError {
  if (value instanceof SandboxError) return value;
  const message = value instanceof Error ? value.message : typeof value === 'string' ? value : 'non-error value thrown';
  return new SandboxError(fallback, message, { cause: value });
}
