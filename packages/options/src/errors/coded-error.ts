// The one shape of every error a shadow package throws (CONVENTIONS.md "Config and errors"): a
// closed `as const` list of codes with the package's prefix stays in the package's errors.ts; the
// base class, the `cause`/`retriable` handling and the conversion of anything thrown at a boundary
// are written here once.

export interface CodedErrorOptions {
  cause?: unknown;
  /** True when the same call may succeed later without a configuration change. */
  retriable: boolean;
}

/** Base of `TapError`, `ReplayError`, `JoinError`, ...: `code` from the package's closed list, `cause`, `retriable`. */
export abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;
  /** True when the same call may succeed later without a configuration change. */
  readonly retriable: boolean;

  protected constructor(code: Code, message: string, options: CodedErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable;
  }
}

/** The message of anything thrown: an Error's message, a string itself, anything else as JSON (else String). */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Whether a foreign error says of itself that it is retriable (`retriable: true`). */
export function saysRetriable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { retriable?: unknown }).retriable === true;
}

/** A package's error class as the converter constructs it: `new XError(code, message, { cause, retriable? })`. */
export type CodedErrorClass<E extends CodedError<string>> = new (code: E['code'], message: string, options: { cause?: unknown; retriable?: boolean }) => E;

export interface ErrorConverterOptions<E extends CodedError<string>> {
  /** Maps foreign errors it recognises (by name, code, status) to a specific error; undefined for the rest. */
  recognise?: ((value: unknown, message: string) => E | undefined) | undefined;
  /** Keep a foreign error's own `retriable: true` instead of the fallback code's default. @default false */
  keepRetriable?: boolean | undefined;
}

/**
 * Builds a package's `toXError(value, fallback?)`: an error of the class passes through unchanged;
 * a recognised foreign error becomes its specific code; anything else becomes `fallback` with the
 * original as `cause`.
 */
export function errorConverter<E extends CodedError<string>>(
  ErrorClass: CodedErrorClass<E>,
  defaultFallback: NoInfer<E['code']>,
  options: ErrorConverterOptions<E> = {},
): (value: unknown, fallback?: E['code']) => E {
  return (value, fallback = defaultFallback) => {
    if (value instanceof ErrorClass) return value;
    const message = messageOf(value);
    const recognised = options.recognise?.(value, message);
    if (recognised !== undefined) return recognised;
    return new ErrorClass(fallback, message, options.keepRetriable === true && saysRetriable(value) ? { cause: value, retriable: true } : { cause: value });
  };
}
