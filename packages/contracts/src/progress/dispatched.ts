// A chunk's "sent to this challenger" set as a bitmap over the chunk's offset range: bit i (least
// significant first in byte i >> 3) stands for offset fromOffset + i. 32 bytes describe a 256-record
// chunk, whatever the sampling rate; offsets the range skips (compaction, transaction markers,
// dead letters) are simply 0.

/** An empty bitmap for `size` offsets. */
export function dispatchedBitmap(size: number): Buffer {
  return Buffer.alloc(Math.ceil(Math.max(0, size) / 8));
}

/** Marks `index` (offset - fromOffset). */
export function markDispatched(bitmap: Buffer, index: number): void {
  const byte = index >> 3;
  if (index < 0 || byte >= bitmap.length) return;
  bitmap[byte] = (bitmap[byte] as number) | (1 << (index & 7));
}

/** Whether `index` (offset - fromOffset) is marked. Out of range: false. */
export function isDispatched(bitmap: Uint8Array, index: number): boolean {
  const byte = index >> 3;
  if (index < 0 || byte >= bitmap.length) return false;
  return (((bitmap[byte] as number) >> (index & 7)) & 1) === 1;
}
