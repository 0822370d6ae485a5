import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createMurmur2Partitioner, murmur2, partitionOf } from './partitioner.js';

const metadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));

describe('murmur2 partitioner', () => {
  it('matches the Java client on its published test vectors', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it('places every key where kafkajs DefaultPartitioner does', () => {
    const theirs = Partitioners.DefaultPartitioner();
    const ours = createMurmur2Partitioner();
    const keys = [
      ...Array.from({ length: 2000 }, () => randomUUID()),
      ...Array.from({ length: 500 }, (_, i) => randomBytes(i % 64).toString('latin1')), // non-ASCII: UTF-8 bytes
      'é-ü-日本-🚀',
      'a',
      'ab',
      'abc',
    ];
    for (const count of [1, 3, 6, 7, 64]) {
      const partitionMetadata = metadata(count);
      for (const key of keys) {
        const message = { key, value: null };
        expect(ours({ partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message }));
        expect(partitionOf(key, count)).toBe(ours({ partitionMetadata, message }));
      }
    }
  });

  it('keeps an explicit partition and spreads unkeyed messages over partitions with a leader', () => {
    const ours = createMurmur2Partitioner();
    const partitionMetadata = [...metadata(3), { partitionId: 3, leader: -1, replicas: [1], isr: [], partitionErrorCode: 0 }];
    expect(ours({ partitionMetadata, message: { key: 'x', partition: 2 } })).toBe(2);
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) seen.add(ours({ partitionMetadata, message: { key: null } }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
