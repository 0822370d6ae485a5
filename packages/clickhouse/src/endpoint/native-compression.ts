// ClickHouse's own HTTP compression (`compress=1`): the body is a series of compressed blocks, each
// 16 bytes of CityHash128 (v1.0.2) checksum, then a 9-byte header (method 0x82 = LZ4, compressed
// size including the header, uncompressed size, both little-endian uint32), then an LZ4 block.
// The JDBC driver asks for this by default and accepts only LZ4. The endpoint writes LZ4 blocks made
// of literals only: valid LZ4 any decoder reads, no compression ratio (results are small, and
// clients that want smaller answers can use `enable_http_compression` with gzip instead).
import { cityHash128 } from './city-hash.js';

const LZ4_METHOD = 0x82;
const HEADER_SIZE = 9;
/** ClickHouse's own blocks are at most 1 MiB uncompressed (DBMS_DEFAULT_BUFFER_SIZE). */
export const NATIVE_BLOCK_SIZE = 1 << 20;

/** An LZ4 block holding `data` as one run of literals (the format's last sequence may be literals only). */
export function lz4LiteralBlock(data: Buffer): Buffer {
  const extra = data.length >= 15 ? Math.floor((data.length - 15) / 255) + 1 : 0;
  const out = Buffer.allocUnsafe(1 + extra + data.length);
  out[0] = Math.min(data.length, 15) << 4;
  let at = 1;
  if (data.length >= 15) {
    let rest = data.length - 15;
    while (rest >= 255) {
      out[at++] = 255;
      rest -= 255;
    }
    out[at++] = rest;
  }
  data.copy(out, at);
  return out;
}

/** One compressed block: checksum, header, LZ4 payload. */
export function nativeCompressedBlock(data: Buffer): Buffer {
  const payload = lz4LiteralBlock(data);
  const framed = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  framed[0] = LZ4_METHOD;
  framed.writeUInt32LE(HEADER_SIZE + payload.length, 1);
  framed.writeUInt32LE(data.length, 5);
  payload.copy(framed, HEADER_SIZE);
  const [low, high] = cityHash128(framed);
  const checksum = Buffer.allocUnsafe(16);
  checksum.writeBigUInt64LE(low, 0);
  checksum.writeBigUInt64LE(high, 8);
  return Buffer.concat([checksum, framed]);
}

/** Size of {@link nativeCompress}'s output for `size` bytes of input, without compressing. */
export function nativeCompressedLength(size: number): number {
  let total = 0;
  for (let at = 0; at < size; at += NATIVE_BLOCK_SIZE) {
    const n = Math.min(NATIVE_BLOCK_SIZE, size - at);
    const extra = n >= 15 ? Math.floor((n - 15) / 255) + 1 : 0;
    total += 16 + HEADER_SIZE + 1 + extra + n;
  }
  return total;
}

/** `data` as ClickHouse-compressed blocks of at most {@link NATIVE_BLOCK_SIZE} bytes each. */
export function nativeCompress(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += NATIVE_BLOCK_SIZE) {
    blocks.push(nativeCompressedBlock(data.subarray(at, at + NATIVE_BLOCK_SIZE)));
  }
  return Buffer.concat(blocks);
}

const NONE_METHOD = 0x02;
const ZSTD_METHOD = 0x90;
const CHECKSUM_SIZE = 16;

/** A body that is not valid ClickHouse block compression (CANNOT_DECOMPRESS) or too large once inflated. */
export class NativeDecompressError extends Error {
  override readonly name = 'NativeDecompressError';
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/**
 * Decodes an LZ4 block into exactly `size` bytes. Every length is checked against both buffers before
 * it is used, so a crafted block can neither read past its input nor write past `size`.
 */
export function lz4DecodeBlock(block: Buffer, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const corrupt = (why: string) => new NativeDecompressError(`Cannot decompress LZ4 block: ${why}`);
  const length = (initial: number, at: { i: number }): number => {
    let n = initial;
    if (initial !== 15) return n;
    let b: number;
    do {
      if (at.i >= block.length) throw corrupt('length runs past the block');
      b = block[at.i++] as number;
      n += b;
    } while (b === 255);
    return n;
  };
  const at = { i: 0 };
  let op = 0;
  while (at.i < block.length) {
    const token = block[at.i++] as number;
    const literals = length(token >> 4, at);
    if (at.i + literals > block.length || op + literals > size) throw corrupt('literals run past the block or the declared size');
    block.copy(out, op, at.i, at.i + literals);
    at.i += literals;
    op += literals;
    if (at.i === block.length) break; // the last sequence has literals only
    if (at.i + 2 > block.length) throw corrupt('truncated match offset');
    const offset = (block[at.i] as number) | ((block[at.i + 1] as number) << 8);
    at.i += 2;
    if (offset === 0 || offset > op) throw corrupt('match offset outside the output');
    const match = length(token & 15, at) + 4;
    if (op + match > size) throw corrupt('match runs past the declared size');
    if (offset >= match) {
      out.copy(out, op, op - offset, op - offset + match);
    } else {
      for (let k = 0; k < match; k += 1) out[op + k] = out[op - offset + k] as number;
    }
    op += match;
  }
  if (op !== size) throw corrupt(`decoded ${op} bytes, the header says ${size}`);
  return out;
}

/**
 * Decodes a body in ClickHouse's own compression (`decompress=1`): blocks of checksum, header and
 * payload. Sizes are read from each header and checked before anything is inflated, so the output
 * never grows past `maxBytes`; every checksum is verified.
 */
export function nativeDecompress(body: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let at = 0;
  while (at < body.length) {
    if (at + CHECKSUM_SIZE + HEADER_SIZE > body.length) throw new NativeDecompressError(`Cannot decompress: truncated block header at byte ${at}`);
    const method = body[at + CHECKSUM_SIZE] as number;
    const compressedSize = body.readUInt32LE(at + CHECKSUM_SIZE + 1);
    const size = body.readUInt32LE(at + CHECKSUM_SIZE + 5);
    if (compressedSize < HEADER_SIZE || at + CHECKSUM_SIZE + compressedSize > body.length) {
      throw new NativeDecompressError(
        `Cannot decompress: block at byte ${at} declares ${compressedSize} bytes, the body has ${body.length - at - CHECKSUM_SIZE}`,
      );
    }
    total += size;
    if (total > maxBytes) throw new NativeDecompressError(`Max query size exceeded (${maxBytes} bytes): the compressed blocks declare more`, true);
    const framed = body.subarray(at + CHECKSUM_SIZE, at + CHECKSUM_SIZE + compressedSize);
    const [low, high] = cityHash128(framed);
    if (body.readBigUInt64LE(at) !== low || body.readBigUInt64LE(at + 8) !== high) {
      throw new NativeDecompressError(`Checksum doesn't match: corrupted data in the compressed block at byte ${at}`);
    }
    const payload = framed.subarray(HEADER_SIZE);
    if (method === LZ4_METHOD) parts.push(lz4DecodeBlock(payload, size));
    else if (method === NONE_METHOD) {
      if (payload.length !== size)
        throw new NativeDecompressError(`Cannot decompress: uncompressed block at byte ${at} has ${payload.length} bytes, the header says ${size}`);
      parts.push(payload);
    } else if (method === ZSTD_METHOD) {
      throw new NativeDecompressError("Cannot decompress: ZSTD blocks are not supported by the endpoint; send LZ4 (the drivers' default) or no compression");
    } else {
      throw new NativeDecompressError(`Cannot decompress: unknown compression method 0x${method.toString(16)}`);
    }
    at += CHECKSUM_SIZE + compressedSize;
  }
  return Buffer.concat(parts);
}
