import { traceparentFor } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import type { ExpectedExchange } from '../types.js';
import { ExchangeRegistry } from './exchange-registry.js';

const A = '0190f0a0-0000-7000-8000-00000000000a';
const B = '0190f0a0-0000-7000-8000-00000000000b';

function setup(max = 100, graceMs = 1000) {
  let now = 1_000;
  const registry = new ExchangeRegistry({ maxExchanges: max, graceMs, reuseExhausted: true, now: () => now }, ['cand', 'sec']);
  const expectExchange = (exchangeId: string, over: Partial<ExpectedExchange> = {}) =>
    registry.expect({ exchangeId, challengerId: 'cand', attempt: 1, runId: null, recorded: [], ...over });
  return { registry, expectExchange, advance: (ms: number) => (now += ms) };
}

const none = { exchangeIdHeader: undefined, traceparent: undefined };

describe('ExchangeRegistry.attribute', () => {
  it('attributes by header first, then by traceparent, then by the single replay in flight', () => {
    const { registry, expectExchange } = setup();
    expectExchange(A, { runId: 'run-1' });
    expectExchange(B);
    const byHeader = registry.attribute('cand', { exchangeIdHeader: A, traceparent: traceparentFor(B, 'cand') });
    expect(byHeader).toMatchObject({ kind: 'registered', via: 'header', sequence: 0, registration: { exchangeId: A, runId: 'run-1' } });
    const byTrace = registry.attribute('cand', { exchangeIdHeader: undefined, traceparent: traceparentFor(B, 'cand') });
    expect(byTrace).toMatchObject({ kind: 'registered', via: 'traceparent', sequence: 0, registration: { exchangeId: B } });
    // Two in flight and nothing naming one: unattributed.
    expect(registry.attribute('cand', none)).toMatchObject({ kind: 'unattributed', sequence: 0 });
    registry.settle(B, 'cand', 1);
    expect(registry.attribute('cand', none)).toMatchObject({ kind: 'registered', via: 'single-in-flight', sequence: 1, registration: { exchangeId: A } });
  });

  it('numbers calls per exchange in arrival order', () => {
    const { registry, expectExchange } = setup();
    expectExchange(A);
    const sequences = [1, 2, 3].map(() => registry.attribute('cand', { exchangeIdHeader: A, traceparent: undefined }));
    expect(sequences.map((s) => s.kind === 'registered' && s.sequence)).toEqual([0, 1, 2]);
  });

  it("keeps challengers apart: a call on one challenger never takes another challenger's replay", () => {
    const { registry, expectExchange } = setup();
    expectExchange(A, { challengerId: 'sec' });
    expect(registry.attribute('cand', none).kind).toBe('unattributed');
    expect(registry.attribute('cand', { exchangeIdHeader: A, traceparent: undefined })).toMatchObject({ kind: 'unregistered', exchangeId: A, attempt: 1 });
  });

  it('still attributes late calls within the grace period, then forgets the replay but keeps its attempt and sequence', () => {
    const { registry, expectExchange, advance } = setup(100, 1000);
    expectExchange(A, { attempt: 2, runId: 'r' });
    registry.attribute('cand', { exchangeIdHeader: A, traceparent: undefined });
    registry.settle(A, 'cand', 2);
    advance(999);
    expect(registry.attribute('cand', none)).toMatchObject({ kind: 'registered', via: 'single-in-flight', sequence: 1 });
    advance(1);
    expect(registry.counts()).toEqual({ registered: 0, inFlight: 0 });
    expect(registry.attribute('cand', none).kind).toBe('unattributed');
    expect(registry.attribute('cand', { exchangeIdHeader: A, traceparent: undefined })).toEqual({
      kind: 'unregistered',
      exchangeId: A,
      attempt: 2,
      runId: 'r',
      sequence: 2,
    });
  });

  it('ignores a settle for another attempt; a new attempt replaces the old one', () => {
    const { registry, expectExchange } = setup();
    expectExchange(A, { attempt: 1 });
    expectExchange(A, { attempt: 2 });
    registry.settle(A, 'cand', 1);
    expect(registry.counts()).toEqual({ registered: 1, inFlight: 1 });
    expect(registry.attribute('cand', none)).toMatchObject({ kind: 'registered', registration: { attempt: 2 }, sequence: 0 });
  });

  it('stays under maxExchanges: the oldest settled replay goes first, else the oldest in flight (counted)', () => {
    const { registry, expectExchange } = setup(2);
    expectExchange('e1');
    expectExchange('e2');
    registry.settle('e2', 'cand', 1);
    expectExchange('e3');
    expect(registry.attribute('cand', { exchangeIdHeader: 'e2', traceparent: undefined }).kind).toBe('unregistered');
    expect(registry.evicted).toBe(0);
    expectExchange('e4');
    expect(registry.evicted).toBe(1);
    expect(registry.attribute('cand', { exchangeIdHeader: 'e1', traceparent: undefined }).kind).toBe('unregistered');
    expect(registry.counts()).toEqual({ registered: 2, inFlight: 2 });
  });

  it('ignores an exchange id header that is not a plausible id', () => {
    const { registry, expectExchange } = setup();
    expectExchange(A);
    expect(registry.attribute('cand', { exchangeIdHeader: 'has space', traceparent: undefined })).toMatchObject({
      kind: 'registered',
      via: 'single-in-flight',
    });
  });
});
