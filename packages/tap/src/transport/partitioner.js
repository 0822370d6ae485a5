// The Java client's default partitioner (murmur2 of the key's UTF-8 bytes, positive, modulo the
// partition count), for the producer worker. Plain JavaScript for the same reason as
// producer-worker.js: the worker loads it unchanged from src and from dist.
//
// It places every key exactly where kafkajs' `Partitioners.DefaultPartitioner` does (tested
// against it), so records about one exchange keep landing in the same partition number on every
// topic. kafkajs' own version costs ~2-5 µs per record on this path: its murmur2 runs on long.js
// objects and it filters the partition list for every message. This one uses Math.imul and reads
// the partition count once per call.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * murmur2 as in org.apache.kafka.common.utils.Utils.murmur2 (32-bit, signed result).
 * @param {Uint8Array} data
 * @returns {number}
 */
export function murmur2(data) {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24) | 0;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= data[tail + 2] << 16;
    // falls through
    case 2:
      h ^= data[tail + 1] << 8;
    // falls through
    case 1:
      h ^= data[tail];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition of a key among `count` partitions.
 * @param {string | Uint8Array} key
 * @param {number} count
 * @returns {number}
 */
export function partitionOf(key, count) {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(data) & 0x7fffffff) % count;
}

/**
 * A kafkajs `createPartitioner`: messages with an explicit partition keep it, keyed messages go to
 * partitionOf(key), unkeyed ones round-robin over the partitions that have a leader (as kafkajs').
 * @returns {(args: { partitionMetadata: { partitionId: number, leader: number }[], message: { partition?: number | null, key?: string | Buffer | null } }) => number}
 */
export function createMurmur2Partitioner() {
  let counter = Math.floor(Math.random() * 0x7fffffff);
  return ({ partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const count = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return partitionOf(message.key, count);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    counter = (counter + 1) & 0x7fffffff;
    return available.length > 0 ? /** @type {{ partitionId: number }} */ (available[counter % available.length]).partitionId : counter % count;
  };
}
