import { randomUUID } from 'node:crypto';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient } from '@shadow/stack-harness/vitest';
import { describe, expect, it } from 'vitest';
import { checkTopics, ensureTopics, topicNames } from '../src/index.js';

describe('topics provisioning (real Kafka)', () => {
  it('ensure creates every topic once, with the joined ones co-partitioned and control compacted; a second ensure is a no-op', async () => {
    const kafka = kafkaClient(uniqueName('prov-test'));
    const prefix = `${uniqueName('prov')}.`;
    const first = await ensureTopics(kafka, { prefix, partitions: 3 });
    expect(first.ok).toBe(true);
    expect(first.topics.map((t) => [t.role, t.action, t.partitions])).toEqual([
      ['exchanges', 'created', 3],
      ['results', 'created', 3],
      ['sideEffects', 'created', 3],
      ['control', 'created', 1],
      ['deadLetter', 'created', 3],
      ['labels', 'created', 3],
      ['progress', 'created', 3],
    ]);
    expect(first.topics.find((t) => t.role === 'control')?.cleanupPolicy).toBe('compact');
    const second = await ensureTopics(kafka, { prefix, partitions: 3 });
    expect(second.ok).toBe(true);
    expect(second.topics.every((t) => t.action === 'exists')).toBe(true);
  });

  it('check reports a partition-count mismatch between joined topics and ensure does not paper over it', async () => {
    const kafka = kafkaClient(uniqueName('prov-test'));
    const prefix = `${uniqueName('prov')}.`;
    const names = topicNames(prefix);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = [
        { topic: names.exchanges, numPartitions: 6 },
        { topic: names.results, numPartitions: 2 },
      ];
      try {
        await admin.createTopics({ waitForLeaders: true, topics });
      } catch (error) {
        // A loaded broker can answer the leader wait before it hosts the new partitions: they exist, wait for them below.
        if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
          break;
        } catch (error) {
          if (attempt >= 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const check = await checkTopics(kafka, { prefix });
    expect(check.ok).toBe(false);
    expect(check.problems.some((p) => p.includes(`${names.results} (results) has 2 partitions, not the 6`))).toBe(true);
    expect(check.topics.find((t) => t.role === 'sideEffects')?.action).toBe('missing');

    const ensured = await ensureTopics(kafka, { prefix });
    // the missing ones follow the exchanges topic; the mismatching one stays reported
    expect(ensured.topics.find((t) => t.role === 'sideEffects')).toMatchObject({ action: 'created', partitions: 6 });
    expect(ensured.ok).toBe(false);
    expect(ensured.problems).toHaveLength(1);
  });

  it('rejects with a retriable error naming the step when Kafka cannot be reached', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const dead = new Kafka({ clientId: randomUUID(), brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 200 });
    await expect(checkTopics(dead, { timeoutMs: 3000 })).rejects.toMatchObject({
      code: 'CONTRACTS_UNKNOWN',
      retriable: true,
      message: expect.stringMatching(/checking topics/),
    });
  });
});
