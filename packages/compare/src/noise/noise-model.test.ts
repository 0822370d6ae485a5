import { describe, expect, it } from 'vitest';
import { isSignificant, NoiseModel } from './noise-model.js';

const key = (path: string, kind = 'value_changed') => ({ path, kind });
const T = { relativeThreshold: 0.2, absoluteThreshold: 0.0003 };

describe('isSignificant (Diffy rule)', () => {
  it('is real when raw exceeds noise by both thresholds', () => {
    expect(isSignificant({ raw: 100, noise: 0, total: 100, withSecondary: 100 }, T)).toBe(true);
    expect(isSignificant({ raw: 50, noise: 48, total: 100, withSecondary: 100 }, T)).toBe(false); // relative 2%
    expect(isSignificant({ raw: 10, noise: 12, total: 100, withSecondary: 100 }, T)).toBe(false); // raw <= noise
    expect(isSignificant({ raw: 2, noise: 0, total: 100_000, withSecondary: 100_000 }, T)).toBe(false); // absolute 0.002%
    expect(isSignificant({ raw: 40, noise: 0, total: 100_000, withSecondary: 100_000 }, T)).toBe(true); // 0.04%
  });

  it('scales noise to all pairs when only some had a secondary', () => {
    // 10 of 100 pairs had a secondary and it differed in all 10: expected noise over 100 pairs is 100.
    expect(isSignificant({ raw: 100, noise: 10, total: 100, withSecondary: 10 }, T)).toBe(false);
    expect(isSignificant({ raw: 100, noise: 0, total: 100, withSecondary: 0 }, T)).toBe(true);
  });
});

describe('NoiseModel', () => {
  it('tells a field random between live copies from one that differs only for the candidate', () => {
    const m = new NoiseModel();
    for (let i = 0; i < 200; i++) {
      m.recordPair('GET /a', [key('$.ts'), key('$.price')], [key('$.ts')]);
    }
    expect(m.isReal('GET /a', key('$.ts'))).toBe(false);
    expect(m.isReal('GET /a', key('$.price'))).toBe(true);
    expect(m.counts('GET /a', key('$.price'))).toEqual({ raw: 200, noise: 0, total: 200, withSecondary: 200 });
    // Kinds are counted apart: a type change is not hidden by value noise.
    m.recordPair('GET /a', [key('$.ts', 'type_changed')], [key('$.ts')]);
    expect(m.isReal('GET /a', key('$.ts', 'type_changed'))).toBe(true);
  });

  it('keeps at most maxKeys counters, evicting the least recently used and counting it', () => {
    const m = new NoiseModel({ maxKeys: 2, maxRoutes: 1 });
    m.recordPair('r', [key('$.a')], null);
    m.recordPair('r', [key('$.b')], null);
    m.recordPair('r', [key('$.a')], null); // a is now younger than b
    m.recordPair('r', [key('$.c')], null); // evicts b
    expect(m.stats()).toMatchObject({ keys: 2, evictedKeys: 1 });
    expect(m.counts('r', key('$.b')).raw).toBe(0);
    expect(m.counts('r', key('$.a')).raw).toBe(2);
    m.recordPair('other', [], null);
    expect(m.stats()).toMatchObject({ routes: 1, evictedRoutes: 1 });
    expect([...m.entries()].map((e) => e.path).sort()).toEqual(['$.a', '$.c']);
  });

  it('rejects bad thresholds naming the field', () => {
    expect(() => new NoiseModel({ relativeThreshold: 20 })).toThrow(/noise.relativeThreshold/);
    expect(() => new NoiseModel({ maxKeys: 0 })).toThrow(/noise.maxKeys/);
  });
});
