import { SAMPLING_HASH_VECTORS, samplingPointOf } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import { controlSampled, ReplaySampler } from './replay-sampler.js';

const ex = (id: string, path = '/a', routeTemplate: string | null = null) => ({ exchangeId: id, method: 'GET', path, routeTemplate });

describe('ReplaySampler', () => {
  it('is deterministic by exchange id and a lower rate selects a subset of a higher one', () => {
    const low = new ReplaySampler({ rate: 0.2 });
    const high = new ReplaySampler({ rate: 0.6 });
    const ids = Array.from({ length: 2000 }, (_, i) => `ex-${i}`);
    const lowIn = ids.filter((id) => low.sampled(ex(id)));
    expect(lowIn.every((id) => high.sampled(ex(id)))).toBe(true);
    expect(lowIn).toEqual(ids.filter((id) => new ReplaySampler({ rate: 0.2 }).sampled(ex(id))));
    expect(lowIn.length).toBeGreaterThan(300);
    expect(lowIn.length).toBeLessThan(500);
    expect(samplingPointOf('x')).toBe(samplingPointOf('x'));
  });

  // The tap's sampler test checks the same vectors: an exchange id is in or out on both sides alike.
  it('decides by the pinned sampling-hash vectors, just below and just above each point', () => {
    for (const { key, hash } of SAMPLING_HASH_VECTORS) {
      const point = hash / 2 ** 32;
      expect(new ReplaySampler({ rate: point }).sampled(ex(key)), key).toBe(false);
      expect(new ReplaySampler({ rate: point + 2 ** -40 }).sampled(ex(key)), key).toBe(true);
    }
  });

  it('per-route rules win over the global rate, first match first', () => {
    const s = new ReplaySampler({
      rate: 1,
      routes: [
        { pathPrefix: '/health', rate: 0 },
        { route: '/users/:id', rate: 0 },
        { pathPrefix: '/', method: 'POST', rate: 0 },
      ],
    });
    expect(s.sampled(ex('1', '/health/live'))).toBe(false);
    expect(s.sampled(ex('1', '/healthy'))).toBe(true);
    expect(s.sampled(ex('1', '/users/7', '/users/:id'))).toBe(false);
    expect(s.rateFor('POST', '/x', null)).toBe(0);
  });

  it('rejects rates outside [0, 1] naming the field', () => {
    expect(() => new ReplaySampler({ rate: 2 }, 'challengers[0].sampling')).toThrow(/challengers\[0\]\.sampling\.rate/);
    expect(() => new ReplaySampler({ routes: [{ rate: 0.5 }] })).toThrow(/routes\[0\] must set exactly one/);
  });
});

describe('controlSampled (the control topic rate)', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `ex-${i}`);

  it('keeps rate / tapRate of what the tap sent, so the overall fraction of live traffic is the rate', () => {
    const kept = ids.filter((exchangeId) => controlSampled({ exchangeId, samplingRate: 0.5 }, 0.1)).length;
    const expected = ids.length * 0.2;
    expect(Math.abs(kept - expected)).toBeLessThanOrEqual(5 * Math.sqrt(ids.length * 0.2 * 0.8));
  });

  it('keeps everything the tap took at or below the rate (the tap obeys the same entry)', () => {
    for (const samplingRate of [0.1, 0.05]) expect(ids.every((exchangeId) => controlSampled({ exchangeId, samplingRate }, 0.1))).toBe(true);
    expect(ids.some((exchangeId) => controlSampled({ exchangeId, samplingRate: 1 }, 0))).toBe(false);
  });

  it('a growing rate keeps what a smaller one kept', () => {
    let previous: string[] = [];
    for (const rate of [0.01, 0.1, 0.5, 1]) {
      const now = new Set(ids.filter((exchangeId) => controlSampled({ exchangeId, samplingRate: 1 }, rate)));
      for (const id of previous) expect(now.has(id)).toBe(true);
      previous = [...now];
    }
    expect(previous.length).toBe(ids.length);
  });
});
