// CapturedExchange.outboundCalls against the real registry and broker: the schema that added the
// field registers as a BACKWARD-compatible next version of the one without it, an exchange with
// calls survives produce/consume byte for byte, and a record written before the field existed
// still decodes (no calls).
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../src/index.js';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  defineRecordContract,
  liveSideEffectsOf,
  partitionKey,
  RecordSerde,
  schemaIdOf,
  subjectFor,
} from '../src/index.js';
import { sampleExchange, sampleOutboundCall } from './fixtures.js';
import { consumeCount, createTopics, testKafka } from './kafka-helpers.js';
import { stack } from '@shadow/stack-harness/vitest';

/** captured-exchange.avsc as it was before outboundCalls. */
const beforeOutboundCalls = defineRecordContract<CapturedExchange>({
  schema: { ...capturedExchangeContract.schema, fields: capturedExchangeContract.schema.fields.filter((f) => f.name !== 'outboundCalls') },
  toAvro: (e) => {
    const { outboundCalls: _dropped, ...record } = capturedExchangeContract.toAvro(e);
    return record;
  },
  fromAvro: capturedExchangeContract.fromAvro,
});

describe('CapturedExchange.outboundCalls through the real registry and Kafka', () => {
  it('is a BACKWARD-compatible version: old records decode without calls, new records with them, after a round trip through Kafka', async () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    const kafka = testKafka(kafkaBrokers);
    const topic = `topic-${randomUUID()}`;
    await createTopics(kafka, [topic]);
    const subject = subjectFor(topic);
    const oldWriter = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: beforeOutboundCalls, subject });
    const newWriter = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: capturedExchangeContract, subject });
    const oldId = await oldWriter.init();
    // The registry checks BACKWARD compatibility here; an incompatible schema would reject.
    const newId = await newWriter.init();
    expect(newId).not.toBe(oldId);

    const { outboundCalls: _none, ...old } = sampleExchange();
    const withCalls = sampleExchange({
      outboundCalls: [
        sampleOutboundCall(),
        sampleOutboundCall({
          sequence: 1,
          method: 'GET',
          path: '/v1/charges/ch_1',
          requestBody: Buffer.alloc(0),
          responseBody: Buffer.from('{"status":"paid"}'),
          responseBodyTruncated: false,
        }),
      ],
    });
    const values = [oldWriter.encodeSync(old), newWriter.encodeSync(withCalls)];
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: partitionKey(old.exchangeId), value: values[0] ?? null },
        { key: partitionKey(withCalls.exchangeId), value: values[1] ?? null },
      ],
    });
    await producer.disconnect();

    const consumed = await consumeCount(kafka, [topic], 2);
    const byKey = new Map(consumed.map((c) => [c.message.key?.toString(), c.message.value!]));
    const oldBytes = byKey.get(old.exchangeId)!;
    const newBytes = byKey.get(withCalls.exchangeId)!;
    expect(schemaIdOf(oldBytes)).toBe(oldId);
    expect(schemaIdOf(newBytes)).toBe(newId);
    expect(newBytes.equals(values[1]!)).toBe(true);

    // A fresh reader on the current schema (it fetches writer schemas by id).
    const reader = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: capturedExchangeContract, subject });
    const decodedOld = await reader.decode(oldBytes);
    expect(decodedOld).toEqual(old);
    expect(decodedOld.outboundCalls ?? []).toEqual([]);
    expect(liveSideEffectsOf(decodedOld)).toEqual([]);

    const decodedNew = await reader.decode(newBytes);
    expect(decodedNew).toEqual(withCalls);
    expect(decodedNew.outboundCalls?.[0]?.responseBody.equals(withCalls.outboundCalls![0]!.responseBody)).toBe(true);
    expect(liveSideEffectsOf(decodedNew).map((s) => [s.sequence, s.operation, s.responseStatus, s.disposition])).toEqual([
      [0, 'POST /v1/charges', 201, 'live'],
      [1, 'GET /v1/charges/ch_1', 201, 'live'],
    ]);

    // A consumer still on the old schema skips the calls.
    const oldReader = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: beforeOutboundCalls, subject });
    const { outboundCalls: _skipped, ...asOld } = withCalls;
    expect(await oldReader.decode(newBytes)).toEqual(asOld);
  });
});
