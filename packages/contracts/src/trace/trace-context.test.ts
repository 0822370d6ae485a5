import { describe, expect, it } from 'vitest';
import { traceIdFor, traceIdOf, traceparentFor } from './trace-context.js';

describe('trace context from exchange ids', () => {
  it('reads a UUID exchange id as its own trace-id', () => {
    expect(traceIdFor('0190A1B2-C3D4-7E5F-8a9b-0c1d2e3f4a5b')).toBe('0190a1b2c3d47e5f8a9b0c1d2e3f4a5b');
  });

  it('hashes other ids and the nil UUID to 32 hex digits, stable across calls', () => {
    const id = traceIdFor('ex-1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdFor('ex-1')).toBe(id);
    expect(traceIdFor('ex-2')).not.toBe(id);
    expect(traceIdFor('00000000-0000-0000-0000-000000000000')).not.toBe('0'.repeat(32));
  });

  it('builds a traceparent that parses back to the exchange trace-id, one span per challenger', () => {
    const a = traceparentFor('ex-1', 'candidate');
    const b = traceparentFor('ex-1', 'secondary');
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf(a)).toBe(traceIdFor('ex-1'));
    expect(traceIdOf(b)).toBe(traceIdFor('ex-1'));
    expect(a).not.toBe(b);
  });

  it('refuses malformed or invalid traceparent values', () => {
    expect(traceIdOf(undefined)).toBeNull();
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`)).toBeNull();
    expect(traceIdOf(`ff-${'1'.repeat(32)}-${'1'.repeat(16)}-01`)).toBeNull();
  });
});
