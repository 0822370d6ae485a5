// Every error this package throws is a ContractsError with one of the codes below. Errors from
// avsc, the schema-registry client and Node's network stack are converted at the boundary by
// toContractsError, so callers branch on `code` / `retriable` and never on foreign classes.
// The codes are documented in docs/contracts.md; a unit test checks that the doc lists each one.

import { CodedError, errorConverter } from '@shadow/options';

export const CONTRACTS_ERROR_CODES = [
  'CONTRACTS_INVALID_ARGUMENT',
  'CONTRACTS_ENCODE_FAILED',
  'CONTRACTS_DECODE_FAILED',
  'CONTRACTS_WIRE_FORMAT',
  'CONTRACTS_NOT_INITIALIZED',
  'CONTRACTS_SCHEMA_INVALID',
  'CONTRACTS_SCHEMA_INCOMPATIBLE',
  'CONTRACTS_SCHEMA_NOT_FOUND',
  'CONTRACTS_SUBJECT_COMPATIBILITY_MISMATCH',
  'CONTRACTS_REGISTRY_UNAVAILABLE',
  'CONTRACTS_REGISTRY_ERROR',
  'CONTRACTS_KAFKA_UNAVAILABLE',
  'CONTRACTS_UNKNOWN',
] as const;

export type ContractsErrorCode = (typeof CONTRACTS_ERROR_CODES)[number];

/** Codes worth retrying as-is: the same call may succeed later. */
const RETRIABLE: ReadonlySet<ContractsErrorCode> = new Set(['CONTRACTS_REGISTRY_UNAVAILABLE', 'CONTRACTS_KAFKA_UNAVAILABLE']);

export interface ContractsErrorOptions {
  cause?: unknown;
  /** @default true for CONTRACTS_REGISTRY_UNAVAILABLE and CONTRACTS_KAFKA_UNAVAILABLE, false otherwise */
  retriable?: boolean;
}

export class ContractsError extends CodedError<ContractsErrorCode> {
  override readonly name = 'ContractsError';

  constructor(code: ContractsErrorCode, message: string, options: ContractsErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE.has(code) });
  }
}

export function isContractsError(error: unknown): error is ContractsError {
  return error instanceof ContractsError;
}

// mappersmith (under the registry client) reports network failures as status 400 with the socket
// error in the message, so the message is the only way to tell "registry down" from a bad request.
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout/i;

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

function recognise(error: unknown, message: string): ContractsError | undefined {
  const name = error instanceof Error ? error.name : '';

  if (name === 'ConfluentSchemaRegistryCompatibilityError') {
    return new ContractsError(
      'CONTRACTS_SUBJECT_COMPATIBILITY_MISMATCH',
      `subject compatibility level differs from the one this package registers with: ${message}`,
      { cause: error },
    );
  }
  if (name === 'ConfluentSchemaRegistryInvalidSchemaError') {
    return new ContractsError('CONTRACTS_SCHEMA_INVALID', message, { cause: error });
  }
  if (name === 'ConfluentSchemaRegistryValidationError') {
    return new ContractsError('CONTRACTS_ENCODE_FAILED', message, { cause: error });
  }

  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 409) {
      return new ContractsError('CONTRACTS_SCHEMA_INCOMPATIBLE', `schema registry rejected the schema as incompatible: ${message}`, { cause: error });
    }
    if (status === 404) return new ContractsError('CONTRACTS_SCHEMA_NOT_FOUND', message, { cause: error });
    if (status === 422) return new ContractsError('CONTRACTS_SCHEMA_INVALID', message, { cause: error });
    if (status >= 500 || status === 408 || status === 429 || (status === 400 && NETWORK_FAILURE.test(message))) {
      return new ContractsError('CONTRACTS_REGISTRY_UNAVAILABLE', `schema registry unavailable: ${message}`, { cause: error });
    }
    return new ContractsError('CONTRACTS_REGISTRY_ERROR', message, { cause: error });
  }

  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (typeof code === 'string' && NETWORK_FAILURE.test(code)) {
    return new ContractsError('CONTRACTS_REGISTRY_UNAVAILABLE', `schema registry unavailable: ${message}`, { cause: error });
  }
  return undefined;
}

/**
 * Converts anything thrown by avsc, the registry client or the network into a ContractsError.
 * A ContractsError passes through unchanged. `fallback` is the code used when nothing more
 * specific is recognised (e.g. CONTRACTS_ENCODE_FAILED around an avsc call).
 */
export const toContractsError: (error: unknown, fallback?: ContractsErrorCode) => ContractsError = errorConverter(ContractsError, 'CONTRACTS_UNKNOWN', {
  recognise,
});
