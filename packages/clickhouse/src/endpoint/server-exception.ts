// Errors on the endpoint look exactly like a ClickHouse server's, because clients parse them:
// @clickhouse/client matches the body against `Code: N. DB::Exception: <message> (<TYPE>)`, the JDBC
// driver reads `X-ClickHouse-Exception-Code` and the body text, and both branch on the HTTP status.
import { toClickHouseError } from '../errors.js';

/** A ClickHouse exception as a server reports it: numeric code, name and message. */
export interface ServerException {
  readonly code: number;
  readonly type: string;
  readonly message: string;
}

export const serverException = (code: number, type: string, message: string): ServerException => ({ code, type, message });

/** The body text a server sends: `Code: 164. DB::Exception: <message>. (READONLY) (version 26.7)`. */
export function exceptionText(error: ServerException, version: string): string {
  const message = error.message.trimEnd();
  return `Code: ${error.code}. DB::Exception: ${message}. (${error.type}) (version ${version})\n`;
}

// ClickHouse's exceptionCodeToHTTPStatus (src/Server/HTTPHandler.cpp), for the codes that can reach
// this endpoint; everything else is 500, as on a server.
const BAD_REQUEST = new Set([6, 25, 26, 27, 36, 38, 41, 42, 43, 44, 53, 62, 72, 117, 167, 168, 223, 321, 427]);
const NOT_FOUND = new Set([46, 47, 50, 56, 60, 63, 73, 78, 81, 88, 115, 336]);

export function httpStatusOf(code: number): number {
  if (code === 194) return 401; // REQUIRED_PASSWORD
  if (code === 192 || code === 193 || code === 516 || code === 497) return 403; // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, ACCESS_DENIED
  if (NOT_FOUND.has(code)) return 404; // UNKNOWN_TABLE, UNKNOWN_FUNCTION, UNKNOWN_DATABASE, UNKNOWN_SETTING, UNKNOWN_FORMAT...
  if (BAD_REQUEST.has(code)) return 400; // SYNTAX_ERROR, BAD_ARGUMENTS, CANNOT_PARSE_*, TYPE_MISMATCH...
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  if (code === 48) return 501; // NOT_IMPLEMENTED
  if (code === 202) return 503; // TOO_MANY_SIMULTANEOUS_QUERIES
  return 500;
}

/** What the engine threw, as the server would report it. */
export function serverExceptionOf(err: unknown): ServerException {
  const converted = toClickHouseError(err);
  if (converted.serverCode !== undefined) {
    // @clickhouse/client's parser keeps the message between `Exception: ` and ` (TYPE)`.
    const message = converted.message.replace(/\.?\s*$/, '');
    return serverException(converted.serverCode, converted.serverType ?? 'UNKNOWN_EXCEPTION', message);
  }
  if (converted.code === 'CH_TIMEOUT') return serverException(159, 'TIMEOUT_EXCEEDED', converted.message);
  return serverException(1001, 'STD_EXCEPTION', converted.message);
}
