// Every failure this package reports, and every foreign error callers catch from the client, ends up
// as one ClickHouseError with a closed `CH_` code. Foreign errors come in four shapes: @clickhouse/client
// server errors (two copies of that class exist at runtime, ours and the one chdb bundles via
// @clickhouse/client-common, so they are recognised by shape, never by instanceof), chDB's own
// `CHDB_*` errors, Node socket errors, and the client's plain `Error`s for timeouts and aborts.
// The list of codes is documented in docs/clickhouse.md; a unit test keeps the two in step.

import { CodedError, messageOf } from '@shadow/options';

export const CLICKHOUSE_ERROR_CODES = [
  'CH_INVALID_OPTIONS',
  'CH_EMBEDDED_PATH_CONFLICT',
  'CH_EMBEDDED_UNAVAILABLE',
  'CH_CONNECTION',
  'CH_TIMEOUT',
  'CH_ABORTED',
  'CH_CLOSED',
  'CH_AUTHENTICATION',
  'CH_ACCESS_DENIED',
  'CH_UNKNOWN_DATABASE',
  'CH_UNKNOWN_TABLE',
  'CH_SYNTAX',
  'CH_BAD_DATA',
  'CH_OVERLOADED',
  'CH_QUERY',
  'CH_UNKNOWN',
] as const;

export type ClickHouseErrorCode = (typeof CLICKHOUSE_ERROR_CODES)[number];

/** Whether retrying the same call later can succeed without anyone changing code or config. */
const RETRIABLE: Readonly<Record<ClickHouseErrorCode, boolean>> = {
  CH_INVALID_OPTIONS: false,
  CH_EMBEDDED_PATH_CONFLICT: false,
  CH_EMBEDDED_UNAVAILABLE: false,
  CH_CONNECTION: true,
  CH_TIMEOUT: true,
  CH_ABORTED: false,
  CH_CLOSED: false,
  CH_AUTHENTICATION: false,
  CH_ACCESS_DENIED: false,
  CH_UNKNOWN_DATABASE: false,
  CH_UNKNOWN_TABLE: false,
  CH_SYNTAX: false,
  CH_BAD_DATA: false,
  CH_OVERLOADED: true,
  CH_QUERY: false,
  CH_UNKNOWN: false,
};

export interface ClickHouseErrorOptions {
  cause?: unknown;
  /** ClickHouse's numeric exception code, e.g. 60. */
  serverCode?: number | undefined;
  /** ClickHouse's exception name, e.g. `UNKNOWN_TABLE`. */
  serverType?: string | undefined;
}

export class ClickHouseError extends CodedError<ClickHouseErrorCode> {
  override readonly name = 'ClickHouseError';
  /** ClickHouse's numeric exception code when the engine reported one (both modes), else undefined. */
  readonly serverCode: number | undefined;
  /** ClickHouse's exception name (`UNKNOWN_TABLE`, ...) when the engine reported one, else undefined. */
  readonly serverType: string | undefined;

  constructor(code: ClickHouseErrorCode, message: string, options: ClickHouseErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: RETRIABLE[code] });
    this.serverCode = options.serverCode;
    this.serverType = options.serverType;
  }
}

export function isClickHouseError(value: unknown): value is ClickHouseError {
  return value instanceof ClickHouseError;
}

// ClickHouse exception codes (src/Common/ErrorCodes.cpp) that callers branch on. Anything else the
// engine reports becomes CH_QUERY and keeps serverCode/serverType for the curious.
const SERVER_CODES: ReadonlyMap<number, ClickHouseErrorCode> = new Map<number, ClickHouseErrorCode>([
  [192, 'CH_AUTHENTICATION'], // UNKNOWN_USER
  [193, 'CH_AUTHENTICATION'], // WRONG_PASSWORD
  [194, 'CH_AUTHENTICATION'], // REQUIRED_PASSWORD
  [516, 'CH_AUTHENTICATION'], // AUTHENTICATION_FAILED
  [164, 'CH_ACCESS_DENIED'], // READONLY
  [497, 'CH_ACCESS_DENIED'], // ACCESS_DENIED
  [81, 'CH_UNKNOWN_DATABASE'], // UNKNOWN_DATABASE
  [60, 'CH_UNKNOWN_TABLE'], // UNKNOWN_TABLE
  [62, 'CH_SYNTAX'], // SYNTAX_ERROR
  [6, 'CH_BAD_DATA'], // CANNOT_PARSE_TEXT
  [26, 'CH_BAD_DATA'], // CANNOT_PARSE_QUOTED_STRING
  [27, 'CH_BAD_DATA'], // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  [38, 'CH_BAD_DATA'], // CANNOT_PARSE_DATE
  [41, 'CH_BAD_DATA'], // CANNOT_PARSE_DATETIME
  [72, 'CH_BAD_DATA'], // CANNOT_PARSE_NUMBER
  [117, 'CH_BAD_DATA'], // INCORRECT_DATA (e.g. unknown field in JSONEachRow)
  [159, 'CH_TIMEOUT'], // TIMEOUT_EXCEEDED (max_execution_time)
  [209, 'CH_TIMEOUT'], // SOCKET_TIMEOUT
  [210, 'CH_CONNECTION'], // NETWORK_ERROR
  [202, 'CH_OVERLOADED'], // TOO_MANY_SIMULTANEOUS_QUERIES
  [241, 'CH_OVERLOADED'], // MEMORY_LIMIT_EXCEEDED
  [242, 'CH_OVERLOADED'], // TABLE_IS_READ_ONLY (replica lost its keeper session)
  [252, 'CH_OVERLOADED'], // TOO_MANY_PARTS
]);

const NETWORK_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const TIMEOUT_ERRNOS: ReadonlySet<string> = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** chDB's wording (3.4) when a second data directory is opened in one process, or too early after a close. */
const CHDB_PATH_CONFLICT_MESSAGES = ['only one active data directory per process', 'is still releasing its connection'];
const isPathConflict = (message: string) => CHDB_PATH_CONFLICT_MESSAGES.some((m) => message.includes(m));

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node 20's happy-eyeballs connect rejects with an AggregateError per address family.
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  return undefined;
}

/** @clickhouse/client's ClickHouseError: numeric-string `code` plus `type`, from either copy of the class. */
function serverErrorOf(err: unknown): { serverCode: number; serverType: string | undefined } | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, type, clickhouseCode } = err as { code?: unknown; type?: unknown; clickhouseCode?: unknown };
  const serverType = typeof type === 'string' ? type : undefined;
  if (typeof code === 'string' && /^\d+$/.test(code)) return { serverCode: Number(code), serverType };
  // chDB errors that the connection did not re-wrap still carry the engine's code.
  if (typeof clickhouseCode === 'number') return { serverCode: clickhouseCode, serverType };
  return undefined;
}

function fromChdbCode(code: string, message: string): ClickHouseErrorCode | undefined {
  switch (code) {
    case 'CHDB_CONNECTION':
      return isPathConflict(message) ? 'CH_EMBEDDED_PATH_CONFLICT' : 'CH_EMBEDDED_UNAVAILABLE';
    case 'CHDB_PLATFORM':
    case 'CHDB_ABI':
      return 'CH_EMBEDDED_UNAVAILABLE';
    case 'CHDB_CLOSED':
      return 'CH_CLOSED';
    case 'CHDB_TIMEOUT':
      return 'CH_TIMEOUT';
    case 'CHDB_ABORT':
      return 'CH_ABORTED';
    case 'CHDB_SYNTAX':
      return 'CH_SYNTAX';
    default:
      return code.startsWith('CHDB_') ? 'CH_QUERY' : undefined;
  }
}

/**
 * Converts anything thrown by @clickhouse/client, chDB or this package into a ClickHouseError.
 * A ClickHouseError is returned as is; everything else is wrapped, with the original on `cause`.
 */
export function toClickHouseError(err: unknown): ClickHouseError {
  if (err instanceof ClickHouseError) return err;
  const message = messageOf(err);
  const wrap = (code: ClickHouseErrorCode, extra: Omit<ClickHouseErrorOptions, 'cause'> = {}) => new ClickHouseError(code, message, { ...extra, cause: err });

  const server = serverErrorOf(err);
  if (server) return wrap(SERVER_CODES.get(server.serverCode) ?? 'CH_QUERY', server);

  const code = errorCode(err);
  if (code !== undefined) {
    if (NETWORK_ERRNOS.has(code)) return wrap('CH_CONNECTION');
    if (TIMEOUT_ERRNOS.has(code)) return wrap('CH_TIMEOUT');
    const chdb = fromChdbCode(code, message);
    if (chdb) return wrap(chdb);
  }
  if (err instanceof Error && err.name === 'AbortError') return wrap('CH_ABORTED');
  // @clickhouse/client's own wording (socket_pool.js) and ChdbConnection's closed-connection guard.
  if (message === 'Timeout error.') return wrap('CH_TIMEOUT');
  if (message === 'The user aborted a request.') return wrap('CH_ABORTED');
  if (message === 'ChdbConnection is closed') return wrap('CH_CLOSED');
  if (isPathConflict(message)) return wrap('CH_EMBEDDED_PATH_CONFLICT');
  return wrap('CH_UNKNOWN');
}
