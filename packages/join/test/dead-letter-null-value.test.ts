// A null-value record (a Kafka tombstone) on a joined topic is malformed like an undecodable one:
// it goes to the dead-letter topic with its reason and source, is counted under its own reason
// (null_value), and the joiner keeps pairing around it. It used to be skipped in silence. Real
// Kafka, schema registry and chDB.
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import { topicNames } from '@shadow/contracts';
import { createJoiner } from '@shadow/join';
import type { Joiner } from '@shadow/join';
import type { KafkaMessage } from 'kafkajs';
import { CANDIDATE, createJoinTopics, landed, mergeExpected, openSchemaDatabase, produceRun, SECONDARY, serdesFor, sortedDiff, waitFor } from './fixture.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

describe('joiner: null-value records', () => {
  it('on the exchanges and the results topic each land in the dead-letter topic with reason null_value; every pair still lands', async () => {
    const prefix = `${uniqueName('jn')}.`;
    const names = topicNames(prefix);
    const kafka = kafkaClient('jn');
    await createJoinTopics(kafka, prefix, 3);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    const ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    const deadLetters: string[] = [];
    const joiner: Joiner = createJoiner({
      kafka: kafkaClient(uniqueName('jn-joiner')),
      registry: serdes.registry,
      clickhouse: ch,
      groupId: uniqueName('jn-group'),
      topicPrefix: prefix,
      challengers: [CANDIDATE, SECONDARY],
      windowMs: 3000,
      sideEffectGraceMs: 50,
      batchMaxDelayMs: 200,
      hooks: { onDeadLetter: (topic, reason) => deadLetters.push(`${topic}:${reason}`) },
    });
    cleanup.push(() => joiner.close());
    await joiner.start();

    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send({ topic: names.exchanges, messages: [{ key: 'tombstone-ex', value: null }] });
    const first = await produceRun(
      kafka,
      serdes,
      prefix,
      { n: 300, missingCandidateEvery: 0, missingLiveEvery: 0, realDiffEvery: 10 },
      uniqueName('ex'),
      0,
      150,
    );
    await producer.send({ topic: names.results, messages: [{ key: 'tombstone-res', value: null }] });
    const second = await produceRun(
      kafka,
      serdes,
      prefix,
      { n: 300, missingCandidateEvery: 0, missingLiveEvery: 0, realDiffEvery: 10 },
      uniqueName('ex'),
      150,
      300,
    );
    const expected = mergeExpected(first, second);

    await waitFor(
      'every pair',
      () => landed(ch),
      (l) => l.pairs.length >= expected.pairs.size,
      60_000,
    );
    expect(sortedDiff((await landed(ch)).pairs, expected.pairs)).toEqual({ missing: [], extra: [], duplicated: 0 });
    expect(deadLetters.sort()).toEqual([`${names.exchanges}:null_value`, `${names.results}:null_value`]);

    const consumer = kafka.consumer({ groupId: uniqueName('jn-read') });
    await consumer.connect();
    cleanup.push(() => consumer.disconnect());
    await consumer.subscribe({ topic: names.deadLetter, fromBeginning: true });
    const got: KafkaMessage[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length === 2) resolve();
        },
      });
    });
    const byKey = new Map(got.map((m) => [m.key?.toString(), m]));
    for (const [key, topic] of [
      ['tombstone-ex', names.exchanges],
      ['tombstone-res', names.results],
    ] as const) {
      const m = byKey.get(key);
      expect(m, key).toBeDefined();
      expect(m?.value).toBeNull();
      expect(m?.headers?.['shadow-dlq-code']?.toString()).toBe('null_value');
      expect(m?.headers?.['shadow-dlq-reason']?.toString()).toBe(
        `null value (a tombstone) on ${topic}: every record of the joined topics carries an Avro value`,
      );
      expect(m?.headers?.['shadow-dlq-source']?.toString()).toMatch(new RegExp(`^${topic.replaceAll('.', '\\.')}/\\d+/\\d+$`));
    }
  });
});
