import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '../types.js';
import { RecordedCalls } from './recorded-calls.js';

const call = (method: string, target: string, path: string, body: string): RecordedCall => ({
  method,
  target,
  path,
  responseStatus: 200,
  responseHeaders: {},
  responseBody: body,
});
const payments = [{ host: 'payments', port: 8080 }];

describe('RecordedCalls', () => {
  it('answers repeated calls in live order, then reuses the last one', () => {
    const calls = new RecordedCalls([call('POST', 'payments:8080', '/v1/charges', 'first'), call('POST', 'payments:8080', '/v1/charges', 'second')], true);
    expect(calls.take('post', payments, '/v1/charges')?.responseBody).toBe('first');
    expect(calls.take('POST', payments, '/v1/charges')?.responseBody).toBe('second');
    expect(calls.take('POST', payments, '/v1/charges')?.responseBody).toBe('second');
  });

  it('gives nothing once exhausted when reuse is off', () => {
    const calls = new RecordedCalls([call('POST', 'payments:8080', '/v1/charges', 'only')], false);
    expect(calls.take('POST', payments, '/v1/charges')?.responseBody).toBe('only');
    expect(calls.take('POST', payments, '/v1/charges')).toBeNull();
  });

  it('requires the same method, target and path', () => {
    const calls = new RecordedCalls([call('POST', 'payments:8080', '/v1/charges', 'x')], true);
    expect(calls.take('PUT', payments, '/v1/charges')).toBeNull();
    expect(calls.take('POST', [{ host: 'ledger', port: 8080 }], '/v1/charges')).toBeNull();
    expect(calls.take('POST', [{ host: 'payments', port: 9090 }], '/v1/charges')).toBeNull();
    expect(calls.take('POST', payments, '/v1/refunds')).toBeNull();
  });

  it('prefers the exact query, then falls back to the same path with another query', () => {
    const calls = new RecordedCalls([call('GET', 'payments:8080', '/v1/balance?at=1', 'at-1'), call('GET', 'payments:8080', '/v1/balance?at=2', 'at-2')], true);
    expect(calls.take('GET', payments, '/v1/balance?at=2')?.responseBody).toBe('at-2');
    expect(calls.take('GET', payments, '/v1/balance?at=9')?.responseBody).toBe('at-1');
  });

  it('matches any port when the recording or the candidate names none, and any candidate (aliases)', () => {
    const calls = new RecordedCalls([call('DELETE', 'PAYMENTS', '/v1/cards/1', 'a'), call('DELETE', '10.0.0.5:8080', '/v1/cards/2', 'b')], true);
    expect(calls.take('DELETE', payments, '/v1/cards/1')?.responseBody).toBe('a');
    expect(calls.take('DELETE', [...payments, { host: '10.0.0.5', port: null }], '/v1/cards/2')?.responseBody).toBe('b');
  });

  it('treats an empty path as /', () => {
    const calls = new RecordedCalls([call('POST', 'hooks:80', '', 'root')], true);
    expect(calls.take('POST', [{ host: 'hooks', port: 80 }], '/')?.responseBody).toBe('root');
  });
});
