import { SAMPLING_HASH_VECTORS, samplingPoint } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import type { ResolvedRouteRule } from '../options.js';
import { Sampler } from './sampler.js';

function sampler(rate: number, routes: ResolvedRouteRule[] = [], keyHeader: string | null = null): Sampler {
  return new Sampler({ rate, keyHeader, routes });
}

/** |observed - expected| within 5 standard deviations of a binomial: fails only on a real bias. */
function expectRate(hits: number, n: number, rate: number): void {
  const sd = Math.sqrt(n * rate * (1 - rate));
  expect(Math.abs(hits - n * rate)).toBeLessThanOrEqual(5 * sd + 1);
}

describe('Sampler', () => {
  it('captures everything at rate 1 and nothing at rate 0', () => {
    for (let i = 0; i < 1000; i++) {
      expect(sampler(1).decide('/x', null, undefined).candidate).toBe(true);
      expect(sampler(0).decide('/x', null, `k${i}`).candidate).toBe(false);
    }
  });

  it.each([0.01, 0.1, 0.5, 0.9])('samples random requests at rate %f', (rate) => {
    const s = sampler(rate);
    const n = 50_000;
    let hits = 0;
    for (let i = 0; i < n; i++) if (s.decide('/x', null, undefined).candidate) hits++;
    expectRate(hits, n, rate);
  });

  it.each([0.05, 0.25])('samples keyed requests at rate %f', (rate) => {
    const s = sampler(rate, [], 'x-user-id');
    const n = 50_000;
    let hits = 0;
    for (let i = 0; i < n; i++) if (s.decide('/x', null, `user-${i}`).candidate) hits++;
    expectRate(hits, n, rate);
  });

  it('keeps a key in or out together, across instances (same answer from a fresh sampler)', () => {
    const a = sampler(0.3, [], 'x-session');
    const b = sampler(0.3, [], 'x-session');
    for (let i = 0; i < 2000; i++) {
      const key = `session-${i}`;
      const first = a.decide('/a', null, key).candidate;
      for (let j = 0; j < 3; j++) expect(a.decide(`/other/${j}`, null, key).candidate).toBe(first);
      expect(b.decide('/a', null, key).candidate).toBe(first);
      expect(first).toBe(samplingPoint(key) < 0.3);
    }
  });

  // The replayer's sampler test checks the same vectors: a key is in or out on both sides alike.
  it('decides by the pinned sampling-hash vectors, just below and just above each point', () => {
    // An empty key header counts as no key (a random point), so that vector is the replayer's alone.
    for (const { key, hash } of SAMPLING_HASH_VECTORS.filter((v) => v.key !== '')) {
      const point = hash / 2 ** 32;
      expect(sampler(point, [], 'k').decide('/', null, key).candidate, key).toBe(false);
      expect(sampler(point + 2 ** -40, [], 'k').decide('/', null, key).candidate, key).toBe(true);
    }
  });

  it('a key sampled at a lower rate is also sampled at every higher rate', () => {
    for (let i = 0; i < 2000; i++) {
      const key = `u${i}`;
      if (sampler(0.1, [], 'k').decide('/', null, key).candidate) {
        expect(sampler(0.2, [], 'k').decide('/', null, key).candidate).toBe(true);
      }
    }
  });

  it('applies the first matching per-route rule, by template or by path prefix on segment boundaries', () => {
    const s = sampler(0.5, [
      { kind: 'route', value: '/users/:id', rate: 1 },
      { kind: 'pathPrefix', value: '/admin', rate: 0 },
      { kind: 'pathPrefix', value: '/', rate: 0.25 },
    ]);
    expect(s.rateFor('/users/7', '/users/:id')).toBe(1);
    expect(s.rateFor('/admin', null)).toBe(0);
    expect(s.rateFor('/admin/users', null)).toBe(0);
    expect(s.rateFor('/administrator', null)).toBe(0.25);
    expect(sampler(0.5, [{ kind: 'pathPrefix', value: '/admin', rate: 0 }]).rateFor('/administrator', null)).toBe(0.5);
  });

  it('records the rate in force', () => {
    const s = sampler(0.5, [{ kind: 'pathPrefix', value: '/health', rate: 0 }]);
    expect(s.decide('/orders', null, 'k').rate).toBe(0.5);
    expect(s.decide('/health', null, 'k').rate).toBe(0);
  });

  it('when the template is known only later, settles to the same decision a one-step sampler makes', () => {
    const routes: ResolvedRouteRule[] = [
      { kind: 'route', value: '/users/:id', rate: 0.8 },
      { kind: 'pathPrefix', value: '/static', rate: 0 },
    ];
    const s = sampler(0.1, routes, 'k');
    let provisionalOut = 0;
    for (let i = 0; i < 5000; i++) {
      const key = `key-${i}`;
      for (const [path, template] of [
        ['/users/1', '/users/:id'],
        ['/orders', null],
        ['/static/a.js', null],
      ] as const) {
        const oneStep = s.decide(path, template, key);
        const provisional = s.decide(path, undefined, key);
        expect(provisional.final).toBe(false);
        if (!provisional.candidate) {
          provisionalOut++;
          expect(oneStep.candidate).toBe(false);
          continue;
        }
        expect(s.settle(provisional, path, template)).toEqual({ sampled: oneStep.candidate, rate: oneStep.rate });
      }
    }
    // The bound (0.8) lets about 20% of requests out before any byte is copied.
    expect(provisionalOut).toBeGreaterThan(0.15 * 15_000);
  });
});

describe('Sampler with a control-topic rate', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
  const inAt = (s: Sampler): Set<string> => new Set(keys.filter((k) => s.decide('/x', null, k).candidate));

  it('replaces the configured rate while set and returns to it when cleared', () => {
    const s = sampler(0.5, [], 'x-user-id');
    s.setControlRate(0.01);
    expect(s.rate).toBe(0.01);
    expectRate(inAt(s).size, keys.length, 0.01);
    s.setControlRate(1);
    expect(inAt(s).size).toBe(keys.length);
    s.setControlRate(0);
    expect(inAt(s).size).toBe(0);
    s.setControlRate(null);
    expect(s.rate).toBe(0.5);
    expectRate(inAt(s).size, keys.length, 0.5);
  });

  it('as the rate grows the keys already in stay in (the same hash point)', () => {
    const s = sampler(1, [], 'x-user-id');
    let previous = new Set<string>();
    for (const rate of [0.01, 0.1, 0.5, 1]) {
      s.setControlRate(rate);
      const now = inAt(s);
      for (const key of previous) expect(now.has(key)).toBe(true);
      expect(now.size).toBeGreaterThan(previous.size);
      previous = now;
    }
  });

  it('caps route rules above it and keeps rules below it (an excluded route stays out)', () => {
    const routes: ResolvedRouteRule[] = [
      { kind: 'pathPrefix', value: '/health', rate: 0 },
      { kind: 'route', value: '/orders/:id', rate: 0.8 },
    ];
    const s = sampler(0.5, routes, 'x-user-id');
    s.setControlRate(0.1);
    expect(s.rateFor('/health', null)).toBe(0);
    expect(s.rateFor('/orders/1', '/orders/:id')).toBe(0.1);
    expect(s.rateFor('/other', null)).toBe(0.1);
    // Undecided template: the upper bound is capped too, so nothing above 0.1 is copied.
    const provisional = keys.map((k) => s.decide('/orders/1', undefined, k));
    expect(provisional.every((d) => d.rate === 0.1)).toBe(true);
    s.setControlRate(null);
    expect(s.rateFor('/orders/1', '/orders/:id')).toBe(0.8);
  });
});
