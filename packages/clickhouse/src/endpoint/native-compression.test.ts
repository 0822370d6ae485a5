import { describe, expect, it } from 'vitest';
import { cityHash128 } from './city-hash.js';
import {
  lz4DecodeBlock,
  lz4LiteralBlock,
  NATIVE_BLOCK_SIZE,
  NativeDecompressError,
  nativeCompress,
  nativeCompressedBlock,
  nativeCompressedLength,
  nativeDecompress,
} from './native-compression.js';

const sample = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));

/** Decodes an LZ4 block (the reference algorithm, literals and matches) to check the encoder. */
function lz4Decode(block: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < block.length) {
    const token = block[i++] as number;
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = block[i++] as number;
        literals += b;
      } while (b === 255);
    }
    out.push(block.subarray(i, i + literals));
    i += literals;
    if (i >= block.length) break;
    throw new Error('matches are not expected from a literal-only encoder');
  }
  return Buffer.concat(out);
}

describe('CityHash128 v1.0.2', () => {
  // Reference values from the ClickHouse JDBC driver's ClickHouseCityHash.cityHash128 (clickhouse-data
  // 0.10.0) over the same bytes; they cover every length branch (0-16, 17-127, 128+ with a tail).
  it.each([
    [0, '3df09dfc64c09a2b', '3cb540c392e51e29'],
    [9, '338434c54a2565e1', '1001bbb07bd33771'],
    [17, 'aee34bf68bb2e0a2', 'e0d6910555f00b87'],
    [128, 'ba863c0c70f32346', '24b156fc6f3c170a'],
    [200, '67b5c9a4f885f24b', 'b4a0f54a58082487'],
    [4099, '286e2453ac5859e7', '1d1946f92861294f'],
  ])('hashes %i bytes as the JDBC driver does', (length, low, high) => {
    const [lo, hi] = cityHash128(sample(length));
    expect([lo.toString(16), hi.toString(16)]).toEqual([low, high]);
  });
});

describe('native (compress=1) framing', () => {
  it.each([0, 1, 14, 15, 16, 269, 270, 5000])('an LZ4 literal block of %i bytes decodes to the input', (n) => {
    expect(lz4Decode(lz4LiteralBlock(sample(n)))).toEqual(sample(n));
  });

  it('frames each block with checksum, method 0x82 and sizes, splitting at 1 MiB', () => {
    const data = sample(NATIVE_BLOCK_SIZE + 10);
    const framed = nativeCompress(data);
    const blocks: Buffer[] = [];
    for (let at = 0; at < framed.length; ) {
      const compressedSize = framed.readUInt32LE(at + 17);
      const header = framed.subarray(at + 16, at + 16 + compressedSize);
      expect(header[0]).toBe(0x82);
      const [lo, hi] = cityHash128(header);
      expect([framed.readBigUInt64LE(at), framed.readBigUInt64LE(at + 8)]).toEqual([lo, hi]);
      const body = lz4Decode(header.subarray(9));
      expect(body.length).toBe(header.readUInt32LE(5));
      blocks.push(body);
      at += 16 + compressedSize;
    }
    expect(blocks.map((b) => b.length)).toEqual([NATIVE_BLOCK_SIZE, 10]);
    // Buffer#equals: vitest's deep equality walks a 1 MiB buffer byte by byte, for seconds.
    expect(Buffer.concat(blocks).equals(data)).toBe(true);
  });
});

describe('decoding (decompress=1 request bodies)', () => {
  // token 0x4f: 4 literals, match length 15 + 4 + 1 (extra byte 1) = 20; offset 4 (overlapping copy).
  const matchBlock = Buffer.from([0x4f, ...Buffer.from('abcd'), 0x04, 0x00, 0x01, 0x10, ...Buffer.from('!')]);

  it('decodes literals and (overlapping) matches into exactly the declared size', () => {
    expect(lz4DecodeBlock(matchBlock, 25).toString()).toBe(`${'abcd'.repeat(6)}!`);
    expect(lz4DecodeBlock(lz4LiteralBlock(sample(300)), 300)).toEqual(sample(300));
  });

  it('refuses blocks that point outside their input or output', () => {
    expect(() => lz4DecodeBlock(matchBlock, 24)).toThrow(NativeDecompressError);
    expect(() => lz4DecodeBlock(Buffer.from([0x40, ...Buffer.from('abcd'), 0x09, 0x00, 0x10]), 100)).toThrow(/offset outside/);
    expect(() => lz4DecodeBlock(Buffer.from([0xf0, 0xff]), 100)).toThrow(/length runs past/);
  });

  it('reads framed blocks, verifies checksums and refuses declared sizes past the limit before inflating', () => {
    const body = Buffer.concat([nativeCompressedBlock(Buffer.from('SELECT ')), nativeCompressedBlock(Buffer.from('1'))]);
    expect(nativeDecompress(body, 100).toString()).toBe('SELECT 1');
    expect(() => nativeDecompress(body, 7)).toThrow(/Max query size exceeded/);
    const tampered = Buffer.from(body);
    tampered[20] = 0xff;
    expect(() => nativeDecompress(tampered, 100)).toThrow(/Checksum|declares/);
    expect(() => nativeDecompress(body.subarray(0, 20), 100)).toThrow(/truncated/);
  });
});

describe('nativeCompressedLength', () => {
  it.each([0, 1, 14, 15, 16, 270, 271, NATIVE_BLOCK_SIZE, NATIVE_BLOCK_SIZE + 1, 3 * NATIVE_BLOCK_SIZE + 17])('is the compressed size of %i bytes', (n) => {
    expect(nativeCompressedLength(n)).toBe(nativeCompress(Buffer.alloc(n, 7)).length);
  });
});
