// CityHash128 as of CityHash 1.0.2, the version ClickHouse pins for the checksums of its compressed
// blocks (later CityHash versions give other values). The JDBC driver asks for ClickHouse's own
// compression (`compress=1`) by default and verifies every block's checksum, so the endpoint needs
// this to answer it. BigInt arithmetic keeps it readable; it hashes about 15 MB/s, enough for the
// result sizes the endpoint allows.

const k0 = 0xc3a5c85c97cb3127n;
const k1 = 0xb492b66fbe98f273n;
const k2 = 0x9ae16a3b2f90404fn;
const k3 = 0xc949d7c7509e6557n;
const kMul = 0x9ddfea08eb382d69n;

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const add = (a: bigint, b: bigint) => BigInt.asUintN(64, a + b);
const add3 = (a: bigint, b: bigint, c: bigint) => BigInt.asUintN(64, a + b + c);
const add4 = (a: bigint, b: bigint, c: bigint, d: bigint) => BigInt.asUintN(64, a + b + c + d);
const mul = (a: bigint, b: bigint) => BigInt.asUintN(64, a * b);
const rotate = (v: bigint, shift: number) => (shift === 0 ? v : (v >> BigInt(shift)) | u64(v << BigInt(64 - shift)));
const shiftMix = (v: bigint) => v ^ (v >> 47n);

function hashLen16(u: bigint, v: bigint): bigint {
  let a = mul(u ^ v, kMul);
  a ^= a >> 47n;
  let b = mul(v ^ a, kMul);
  b ^= b >> 47n;
  return mul(b, kMul);
}

class Bytes {
  constructor(readonly buf: Buffer) {}
  fetch64(at: number): bigint {
    return this.buf.readBigUInt64LE(at);
  }
  fetch32(at: number): bigint {
    return BigInt(this.buf.readUInt32LE(at));
  }
  byte(at: number): bigint {
    return BigInt(this.buf[at] as number);
  }
}

function hashLen0to16(s: Bytes, at: number, len: number): bigint {
  if (len > 8) {
    const a = s.fetch64(at);
    const b = s.fetch64(at + len - 8);
    // RotateByAtLeast1 (shift never 0 here).
    return hashLen16(a, rotate(add(b, BigInt(len)), len)) ^ b;
  }
  if (len >= 4) {
    const a = s.fetch32(at);
    return hashLen16(add(BigInt(len), u64(a << 3n)), s.fetch32(at + len - 4));
  }
  if (len > 0) {
    const a = s.byte(at);
    const b = s.byte(at + (len >> 1));
    const c = s.byte(at + len - 1);
    const y = (a + (b << 8n)) & 0xffffffffn;
    const z = (BigInt(len) + (c << 2n)) & 0xffffffffn;
    return mul(shiftMix(mul(y, k2) ^ mul(z, k3)), k2);
  }
  return k2;
}

function weakHashLen32WithSeeds(s: Bytes, at: number, seedA: bigint, seedB: bigint): [bigint, bigint] {
  const w = s.fetch64(at);
  const x = s.fetch64(at + 8);
  const y = s.fetch64(at + 16);
  const z = s.fetch64(at + 24);
  let a = add(seedA, w);
  let b = rotate(add3(seedB, a, z), 21);
  const c = a;
  a = add3(a, x, y);
  b = add(b, rotate(a, 44));
  return [add(a, z), add(b, c)];
}

function cityMurmur(s: Bytes, at: number, len: number, seedLow: bigint, seedHigh: bigint): [bigint, bigint] {
  let a = seedLow;
  let b = seedHigh;
  let c: bigint;
  let d: bigint;
  let l = len - 16;
  if (l <= 0) {
    a = mul(shiftMix(mul(a, k1)), k1);
    c = add(mul(b, k1), hashLen0to16(s, at, len));
    d = shiftMix(add(a, len >= 8 ? s.fetch64(at) : c));
  } else {
    c = hashLen16(add(s.fetch64(at + len - 8), k1), a);
    d = hashLen16(add(b, BigInt(len)), add(c, s.fetch64(at + len - 16)));
    a = add(a, d);
    let p = at;
    do {
      a ^= mul(shiftMix(mul(s.fetch64(p), k1)), k1);
      a = mul(a, k1);
      b ^= a;
      c ^= mul(shiftMix(mul(s.fetch64(p + 8), k1)), k1);
      c = mul(c, k1);
      d ^= c;
      p += 16;
      l -= 16;
    } while (l > 0);
  }
  a = hashLen16(a, c);
  b = hashLen16(d, b);
  return [a ^ b, hashLen16(b, a)];
}

function cityHash128WithSeed(s: Bytes, start: number, length: number, seedLow: bigint, seedHigh: bigint): [bigint, bigint] {
  if (length < 128) return cityMurmur(s, start, length, seedLow, seedHigh);
  let len = length;
  let p = start;
  let x = seedLow;
  let y = seedHigh;
  let z = mul(BigInt(len), k1);
  const v: [bigint, bigint] = [0n, 0n];
  const w: [bigint, bigint] = [0n, 0n];
  v[0] = add(mul(rotate(y ^ k1, 49), k1), s.fetch64(p));
  v[1] = add(mul(rotate(v[0], 42), k1), s.fetch64(p + 8));
  w[0] = add(mul(rotate(add(y, z), 35), k1), x);
  w[1] = mul(rotate(add(x, s.fetch64(p + 88)), 53), k1);
  const round = () => {
    x = mul(rotate(add4(x, y, v[0], s.fetch64(p + 16)), 37), k1);
    y = mul(rotate(add3(y, v[1], s.fetch64(p + 48)), 42), k1);
    x ^= w[1];
    y ^= v[0];
    z = rotate(z ^ w[0], 33);
    [v[0], v[1]] = weakHashLen32WithSeeds(s, p, mul(v[1], k1), add(x, w[0]));
    [w[0], w[1]] = weakHashLen32WithSeeds(s, p + 32, add(z, w[1]), y);
    [z, x] = [x, z];
    p += 64;
  };
  do {
    round();
    round();
    len -= 128;
  } while (len >= 128);
  y = add3(y, mul(rotate(w[0], 37), k0), z);
  x = add(x, mul(rotate(add(v[0], z), 49), k0));
  for (let tailDone = 0; tailDone < len; ) {
    tailDone += 32;
    y = add(mul(rotate(u64(y - x), 42), k0), v[1]);
    w[0] = add(w[0], s.fetch64(p + len - tailDone + 16));
    x = add(mul(rotate(x, 49), k0), w[0]);
    w[0] = add(w[0], v[0]);
    [v[0], v[1]] = weakHashLen32WithSeeds(s, p + len - tailDone, v[0], v[1]);
  }
  x = hashLen16(x, v[0]);
  y = hashLen16(y, w[0]);
  return [add(hashLen16(add(x, v[1]), w[1]), y), hashLen16(add(x, w[1]), add(y, v[1]))];
}

/** CityHash128 (v1.0.2) of `data`: [low 64 bits, high 64 bits]. */
export function cityHash128(data: Buffer): [bigint, bigint] {
  const s = new Bytes(data);
  const len = data.length;
  if (len >= 16) return cityHash128WithSeed(s, 16, len - 16, s.fetch64(0) ^ k3, s.fetch64(8));
  if (len >= 8) return cityHash128WithSeed(s, 0, 0, s.fetch64(0) ^ mul(BigInt(len), k0), s.fetch64(len - 8) ^ k1);
  return cityHash128WithSeed(s, 0, len, k0, k1);
}
