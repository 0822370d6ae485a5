/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, a 12-bit counter in `rand_a`
 * (method 1, "fixed-length dedicated counter"), variant 10, 62 random bits.
 *
 * Ids from one process sort in generation order: within a millisecond the counter increments from
 * a random start below 2^11 (leaving at least 2048 steps); when it overflows, or the clock steps
 * back, the timestamp is advanced by one millisecond instead of going backwards.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function random10(): number {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  return at;
}

export function uuidv7(nowMs: number = Date.now()): string {
  const r = random10();
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = (((pool[r] as number) << 3) | ((pool[r + 1] as number) >>> 5)) & 0x7ff;
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
  }
  const ms = lastMs;
  const hi = Math.floor(ms / 0x1_0000_0000);
  const lo = ms >>> 0;
  const b = (n: number): string => HEX[n & 0xff] as string;
  const rnd = (k: number): number => pool[r + k] as number;
  return (
    b(hi >>> 8) +
    b(hi) +
    b(lo >>> 24) +
    b(lo >>> 16) +
    '-' +
    b(lo >>> 8) +
    b(lo) +
    '-' +
    b(0x70 | (counter >>> 8)) +
    b(counter) +
    '-' +
    b(0x80 | (rnd(2) & 0x3f)) +
    b(rnd(3)) +
    '-' +
    b(rnd(4)) +
    b(rnd(5)) +
    b(rnd(6)) +
    b(rnd(7)) +
    b(rnd(8)) +
    b(rnd(9))
  );
}
