/**
 * The consistent-sampling hash, specified so that a tap in another language makes the same
 * decision for the same key (docs/tap.md "Consistent sampling"):
 *
 *   h = FNV-1a 32-bit over the key's bytes (offset basis 0x811c9dc5, prime 0x01000193)
 *   h = MurmurHash3 fmix32(h)   (h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16)
 *   u = h / 2^32                 (uniform in [0, 1))
 *   sampled  <=>  u < rate
 *
 * The bytes are the header value as received on the wire. Node decodes header bytes as latin1,
 * so `charCode & 0xff` recovers them without allocating. The fmix32 finaliser spreads keys that
 * differ only in their last characters (`user-1`, `user-2`) over the whole range; plain FNV-1a
 * leaves them clustered, which biases the sampled fraction for sequential ids.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a32(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > 0xff) return fnv1a32Bytes(Buffer.from(key, 'utf8'));
    h = Math.imul(h ^ code, FNV_PRIME);
  }
  return h >>> 0;
}

export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const byte of bytes) h = Math.imul(h ^ byte, FNV_PRIME);
  return h >>> 0;
}

export function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Maps a sampling key to a point in [0, 1). */
export function samplingPoint(key: string): number {
  return fmix32(fnv1a32(key)) / 0x1_0000_0000;
}
