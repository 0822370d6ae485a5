// What start() promises a team embedding the tap (issue 8): its topic exists (created on a local
// stack, or a typed error naming the topic and the command), and once start() has resolved the
// very first request is captured. Real Kafka, real registry, a real node:http server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { stack } from '@shadow/stack-harness/vitest';
import { describe, expect, it } from 'vitest';
import { createTap, isTapError } from '../src/index.js';
import type { Tap } from '../src/index.js';
import { attachToServer } from '../src/adapters/node.js';
import { kafkaFor, readAll } from './transport/kafka-test-kit.js';

function endpoints(): { brokers: string[]; registryUrl: string } {
  const { kafkaBrokers, schemaRegistryUrl } = stack();
  return { brokers: kafkaBrokers, registryUrl: schemaRegistryUrl };
}

async function serve(tap: Tap): Promise<{ url: string; [Symbol.asyncDispose](): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  attachToServer(tap, server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function topicExists(brokers: string[], topic: string): Promise<boolean> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

describe('tap start-up (real Kafka)', () => {
  it('a missing topic with createTopic: start() creates it (6 partitions) and the first request after start() is in Kafka', async () => {
    const { brokers, registryUrl } = endpoints();
    const prefix = `${uniqueName('tap-start')}.`;
    const names = topicNames(prefix);
    const tap = createTap({
      service: 'first',
      environment: 'test',
      kafka: { brokers, schemaRegistryUrl: registryUrl, topicPrefix: prefix, createTopic: true, batch: { lingerMs: 5 } },
    });
    expect(await topicExists(brokers, names.exchanges)).toBe(false);
    await tap.start();
    expect(tap.enabled).toBe(true);
    expect(tap.stats().transport.path).toMatchObject({ kafkaThread: 'worker', topic: 'created' });

    await using server = await serve(tap);
    const response = await fetch(`${server.url}/first?n=1`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    const stats = await tap.close(10_000);
    expect(stats.transport).toMatchObject({ enqueued: 1, sent: 1, dropped: { paused: 0, send_failed: 0 } });

    const admin = kafkaFor(brokers).admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [names.exchanges] });
    await admin.disconnect();
    expect(topics[0]?.partitions).toHaveLength(6);
    const [message] = await readAll(kafkaFor(brokers), names.exchanges, 1);
    const reader = new RecordSerde({
      registry: createSchemaRegistry({ url: registryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(names.exchanges),
      autoRegister: false,
    });
    const captured = await reader.decode(message!.value as Buffer);
    expect(captured).toMatchObject({ service: 'first', method: 'POST', path: '/first', responseStatus: 200 });
    expect(captured.requestBody.toString()).toBe('{"a":1}');
  });

  it('a missing topic without createTopic: start() rejects with TAP_TOPIC_MISSING naming the topic and the command, creates nothing, and starts once the topic exists', async () => {
    const { brokers, registryUrl } = endpoints();
    const prefix = `${uniqueName('tap-missing')}.`;
    const names = topicNames(prefix);
    const tap = createTap({
      service: 'missing',
      environment: 'test',
      kafka: { brokers, schemaRegistryUrl: registryUrl, topicPrefix: prefix, createTopic: false },
    });
    const error = await tap.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isTapError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'TAP_TOPIC_MISSING', retriable: false });
    expect((error as Error).message).toContain(`topic "${names.exchanges}" does not exist`);
    expect((error as Error).message).toContain(`shadow topics ensure --topic-prefix ${prefix}`);
    expect(await topicExists(brokers, names.exchanges)).toBe(false);
    expect(tap.enabled).toBe(false);
    // The fix the message names, then start() again: the same tap starts and mirrors.
    await ensureTopics(kafkaFor(brokers), { prefix, partitions: 2 });
    await tap.start();
    expect(tap.enabled).toBe(true);
    expect(tap.stats().transport.path?.topic).toBe('exists');
    await tap.close(2_000);
  });

  it('captures every request sent at once after start(), with a pause-free kill switch already read', async () => {
    const { brokers, registryUrl } = endpoints();
    const prefix = `${uniqueName('tap-first')}.`;
    const tap = createTap({
      service: 'burst',
      environment: 'test',
      kafka: { brokers, schemaRegistryUrl: registryUrl, topicPrefix: prefix, batch: { lingerMs: 5 } },
    });
    await tap.start();
    await using server = await serve(tap);
    // no wait of any kind between start() and the requests: the 7-of-50 lost as `paused`
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${server.url}/burst/${i}`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const stats = await tap.close(10_000);
    expect(stats.transport).toMatchObject({ enqueued: 20, sent: 20, dropped: { paused: 0, queue_full: 0, send_failed: 0 } });
    expect(await readAll(kafkaFor(brokers), topicNames(prefix).exchanges, 20)).toHaveLength(20);
  });
});
