import { describe, expect, it } from 'vitest';
import { NativeTranscodeError, nativeForRevision, parseTypeName } from './native-revision.js';

const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const BLOCK_INFO = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);

describe('parseTypeName', () => {
  it('splits top-level arguments, respecting quotes and nesting', () => {
    expect(parseTypeName('UInt8')).toEqual({ name: 'UInt8', args: [] });
    expect(parseTypeName("DateTime64(3, 'UTC')")).toEqual({ name: 'DateTime64', args: ['3', "'UTC'"] });
    expect(parseTypeName("Enum8('a,b' = 1, 'c)' = 2)")).toEqual({ name: 'Enum8', args: ["'a,b' = 1", "'c)' = 2"] });
    expect(parseTypeName('Map(String, Array(Tuple(a UInt8, b String)))')).toEqual({ name: 'Map', args: ['String', 'Array(Tuple(a UInt8, b String))'] });
  });
});

describe('nativeForRevision', () => {
  // One block, 2 rows: n UInt8 [1, 2]; s Nullable(String) [NULL, 'x']; a Array(UInt16) [[7], []].
  const revision0 = Buffer.concat([
    Buffer.from([3, 2]),
    str('n'),
    str('UInt8'),
    Buffer.from([1, 2]),
    str('s'),
    str('Nullable(String)'),
    Buffer.from([1, 0]),
    Buffer.from([0]),
    str('x'),
    str('a'),
    str('Array(UInt16)'),
    u64(1),
    u64(1),
    Buffer.from([7, 0]),
  ]);

  it('adds block info and a zero serialization flag after each column type, data unchanged', () => {
    const expected = Buffer.concat([
      BLOCK_INFO,
      Buffer.from([3, 2]),
      str('n'),
      str('UInt8'),
      Buffer.from([0]),
      Buffer.from([1, 2]),
      str('s'),
      str('Nullable(String)'),
      Buffer.from([0]),
      Buffer.from([1, 0]),
      Buffer.from([0]),
      str('x'),
      str('a'),
      str('Array(UInt16)'),
      Buffer.from([0]),
      u64(1),
      u64(1),
      Buffer.from([7, 0]),
    ]);
    expect(nativeForRevision(revision0, 54460)).toEqual(expected);
    // Two blocks back to back each get their own block info.
    expect(nativeForRevision(Buffer.concat([revision0, revision0]), 54460)).toEqual(Buffer.concat([expected, expected]));
  });

  it('walks top-level LowCardinality (key version, flags with additional keys, dictionary, indexes)', () => {
    const lc = Buffer.concat([
      Buffer.from([1, 3]),
      str('c'),
      str('LowCardinality(String)'),
      u64(1),
      u64(1 << 9),
      u64(2),
      str('a'),
      str('b'),
      u64(3),
      Buffer.from([0, 1, 0]),
    ]);
    const out = nativeForRevision(lc, 54460);
    expect(out.subarray(0, 8)).toEqual(BLOCK_INFO);
    expect(out.length).toBe(lc.length + 9);
  });

  it('leaves older revisions and empty output alone, and refuses types it cannot walk', () => {
    expect(nativeForRevision(revision0, 0)).toBe(revision0);
    expect(nativeForRevision(Buffer.alloc(0), 54460).length).toBe(0);
    const dynamic = Buffer.concat([Buffer.from([1, 1]), str('d'), str('Dynamic'), Buffer.from([0])]);
    expect(() => nativeForRevision(dynamic, 54460)).toThrow(NativeTranscodeError);
  });
});
