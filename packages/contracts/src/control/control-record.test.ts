import { describe, expect, it } from 'vitest';
import { controlKeyOf, parseControlKey, parseControlValue, serializeControlMessage } from './control-record.js';

describe('control messages', () => {
  it('round-trips a message', () => {
    const message = { mirroring: 'paused' as const, reason: 'incident 42', by: 'ops@host', at: '2025-11-22T01:00:00.000Z' };
    expect(parseControlValue(serializeControlMessage(message))).toEqual({ ok: true, message });
  });

  it('treats a null value as a tombstone', () => {
    expect(parseControlValue(null)).toEqual({ ok: true, message: null });
  });

  it('fills missing text fields and rejects unknown states and non-JSON', () => {
    expect(parseControlValue(Buffer.from('{"mirroring":"active"}'))).toEqual({ ok: true, message: { mirroring: 'active', reason: '', by: '', at: '' } });
    expect(parseControlValue(Buffer.from('{"mirroring":"off"}'))).toMatchObject({ ok: false, error: expect.stringContaining('"off"') });
    expect(parseControlValue(Buffer.from('paused'))).toMatchObject({ ok: false });
    expect(parseControlValue(Buffer.from('[]'))).toMatchObject({ ok: false });
  });
});

describe('control keys', () => {
  it('a bare name is a mirroring key (a name may hold ":"); a reserved `<kind>:<service>` is marked, not dropped', () => {
    expect(parseControlKey('checkout')).toEqual({ known: true, kind: 'mirroring', service: 'checkout' });
    expect(parseControlKey('*')).toEqual({ known: true, kind: 'mirroring', service: '*' });
    expect(parseControlKey('orders:v2')).toEqual({ known: true, kind: 'mirroring', service: 'orders:v2' });
    expect(parseControlKey('sampling:checkout')).toEqual({ known: false, kind: 'sampling', service: 'checkout' });
    expect(controlKeyOf('mirroring', 'checkout')).toBe('checkout');
    expect(controlKeyOf('mirroring', 'orders:v2')).toBe('orders:v2');
  });

  it('refuses a service name that would read as another kind, or a blank one', () => {
    for (const bad of ['sampling:checkout', '', '  ']) {
      expect(() => controlKeyOf('mirroring', bad)).toThrow(expect.objectContaining({ code: 'CONTRACTS_INVALID_ARGUMENT' }));
    }
  });
});
