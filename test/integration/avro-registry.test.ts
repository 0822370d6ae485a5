// Foundation: Avro through a real Confluent-compatible registry with the client the product uses.
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '../setup/stack.js';
import { createTopicsAndWait } from '@shadow/contracts';

const v1 = {
  type: 'record' as const,
  name: 'Order',
  namespace: 'dev.shadow.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amountCents', type: 'long' },
  ],
};
const v2Compatible = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
// Changing a field's type from long to string cannot be read by a v1 reader: BACKWARD-incompatible.
const v3Incompatible = {
  ...v1,
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amountCents', type: 'string' },
  ],
};

describe('avro through the schema registry', () => {
  it('registers, encodes, produces, consumes and decodes a record', async () => {
    const registry = new SchemaRegistry({ host: stack().schemaRegistryUrl });
    const topic = uniqueName('avro');
    const subject = `${topic}-value`;
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const value = await registry.encode(id, { id: 'o-1', amountCents: 1234 });
    // Confluent wire format: magic byte 0, then the 4-byte big-endian schema id.
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);

    const kafka = kafkaClient('avro');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }], 30_000);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'o-1', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('avro-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const decoded = await new Promise<unknown>((resolve, reject) => {
      void consumer.run({ eachMessage: async ({ message }) => registry.decode(message.value!).then(resolve, reject) });
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(decoded).toEqual({ id: 'o-1', amountCents: 1234 });
  });

  it('accepts a BACKWARD-compatible evolution and rejects an incompatible one with a clear error', async () => {
    const registry = new SchemaRegistry({ host: stack().schemaRegistryUrl });
    const subject = `${uniqueName('evolution')}-value`;
    const first = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const second = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2Compatible) }, { subject });
    expect(second.id).not.toBe(first.id);

    // A record written with v1 decodes for a v2 reader, with the new field's default.
    const oldRecord = await registry.encode(first.id, { id: 'o-2', amountCents: 5 });
    const asV2 = await registry.decode(oldRecord, { [SchemaType.AVRO]: { readerSchema: v2Compatible } });
    expect(asV2).toEqual({ id: 'o-2', amountCents: 5, currency: 'EUR' });

    const rejected = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3Incompatible) }, { subject }).then(
      () => undefined,
      (err: unknown) => err as Error & { status?: number },
    );
    expect(rejected).toBeDefined();
    expect(rejected?.status).toBe(409);
    expect(rejected?.message).toMatch(/incompatible/i);
    // The subject still has exactly the two accepted versions.
    const latest = await registry.getLatestSchemaId(subject);
    expect(latest).toBe(second.id);
  });
});
