// A malformed record on a joined topic goes to the dead-letter topic with the reason and its
// source, is counted, and the joiner keeps joining everything else.
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import { topicNames } from '@shadow/contracts';
import { createJoiner } from '@shadow/join';
import type { Joiner } from '@shadow/join';
import type { KafkaMessage } from 'kafkajs';
import { CANDIDATE, createJoinTopics, landed, openSchemaDatabase, produceRun, SECONDARY, serdesFor, sortedDiff, waitFor } from './fixture.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

describe('joiner: malformed records', () => {
  it('are dead-lettered with a reason and counted; the rest of the run still lands', async () => {
    const prefix = `${uniqueName('jd')}.`;
    const names = topicNames(prefix);
    const kafka = kafkaClient('jd');
    await createJoinTopics(kafka, prefix, 3);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    const ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    const deadLetters: string[] = [];
    const joiner: Joiner = createJoiner({
      kafka: kafkaClient(uniqueName('jd-joiner')),
      registry: serdes.registry,
      clickhouse: ch,
      groupId: uniqueName('jd-group'),
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
    await producer.send({ topic: names.results, messages: [{ key: 'garbage-1', value: Buffer.from('not avro at all') }] });
    await producer.disconnect();
    const expected = await produceRun(kafka, serdes, prefix, { n: 300, missingCandidateEvery: 0, missingLiveEvery: 0, realDiffEvery: 10 }, uniqueName('ex'));

    await waitFor(
      'every pair',
      () => landed(ch),
      (l) => l.pairs.length >= expected.pairs.size,
      60_000,
    );
    expect(sortedDiff((await landed(ch)).pairs, expected.pairs)).toEqual({ missing: [], extra: [], duplicated: 0 });
    expect(deadLetters).toEqual([`${names.results}:undecodable`]);

    const consumer = kafka.consumer({ groupId: uniqueName('jd-read') });
    await consumer.connect();
    await consumer.subscribe({ topic: names.deadLetter, fromBeginning: true });
    const got = await new Promise<KafkaMessage>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message) });
    });
    await consumer.disconnect();
    expect(got.key?.toString()).toBe('garbage-1');
    expect(got.value?.toString()).toBe('not avro at all');
    expect(got.headers?.['shadow-dlq-source']?.toString()).toMatch(new RegExp(`^${names.results.replaceAll('.', '\\.')}/\\d+/0$`));
    expect(got.headers?.['shadow-dlq-reason']?.toString()).toMatch(/\S/);
  });
});
