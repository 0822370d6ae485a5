import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACTS_ERROR_CODES, ContractsError, toContractsError } from './errors.js';

describe('errors', () => {
  it('docs/contracts.md documents every error code', () => {
    const doc = readFileSync(new URL('../../../docs/contracts.md', import.meta.url), 'utf8');
    const documented = CONTRACTS_ERROR_CODES.filter((code) => new RegExp(`^\\|\\s*\`${code}\``, 'm').test(doc));
    expect(documented).toEqual([...CONTRACTS_ERROR_CODES]);
  });

  it('passes ContractsError through unchanged', () => {
    const error = new ContractsError('CONTRACTS_DECODE_FAILED', 'x');
    expect(toContractsError(error)).toBe(error);
  });

  it('maps registry responses by status', () => {
    const response = (status: number, message: string) => Object.assign(new Error(message), { name: 'ResponseError', status });
    expect(toContractsError(response(409, 'Incompatible artifact'))).toMatchObject({ code: 'CONTRACTS_SCHEMA_INCOMPATIBLE', retriable: false });
    expect(toContractsError(response(404, 'nope'))).toMatchObject({ code: 'CONTRACTS_SCHEMA_NOT_FOUND' });
    expect(toContractsError(response(503, 'down'))).toMatchObject({ code: 'CONTRACTS_REGISTRY_UNAVAILABLE', retriable: true });
    // mappersmith reports a refused connection as status 400
    expect(toContractsError(response(400, 'Error, status 400: connect ECONNREFUSED 127.0.0.1:1'))).toMatchObject({
      code: 'CONTRACTS_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    expect(toContractsError(response(400, 'bad request'))).toMatchObject({ code: 'CONTRACTS_REGISTRY_ERROR', retriable: false });
  });

  it('keeps the cause and uses the fallback for unknown errors', () => {
    const cause = new TypeError('boom');
    const converted = toContractsError(cause, 'CONTRACTS_ENCODE_FAILED');
    expect(converted).toMatchObject({ code: 'CONTRACTS_ENCODE_FAILED', message: 'boom', cause });
    expect(toContractsError('text')).toMatchObject({ code: 'CONTRACTS_UNKNOWN', message: 'text' });
  });
});
