import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a32, fnv1a32Bytes, samplingPoint } from './hash.js';

describe('consistent-sampling hash', () => {
  it('is FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  // Pinned so that a tap in another language can check its implementation (docs/tap.md).
  it('maps keys to the documented points', () => {
    expect(fmix32(fnv1a32('user-1')).toString(16)).toBe('778f8aec');
    expect(samplingPoint('user-1')).toBeCloseTo(0.46703403722, 10);
    expect(samplingPoint('session-42')).toBeCloseTo(0.29086885159, 10);
  });

  it('hashes the bytes received on the wire, not a re-encoding of the latin1 string Node gives', () => {
    const wire = Buffer.from('zoë', 'utf8');
    const asNodeSeesIt = wire.toString('latin1');
    expect(fnv1a32(asNodeSeesIt)).toBe(fnv1a32Bytes(wire));
  });

  it('spreads sequential ids over [0, 1)', () => {
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = samplingPoint(`user-${i}`);
      if (!(u >= 0 && u < 1)) outOfRange++;
      else buckets[Math.floor(u * 10)]! += 1;
    }
    expect(outOfRange).toBe(0);
    // Each bucket ~ Binomial(n, 0.1): sd ~ 95; 5 sd is far beyond chance, well within a biased hash.
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(475);
  });
});
