// Contracts against the real schema registry and the real broker: what a producer writes is what a
// consumer reads, byte for byte; the registry enforces BACKWARD evolution; keys co-partition topics.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../src/index.js';
import {
  capturedExchangeContract,
  ContractsError,
  createSchemaRegistry,
  defineRecordContract,
  partitionKey,
  RecordSerde,
  schemaIdOf,
  subjectFor,
} from '../src/index.js';
import { ALL_BYTES, sampleExchange, withAddedOptionalField, withAddedRequiredField } from './fixtures.js';
import { consumeCount, createTopics, testKafka } from './kafka-helpers.js';
import { stack } from '@shadow/stack-harness/vitest';

// The stack the integration project's global setup resolved (env, testcontainers or infra/local).
function endpoints(): { brokers: string[]; registryUrl: string } {
  const { kafkaBrokers, schemaRegistryUrl } = stack();
  return { brokers: kafkaBrokers, registryUrl: schemaRegistryUrl };
}

type Evolved = CapturedExchange & { clientAddress: string | null };
const evolvedContract = defineRecordContract<Evolved>({
  schema: withAddedOptionalField(capturedExchangeContract.schema),
  toAvro: (e) => ({ ...capturedExchangeContract.toAvro(e), clientAddress: e.clientAddress }),
  fromAvro: (r) => ({ ...capturedExchangeContract.fromAvro(r), clientAddress: r.clientAddress as string | null }),
});

describe('contracts against the real registry and Kafka', () => {
  it('register, encode, produce, consume, decode: value bytes and bodies come back identical', async () => {
    const { brokers, registryUrl } = endpoints();
    const kafka = testKafka(brokers);
    const topic = `topic-${randomUUID()}`;
    await createTopics(kafka, [topic]);
    const serde = new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: capturedExchangeContract, subject: subjectFor(topic) });
    const schemaId = await serde.init();

    const exchanges = [
      sampleExchange(),
      sampleExchange({ requestBody: Buffer.alloc(0), responseBody: Buffer.alloc(0), routeTemplate: null }),
      sampleExchange({ requestHeaders: { 'x-ünïcode': ['日本語', '🚀'] }, responseBody: Buffer.alloc(256 * 1024, 0xff) }),
    ];
    const encoded = exchanges.map((e) => serde.encodeSync(e));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: exchanges.map((e, i) => ({ key: partitionKey(e.exchangeId), value: encoded[i] ?? null })) });
    await producer.disconnect();

    const consumed = await consumeCount(kafka, [topic], exchanges.length);
    // A fresh serde (fresh registry client) must find the writer schema by id alone.
    const reader = new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: capturedExchangeContract, subject: subjectFor(topic) });
    for (const [i, exchange] of exchanges.entries()) {
      const { message } = consumed[i]!;
      expect(message.key?.toString()).toBe(exchange.exchangeId);
      expect(message.value?.equals(encoded[i]!)).toBe(true);
      expect(schemaIdOf(message.value!)).toBe(schemaId);
      const decoded = await reader.decode(message.value!);
      expect(decoded.requestBody.equals(exchange.requestBody)).toBe(true);
      expect(decoded.responseBody.equals(exchange.responseBody)).toBe(true);
      expect(decoded).toEqual(exchange);
    }
    expect(consumed[0]!.message.value!.includes(ALL_BYTES)).toBe(true);
  });

  it('registers a BACKWARD-compatible next version and reads across versions in both directions', async () => {
    const { registryUrl } = endpoints();
    const subject = subjectFor(`topic-${randomUUID()}`);
    const v1 = new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: capturedExchangeContract, subject });
    const v2 = new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: evolvedContract, subject });
    const id1 = await v1.init();
    const id2 = await v2.init();
    expect(id2).not.toBe(id1);

    const old = sampleExchange();
    expect(await v2.decode(v1.encodeSync(old))).toEqual({ ...old, clientAddress: null });
    const evolved: Evolved = { ...sampleExchange(), clientAddress: '198.51.100.7' };
    const { clientAddress: _dropped, ...asOld } = evolved;
    expect(await v1.decode(v2.encodeSync(evolved))).toEqual(asOld);
  });

  it('an incompatible change is rejected by the registry with CONTRACTS_SCHEMA_INCOMPATIBLE', async () => {
    const { registryUrl } = endpoints();
    const subject = subjectFor(`topic-${randomUUID()}`);
    await new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: capturedExchangeContract, subject }).init();
    const breaking = defineRecordContract<CapturedExchange>({
      schema: withAddedRequiredField(capturedExchangeContract.schema, 'tenantId'),
      toAvro: (e) => ({ ...capturedExchangeContract.toAvro(e), tenantId: 't' }),
      fromAvro: capturedExchangeContract.fromAvro,
    });
    const serde = new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: breaking, subject });
    const error = await serde.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContractsError);
    expect(error).toMatchObject({ code: 'CONTRACTS_SCHEMA_INCOMPATIBLE', retriable: false });
    expect((error as ContractsError).message).toContain(subject);
    expect((error as ContractsError).message).toMatch(/not BACKWARD-compatible/);
    expect((error as ContractsError).message).toMatch(/tenantId/);
    expect(serde.schemaId).toBeUndefined();
  });

  it('an unreachable registry surfaces as retriable CONTRACTS_REGISTRY_UNAVAILABLE', async () => {
    const serde = new RecordSerde({
      registry: createSchemaRegistry({ url: 'http://127.0.0.1:9' }),
      contract: capturedExchangeContract,
      subject: 'unreachable-value',
    });
    await expect(serde.init()).rejects.toMatchObject({ code: 'CONTRACTS_REGISTRY_UNAVAILABLE', retriable: true });
  });

  it('a registry that never answers times out as retriable CONTRACTS_REGISTRY_UNAVAILABLE, and init() can be retried', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const serde = new RecordSerde({ registry: createSchemaRegistry({ url, timeoutMs: 200 }), contract: capturedExchangeContract, subject: 'silent-value' });
    try {
      await expect(serde.init()).rejects.toMatchObject({
        code: 'CONTRACTS_REGISTRY_UNAVAILABLE',
        retriable: true,
        message: expect.stringMatching(/Timeout \(200ms\)/),
      });
      await expect(serde.init()).rejects.toMatchObject({ code: 'CONTRACTS_REGISTRY_UNAVAILABLE' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('records of one exchange land in the same partition number on two topics with the same partition count', async () => {
    const { brokers } = endpoints();
    const kafka = testKafka(brokers);
    const exchangesTopic = `topic-${randomUUID()}`;
    const resultsTopic = `topic-${randomUUID()}`;
    await createTopics(kafka, [exchangesTopic, resultsTopic], 6);
    const ids = Array.from({ length: 60 }, () => randomUUID());
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Separate producers per topic in real life; the partitioner is stateless, so one is enough here.
    await producer.send({ topic: exchangesTopic, messages: ids.map((id) => ({ key: partitionKey(id), value: 'exchange' })) });
    await producer.send({ topic: resultsTopic, messages: [...ids].reverse().map((id) => ({ key: partitionKey(id), value: 'result' })) });
    await producer.disconnect();

    const consumed = await consumeCount(kafka, [exchangesTopic, resultsTopic], ids.length * 2);
    const partitionOn = (topic: string) => new Map(consumed.filter((c) => c.topic === topic).map((c) => [c.message.key!.toString(), c.partition]));
    const onExchanges = partitionOn(exchangesTopic);
    const onResults = partitionOn(resultsTopic);
    expect(onExchanges.size).toBe(ids.length);
    expect(onResults.size).toBe(ids.length);
    for (const id of ids) expect(onResults.get(id), id).toBe(onExchanges.get(id));
    // The keys actually spread: a constant key would also "co-partition".
    expect(new Set(onExchanges.values()).size).toBeGreaterThan(3);
  });
  it('regression: producers starting together on a new subject all get the same schema id (Apicurio compatibility-rule race)', async () => {
    const { registryUrl } = endpoints();
    const subject = subjectFor(`topic-${randomUUID()}`);
    const serdes = Array.from(
      { length: 6 },
      () => new RecordSerde({ registry: createSchemaRegistry({ url: registryUrl }), contract: capturedExchangeContract, subject }),
    );
    const ids = await Promise.all(serdes.map((serde) => serde.init()));
    expect(new Set(ids).size).toBe(1);
  });
});
