// Foundation: the broker the stack provides behaves like Kafka for the things the pipeline relies
// on: keyed partitioning, consumer groups, per-key ordering, nothing lost or doubled.
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient } from '../setup/stack.js';
import { createTopicsAndWait } from '@shadow/contracts';

const MESSAGES = 10_000;
const KEYS = 100;

describe('kafka round trip', () => {
  it('produces 10k keyed messages to 3 partitions and a consumer group reads them all back in per-key order', async () => {
    const kafka = kafkaClient('round-trip');
    const topic = uniqueName('round-trip');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }], 30_000);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Per key, the sequence number rises by one with each message: order is checkable on the way back.
    const batchSize = 1_000;
    for (let start = 0; start < MESSAGES; start += batchSize) {
      const messages = [];
      for (let i = start; i < start + batchSize; i++) {
        const key = `k${i % KEYS}`;
        messages.push({ key, value: JSON.stringify({ key, seq: Math.floor(i / KEYS), i }) });
      }
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('round-trip-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const lastSeq = new Map<string, number>();
    const seen = new Set<number>();
    const partitionsOfKey = new Map<string, Set<number>>();
    let outOfOrder = 0;
    let duplicates = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const { key, seq, i } = JSON.parse(message.value!.toString()) as { key: string; seq: number; i: number };
          expect(message.key?.toString()).toBe(key);
          if (seen.has(i)) duplicates++;
          seen.add(i);
          const prev = lastSeq.get(key) ?? -1;
          if (seq !== prev + 1) outOfOrder++;
          lastSeq.set(key, seq);
          const parts = partitionsOfKey.get(key) ?? new Set<number>();
          parts.add(partition);
          partitionsOfKey.set(key, parts);
          if (seen.size === MESSAGES) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();

    expect(seen.size).toBe(MESSAGES);
    expect(duplicates).toBe(0);
    expect(outOfOrder).toBe(0);
    expect([...partitionsOfKey.values()].every((p) => p.size === 1)).toBe(true);
    // All three partitions got traffic, and their high watermarks add up to what was sent.
    expect(offsets.filter((o) => Number(o.high) > 0)).toHaveLength(3);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(MESSAGES);
  });
});
