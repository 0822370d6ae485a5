// Small Kafka helpers for integration tests: explicit topic creation and "read everything back".
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { createTopicsAndWait } from '@shadow/contracts';

export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: `contracts-test-${randomUUID()}`, brokers, logLevel: logLevel.NOTHING });
}

export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(
      admin,
      topics.map((topic) => ({ topic, numPartitions })),
      30_000,
    );
    // A producer that sees fewer partitions than exist would key records onto the wrong ones:
    // wait until the metadata lists every partition with a leader.
    for (let attempt = 0; ; attempt++) {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0))) break;
      if (attempt === 50) throw new Error(`topics ${topics.join(', ')} not ready with ${numPartitions} partitions`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

export interface Consumed {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Reads `topics` from the beginning until `count` messages arrived (or fails after timeoutMs). */
export async function consumeCount(kafka: Kafka, topics: string[], count: number, timeoutMs = 30_000): Promise<Consumed[]> {
  const consumer = kafka.consumer({ groupId: `contracts-test-${randomUUID()}` });
  const got: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages within ${timeoutMs} ms`)), timeoutMs);
      void consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            got.push({ topic, partition, message });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}
