import { describe, expect, it } from 'vitest';
import { idFromHeader, resolveExchangeId } from './exchange-id.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('exchange id', () => {
  it('takes the trace-id of a W3C traceparent', () => {
    expect(idFromHeader('traceparent', `00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
  });

  it.each(['garbage', `ff-${TRACE}-00f067aa0ba902b7-01`, `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`])(
    'ignores an invalid traceparent %j',
    (value) => {
      expect(idFromHeader('traceparent', value)).toBeNull();
    },
  );

  it('takes a request-id header only when it is 1-128 visible ASCII characters', () => {
    expect(idFromHeader('x-request-id', ' abc-123 ')).toBe('abc-123');
    expect(idFromHeader('x-request-id', ['first', 'second'])).toBe('first');
    expect(idFromHeader('x-request-id', 'has space')).toBeNull();
    expect(idFromHeader('x-request-id', 'x'.repeat(129))).toBeNull();
    expect(idFromHeader('x-request-id', '')).toBeNull();
    expect(idFromHeader('x-request-id', undefined)).toBeNull();
  });

  it('tries headers in order and generates a UUIDv7 when none yields an id', () => {
    const headers = { 'x-request-id': 'req-1', traceparent: `00-${TRACE}-00f067aa0ba902b7-01` };
    expect(resolveExchangeId(['traceparent', 'x-request-id'], headers, Date.now())).toBe(TRACE);
    expect(resolveExchangeId(['x-correlation-id', 'x-request-id'], headers, Date.now())).toBe('req-1');
    expect(resolveExchangeId([], headers, Date.now())).toMatch(/^[0-9a-f-]{36}$/);
  });
});
