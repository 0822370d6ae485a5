// ShadowResult.live and .runChallengers against the real registry and broker: the schema that added
// them registers as a BACKWARD-compatible next version of the one without them (the registry
// checks it), a run's result survives produce/consume byte for byte, a result written before the
// fields existed still decodes (a live-shadowing result, unchanged), and a consumer still on the
// old schema reads a run's result without them.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { ShadowResult } from '../src/index.js';
import {
  createSchemaRegistry,
  defineRecordContract,
  dispatchedBitmap,
  markDispatched,
  partitionKey,
  RecordSerde,
  replayProgressContract,
  schemaIdOf,
  shadowResultContract,
  subjectFor,
} from '../src/index.js';
import type { ReplayProgress } from '../src/index.js';
import { sampleRunResult, sampleShadowResult } from './fixtures.js';
import { consumeCount, createTopics, testKafka } from './kafka-helpers.js';
import { stack } from '@shadow/stack-harness/vitest';

const RUN_ONLY = new Set(['live', 'runChallengers']);

/** shadow-result.avsc as it was before the run-only fields. */
const beforeRunFields = defineRecordContract<ShadowResult>({
  schema: { ...shadowResultContract.schema, fields: shadowResultContract.schema.fields.filter((f) => !RUN_ONLY.has(f.name)) },
  toAvro: (r) => {
    const { live: _l, runChallengers: _c, ...record } = shadowResultContract.toAvro(r);
    return record;
  },
  fromAvro: shadowResultContract.fromAvro,
});

describe('ShadowResult.live / runChallengers through the real registry and Kafka', () => {
  it('is a BACKWARD-compatible version: old results decode unchanged, a run result keeps its live snapshot, old readers skip it', async () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    const kafka = testKafka(kafkaBrokers);
    const topic = `topic-${randomUUID()}`;
    await createTopics(kafka, [topic]);
    const subject = subjectFor(topic);
    const oldWriter = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: beforeRunFields, subject });
    const newWriter = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: shadowResultContract, subject });
    const oldId = await oldWriter.init();
    const newId = await newWriter.init(); // the registry rejects it (409) if not BACKWARD-compatible
    expect(newId).not.toBe(oldId);

    const old = sampleShadowResult({ runId: 'before-the-fields' });
    const run = sampleRunResult();
    const values = [oldWriter.encodeSync(old), newWriter.encodeSync(run)];
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: partitionKey(old.exchangeId), value: values[0] ?? null },
        { key: partitionKey(run.exchangeId), value: values[1] ?? null },
      ],
    });
    await producer.disconnect();

    const consumed = await consumeCount(kafka, [topic], 2);
    const byKey = new Map(consumed.map((c) => [c.message.key?.toString(), c.message.value!]));
    const oldBytes = byKey.get(old.exchangeId)!;
    const newBytes = byKey.get(run.exchangeId)!;
    expect(schemaIdOf(oldBytes)).toBe(oldId);
    expect(schemaIdOf(newBytes)).toBe(newId);
    expect(newBytes.equals(values[1]!)).toBe(true);

    const reader = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: shadowResultContract, subject });
    const decodedOld = await reader.decode(oldBytes);
    expect(decodedOld).toEqual(old);
    expect(decodedOld).not.toHaveProperty('live');
    const decodedRun = await reader.decode(newBytes);
    expect(decodedRun).toEqual(run);
    expect(decodedRun.live?.responseBody.equals(run.live!.responseBody)).toBe(true);
    expect(decodedRun.live?.captureTimeMs).toBe(run.live?.captureTimeMs);

    const oldReader = new RecordSerde({ registry: createSchemaRegistry({ url: schemaRegistryUrl }), contract: beforeRunFields, subject });
    const { live: _l, runChallengers: _c, ...asOld } = run;
    expect(await oldReader.decode(newBytes)).toEqual(asOld);
  });
});

describe('ReplayProgress through the real registry', () => {
  it('registers (regression: a string default of "{}" made Apicurio refuse the schema, 422) and round-trips', async () => {
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const serde = new RecordSerde({ registry, contract: replayProgressContract, subject: subjectFor(`topic-${randomUUID()}`) });
    await serde.init();
    const dispatched = dispatchedBitmap(3);
    markDispatched(dispatched, 2);
    const record: ReplayProgress = {
      kind: 'chunk',
      producedTimeMs: Date.now(),
      replayer: 'shadow-replayer',
      partition: 0,
      fromOffset: 7,
      toOffset: 10,
      challengers: [{ id: 'rc', role: 'candidate', dispatched, replayed: 1, failed: 0 }],
      runId: null,
      sessionId: null,
      run: null,
    };
    expect(await serde.decode(serde.encodeSync(record))).toEqual(record);
  });
});
