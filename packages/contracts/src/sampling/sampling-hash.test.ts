import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a32, fnv1a32Bytes, SAMPLING_HASH_VECTORS, samplingPoint, samplingPointOf } from './sampling-hash.js';

describe('consistent-sampling hash', () => {
  it('is FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32Bytes(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  // Pinned so that a tap in another language can check its implementation (docs/tap.md).
  it('maps keys to the documented points, the same as a header and as text', () => {
    expect(samplingPoint('user-1')).toBeCloseTo(0.46703403722, 10);
    expect(samplingPoint('session-42')).toBeCloseTo(0.29086885159, 10);
    for (const { key, hash } of SAMPLING_HASH_VECTORS) {
      expect(fmix32(fnv1a32(key)).toString(16), key).toBe(hash.toString(16));
      expect(samplingPoint(key), key).toBe(hash / 2 ** 32);
      expect(samplingPointOf(key), key).toBe(hash / 2 ** 32);
    }
  });

  it('hashes a header as the bytes received on the wire, not a re-encoding of the latin1 string Node gives', () => {
    const wire = Buffer.from('zoë', 'utf8');
    const asNodeSeesIt = wire.toString('latin1');
    expect(fnv1a32(asNodeSeesIt)).toBe(fnv1a32Bytes(wire));
    // The same text as a key (a judge key): its UTF-8 bytes, so both name the same point.
    expect(samplingPointOf('zoë')).toBe(samplingPoint(asNodeSeesIt));
    // A char above 0xff cannot have come from the wire: the header form hashes its UTF-8 too.
    expect(samplingPoint('日本')).toBe(samplingPointOf('日本'));
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
