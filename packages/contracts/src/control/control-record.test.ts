import { describe, expect, it } from 'vitest';
import { controlKeyOf, parseControlKey, parseControlValue, parseSamplingValue, serializeControlMessage, serializeSamplingMessage } from './control-record.js';
import { effectiveSampling } from './control-state.js';
import type { SamplingMessage } from './types.js';

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
  it('a bare name is a mirroring key (a name may hold ":"); `sampling:<service>` is a sampling key', () => {
    expect(parseControlKey('checkout')).toEqual({ known: true, kind: 'mirroring', service: 'checkout' });
    expect(parseControlKey('*')).toEqual({ known: true, kind: 'mirroring', service: '*' });
    expect(parseControlKey('orders:v2')).toEqual({ known: true, kind: 'mirroring', service: 'orders:v2' });
    expect(parseControlKey('sampling:checkout')).toEqual({ known: true, kind: 'sampling', service: 'checkout' });
    expect(parseControlKey('sampling:*')).toEqual({ known: true, kind: 'sampling', service: '*' });
    expect(parseControlKey('sampling:orders:v2')).toEqual({ known: true, kind: 'sampling', service: 'orders:v2' });
    expect(controlKeyOf('sampling', 'checkout')).toBe('sampling:checkout');
    expect(controlKeyOf('sampling', '*')).toBe('sampling:*');
    expect(controlKeyOf('mirroring', 'checkout')).toBe('checkout');
    expect(controlKeyOf('mirroring', 'orders:v2')).toBe('orders:v2');
  });

  it('refuses a service name that would read as another kind, or a blank one', () => {
    for (const bad of ['sampling:checkout', '', '  ']) {
      expect(() => controlKeyOf('mirroring', bad)).toThrow(expect.objectContaining({ code: 'CONTRACTS_INVALID_ARGUMENT' }));
      expect(() => controlKeyOf('sampling', bad)).toThrow(expect.objectContaining({ code: 'CONTRACTS_INVALID_ARGUMENT' }));
    }
  });
});

describe('sampling records', () => {
  const message: SamplingMessage = { sampling: { rate: 0.1 }, reason: 'ramp step 2', by: 'watch@joiner', at: '2025-11-22T01:00:00.000Z' };

  it('round-trips a message; a null value is a tombstone', () => {
    expect(parseSamplingValue(serializeSamplingMessage(message))).toEqual({ ok: true, message });
    expect(parseSamplingValue(null)).toEqual({ ok: true, message: null });
    for (const rate of [0, 1]) {
      expect(parseSamplingValue(Buffer.from(JSON.stringify({ sampling: { rate } })))).toEqual({
        ok: true,
        message: { sampling: { rate }, reason: '', by: '', at: '' },
      });
    }
  });

  it('serializes only the known fields', () => {
    const extra = { ...message, sampling: { rate: 0.5, steps: [1] }, secret: 'x' } as unknown as SamplingMessage;
    expect(JSON.parse(serializeSamplingMessage(extra).toString('utf8'))).toEqual({
      sampling: { rate: 0.5 },
      reason: 'ramp step 2',
      by: 'watch@joiner',
      at: message.at,
    });
  });

  it('refuses rates outside [0, 1], non-numbers, a missing sampling object and non-JSON, by class', () => {
    const bad: unknown[] = [
      { sampling: { rate: -0.01 } },
      { sampling: { rate: 1.5 } },
      { sampling: { rate: '0.1' } },
      { sampling: { rate: null } },
      { sampling: {} },
      { sampling: 0.1 },
      { sampling: [0.1] },
      { mirroring: 'paused' },
      [],
    ];
    for (const value of bad) expect(parseSamplingValue(Buffer.from(JSON.stringify(value)))).toMatchObject({ ok: false });
    expect(parseSamplingValue(Buffer.from('{"sampling":{"rate":1e999}}'))).toMatchObject({ ok: false, error: expect.stringContaining('[0, 1]') });
    expect(parseSamplingValue(Buffer.from('0.1x'))).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') });
  });

  it('a service entry wins over `*`; several names take the first with an entry; none is null', () => {
    const at = (rate: number): SamplingMessage => ({ ...message, sampling: { rate } });
    const entries = new Map([
      ['*', at(0.5)],
      ['checkout', at(0.01)],
      ['eu', at(0.2)],
    ]);
    expect(effectiveSampling(entries, 'checkout')).toMatchObject({ rate: 0.01, key: 'checkout' });
    expect(effectiveSampling(entries, 'search')).toMatchObject({ rate: 0.5, key: '*' });
    expect(effectiveSampling(entries, ['search', 'eu'])).toMatchObject({ rate: 0.2, key: 'eu' });
    expect(effectiveSampling(new Map([['checkout', at(0.3)]]), 'search')).toBeNull();
  });
});
