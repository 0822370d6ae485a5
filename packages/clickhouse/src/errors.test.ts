import { readFileSync } from 'node:fs';
import { ClickHouseError as ClientError, parseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { CLICKHOUSE_ERROR_CODES, ClickHouseError, toClickHouseError } from './errors.js';

const errno = (code: string, message = `connect ${code} 127.0.0.1:8123`) => Object.assign(new Error(message), { code });

/** What chDB's connection throws for an engine error: @clickhouse/client's parse of chDB's text. */
const engineError = (code: number, type: string, text = 'something went wrong') =>
  parseError(`Code: ${code}. DB::Exception: ${text}. (${type}) (version 26.7.2.1)`);

describe('toClickHouseError', () => {
  it('returns a ClickHouseError unchanged', () => {
    const err = new ClickHouseError('CH_CLOSED', 'closed');
    expect(toClickHouseError(err)).toBe(err);
  });

  it.each([
    [60, 'UNKNOWN_TABLE', 'CH_UNKNOWN_TABLE', false],
    [81, 'UNKNOWN_DATABASE', 'CH_UNKNOWN_DATABASE', false],
    [62, 'SYNTAX_ERROR', 'CH_SYNTAX', false],
    [516, 'AUTHENTICATION_FAILED', 'CH_AUTHENTICATION', false],
    [497, 'ACCESS_DENIED', 'CH_ACCESS_DENIED', false],
    [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CH_BAD_DATA', false],
    [117, 'INCORRECT_DATA', 'CH_BAD_DATA', false],
    [159, 'TIMEOUT_EXCEEDED', 'CH_TIMEOUT', true],
    [241, 'MEMORY_LIMIT_EXCEEDED', 'CH_OVERLOADED', true],
    [252, 'TOO_MANY_PARTS', 'CH_OVERLOADED', true],
    [57, 'TABLE_ALREADY_EXISTS', 'CH_QUERY', false],
  ])('maps server error %i %s to %s (retriable: %s)', (serverCode, serverType, code, retriable) => {
    const cause = engineError(serverCode, serverType);
    expect(cause).toBeInstanceOf(ClientError);
    const err = toClickHouseError(cause);
    expect(err).toMatchObject({ code, retriable, serverCode, serverType, cause });
    expect(err.message).toBe('something went wrong. ');
  });

  it('recognises the server error class from another copy of @clickhouse/client-common by shape', () => {
    // chdb bundles @clickhouse/client-common 1.23.0; its ClickHouseError is a different class.
    class OtherCopyError extends Error {
      readonly code = '60';
      readonly type = 'UNKNOWN_TABLE';
    }
    expect(toClickHouseError(new OtherCopyError('Table t_x.events does not exist.'))).toMatchObject({
      code: 'CH_UNKNOWN_TABLE',
      serverCode: 60,
    });
  });

  it.each([
    ['ECONNREFUSED', 'CH_CONNECTION', true],
    ['ECONNRESET', 'CH_CONNECTION', true],
    ['ENOTFOUND', 'CH_CONNECTION', true],
    ['ETIMEDOUT', 'CH_TIMEOUT', true],
  ])('maps socket error %s to %s', (errnoCode, code, retriable) => {
    expect(toClickHouseError(errno(errnoCode))).toMatchObject({ code, retriable });
  });

  it("maps Node 20's AggregateError from a refused dual-stack connect to CH_CONNECTION", () => {
    const err = new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')], '');
    expect(toClickHouseError(err)).toMatchObject({ code: 'CH_CONNECTION', retriable: true });
  });

  it("maps @clickhouse/client's request timeout and abort", () => {
    expect(toClickHouseError(new Error('Timeout error.'))).toMatchObject({ code: 'CH_TIMEOUT', retriable: true });
    expect(toClickHouseError(new Error('The user aborted a request.'))).toMatchObject({ code: 'CH_ABORTED' });
  });

  it.each([
    [
      'CHDB_CONNECTION',
      "chdb: only one active data directory per process; close the current session (path='/a') before opening '/b'",
      'CH_EMBEDDED_PATH_CONFLICT',
    ],
    ['CHDB_CONNECTION', 'Failed to create connection', 'CH_EMBEDDED_UNAVAILABLE'],
    ['CHDB_PLATFORM', 'no native package for win32-x64', 'CH_EMBEDDED_UNAVAILABLE'],
    ['CHDB_CLOSED', 'No active connection available', 'CH_CLOSED'],
    ['CHDB_TIMEOUT', 'query timed out', 'CH_TIMEOUT'],
    ['CHDB_ABORT', 'aborted', 'CH_ABORTED'],
    ['CHDB_INTERNAL', 'panic', 'CH_QUERY'],
  ])('maps chDB error %s (%s) to %s', (chdbCode, message, code) => {
    expect(toClickHouseError(errno(chdbCode, message))).toMatchObject({ code });
  });

  it("keeps the engine's code from a chDB error the connection did not re-wrap", () => {
    const err = Object.assign(new Error('Unknown table'), { code: 'CHDB_QUERY', clickhouseCode: 60 });
    expect(toClickHouseError(err)).toMatchObject({ code: 'CH_UNKNOWN_TABLE', serverCode: 60 });
  });

  it('maps the closed chDB connection guard to CH_CLOSED', () => {
    expect(toClickHouseError(new Error('ChdbConnection is closed'))).toMatchObject({ code: 'CH_CLOSED' });
  });

  it('wraps anything else as CH_UNKNOWN, keeping the original as cause', () => {
    const thrown = { weird: true };
    expect(toClickHouseError(thrown)).toMatchObject({ code: 'CH_UNKNOWN', retriable: false, cause: thrown });
    expect(toClickHouseError('boom')).toMatchObject({ code: 'CH_UNKNOWN', message: 'boom' });
  });
});

describe('error codes', () => {
  const doc = readFileSync(new URL('../../../docs/clickhouse.md', import.meta.url), 'utf8');

  it('are all CH_-prefixed and unique', () => {
    expect(new Set(CLICKHOUSE_ERROR_CODES).size).toBe(CLICKHOUSE_ERROR_CODES.length);
    for (const code of CLICKHOUSE_ERROR_CODES) expect(code).toMatch(/^CH_[A-Z_]+$/);
  });

  it('are each documented in docs/clickhouse.md, which names no other CH_ code', () => {
    const documented = new Set(doc.match(/\bCH_[A-Z_]+\b/g));
    for (const code of CLICKHOUSE_ERROR_CODES) expect(documented, `${code} is not documented`).toContain(code);
    expect([...documented].filter((c) => !(CLICKHOUSE_ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
  });
});
