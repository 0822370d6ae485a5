import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';

describe('createPrng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createPrng(123);
    const b = createPrng(123);
    const c = createPrng(124);
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(seqA);
    for (const v of seqA) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
  });

  it('draws integers in [0, n) about uniformly', () => {
    const prng = createPrng(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const k = prng.int(10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    // Each bucket expects 10 000 with sd ~95; 600 is > 6 sd.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    let sum = 0;
    for (let i = 0; i < 100_000; i += 1) sum += prng.next();
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.006);
  });
});
