// A small seeded PRNG (xoshiro128**, seeded through splitmix32) so bootstrap intervals, and hence
// gate verdicts, are reproducible: same data, same seed, same numbers. Math.random cannot be seeded.
// A class with numeric fields (not a closure) because V8 keeps those in registers in hot loops:
// the bootstrap draws tens of millions of numbers.

export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n), n <= 2^32 (multiply-shift; bias < n / 2^32, negligible here). */
  int(n: number): number;
}

class Xoshiro128 implements Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }
}

export function createPrng(seed: number): Prng {
  return new Xoshiro128(seed);
}
