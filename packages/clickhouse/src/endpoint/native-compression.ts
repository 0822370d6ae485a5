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

/** `data` as ClickHouse-compressed blocks of at most {@link NATIVE_BLOCK_SIZE} bytes each. */
export function nativeCompress(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += NATIVE_BLOCK_SIZE) {
    blocks.push(nativeCompressedBlock(data.subarray(at, at + NATIVE_BLOCK_SIZE)));
  }
  return Buffer.concat(blocks);
}
