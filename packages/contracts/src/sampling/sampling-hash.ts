/**
 * The consistent-sampling hash: one function for the tap (its key header), the replayer (the
 * exchange id) and the judge, so the same key gets the same point everywhere. It is specified so
 * that a tap in another language makes the same decision for the same key (docs/tap.md
 * "Consistent sampling"):
 *
 *   h = FNV-1a 32-bit over the key's bytes (offset basis 0x811c9dc5, prime 0x01000193)
 *   h = MurmurHash3 fmix32(h)   (h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16)
 *   u = h / 2^32                 (uniform in [0, 1))
 *   sampled  <=>  u < rate
 *
 * The fmix32 finaliser spreads keys that differ only in their last characters (`user-1`,
 * `user-2`) over the whole range; plain FNV-1a leaves them clustered, which biases the sampled
 * fraction for sequential ids.
 *
 * Only the key's bytes differ between callers: a header value is hashed as received on the wire
 * (Node decodes header bytes as latin1, so `charCode & 0xff` recovers them without allocating), any
 * other text (an exchange id, a judge key) as its UTF-8 bytes. For ASCII both are the same bytes.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over bytes. */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const byte of bytes) h = Math.imul(h ^ byte, FNV_PRIME);
  return h >>> 0;
}

/**
 * FNV-1a 32-bit over a string whose chars up to `direct` are its bytes; a longer char means the
 * string is hashed as its UTF-8 bytes instead (no allocation on the common path).
 */
function fnv1a32Chars(key: string, direct: number): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > direct) return fnv1a32Bytes(Buffer.from(key, 'utf8'));
    h = Math.imul(h ^ code, FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a 32-bit over a header value as Node gives it (latin1: a char is a wire byte). */
export function fnv1a32(key: string): number {
  return fnv1a32Chars(key, 0xff);
}

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const toPoint = (h: number): number => fmix32(h) / 0x1_0000_0000;

/** A header value's point in [0, 1) (the tap's key header): sampled iff point < rate. */
export function samplingPoint(headerValue: string): number {
  return toPoint(fnv1a32(headerValue));
}

/** A text key's point in [0, 1), over its UTF-8 bytes (an exchange id, a judge key): sampled iff point < rate. */
export function samplingPointOf(text: string): number {
  return toPoint(fnv1a32Chars(text, 0x7f));
}

/**
 * Pinned hashes (fmix32 of FNV-1a; the point is hash / 2^32) that every user checks itself against:
 * the tap's and the replayer's sampler tests, and a tap in another language. ASCII keys: the same
 * bytes whether hashed as a header or as text.
 */
export const SAMPLING_HASH_VECTORS: readonly { readonly key: string; readonly hash: number }[] = Object.freeze([
  { key: '', hash: 0xab3e7c0b },
  { key: 'user-1', hash: 0x778f8aec },
  { key: 'session-42', hash: 0x4a76618d },
  { key: 'ex-0', hash: 0xd5a02ca1 },
  { key: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b', hash: 0x3fc149f8 },
]);
