// Shared pieces of the replay integration tests: topics on the real broker, exchanges encoded
// through the real registry, results read back, and small real HTTP challengers.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  createTopicsAndWait,
  RecordSerde,
  replayProgressContract,
  shadowResultContract,
  sideEffectContract,
  subjectFor,
  topicNames,
} from '@shadow/contracts';
import type { CapturedExchange, ReplayProgress, SchemaRegistry, ShadowResult, SideEffect, TopicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';
import type { Kafka, KafkaMessage } from 'kafkajs';

export const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface Env {
  kafka: Kafka;
  registry: SchemaRegistry;
  prefix: string;
  names: TopicNames;
  cleanup(): Promise<void>;
}

export async function setupTopics(label: string, partitions = 3, options: { progress?: boolean } = {}): Promise<Env> {
  const kafka = kafkaClient(label);
  const prefix = `${uniqueName(label)}.`;
  const names = topicNames(prefix);
  const admin = kafka.admin();
  await admin.connect();
  const topics = [names.exchanges, names.results, names.sideEffects, names.deadLetter, ...(options.progress === false ? [] : [names.progress])];
  await createTopicsAndWait(
    admin,
    topics.map((topic) => ({ topic, numPartitions: partitions })),
    30_000,
  );
  await admin.disconnect();
  return {
    kafka,
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    prefix,
    names,
    async cleanup() {
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
      await a.disconnect();
    },
  };
}

export function exchange(over: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs: Date.now(),
    service: 'orders',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'live.internal',
    path: '/items',
    query: '',
    routeTemplate: null,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.from('{}'),
    responseBodyTruncated: false,
    responseBodySize: 2,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    ...over,
  };
}

/** Produces exchanges keyed by id, like the tap. Extra raw messages (bad records) can be mixed in. */
export async function produceExchanges(env: Env, exchanges: readonly CapturedExchange[], raw: { key: string; value: Buffer }[] = []): Promise<void> {
  const serde = new RecordSerde({ registry: env.registry, contract: capturedExchangeContract, subject: subjectFor(env.names.exchanges) });
  await serde.init();
  const producer = env.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // Record timestamp = capture time, as the tap's producer gives (within its queueing delay).
  const messages = [...exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e), timestamp: String(e.captureTimeMs) })), ...raw];
  for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: env.names.exchanges, acks: -1, messages: messages.slice(i, i + 500) });
  await producer.disconnect();
}

/** Reads a topic from the beginning until `until` says enough (or the timeout), then `settleMs` more for duplicates. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 30_000,
  settleMs = 500,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
        if (until(seen)) {
          clearTimeout(timer);
          setTimeout(resolve, settleMs);
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

export async function decodeResults(env: Env, messages: KafkaMessage[]): Promise<ShadowResult[]> {
  const serde = new RecordSerde({ registry: env.registry, contract: shadowResultContract, subject: subjectFor(env.names.results) });
  return Promise.all(messages.map((m) => serde.decode(m.value as Buffer)));
}

export async function decodeProgress(env: Env, messages: KafkaMessage[]): Promise<ReplayProgress[]> {
  const serde = new RecordSerde({ registry: env.registry, contract: replayProgressContract, subject: subjectFor(env.names.progress) });
  return Promise.all(messages.map((m) => serde.decode(m.value as Buffer)));
}

export interface Positioned {
  partition: number;
  offset: number;
  message: KafkaMessage;
}

/** Every record of a topic with its partition and offset, read from the beginning until `count` are in (or `until` says so). */
export async function readPositioned(
  kafka: Kafka,
  topic: string,
  count: number | ((seen: readonly Positioned[]) => boolean),
  timeoutMs = 30_000,
): Promise<Positioned[]> {
  const enough = typeof count === 'number' ? (seen: readonly Positioned[]) => seen.length >= count : count;
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Positioned[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: Number(message.offset), message });
        if (enough(seen)) {
          clearTimeout(timer);
          setTimeout(resolve, 300);
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

export async function decodeSideEffects(env: Env, messages: KafkaMessage[]): Promise<SideEffect[]> {
  const serde = new RecordSerde({ registry: env.registry, contract: sideEffectContract, subject: subjectFor(env.names.sideEffects) });
  return Promise.all(messages.map((m) => serde.decode(m.value as Buffer)));
}

export interface TestServer {
  url: string;
  server: Server;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer; at: number }[];
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: performance.now() });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function echo(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, body: body.toString('utf8') }));
}
