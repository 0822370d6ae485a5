import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { sampleExchange, withAddedOptionalField } from '../../test/fixtures.js';
import { capturedExchangeContract } from '../exchange/avro.js';
import type { CapturedExchange } from '../exchange/types.js';
import { defineRecordContract } from '../schema/record-contract.js';
import { RecordSerde } from './record-serde.js';
import { schemaIdOf } from './wire-format.js';

/** In-memory stand-in for the registry client: enough to test caching and framing without a server. */
function fakeRegistry() {
  const byId = new Map<number, string>();
  const calls = { lookup: 0, register: 0, getSchema: 0 };
  const subjects = new Map<string, string[]>();
  const idOf = (text: string) => {
    for (const [id, t] of byId) if (t === text) return id;
    const id = byId.size + 1;
    byId.set(id, text);
    return id;
  };
  const registry = {
    async getRegistryIdBySchema(subject: string, schema: { schema: string }) {
      calls.lookup++;
      if (!(subjects.get(subject) ?? []).includes(schema.schema)) {
        throw Object.assign(new Error('not found'), { name: 'ConfluentSchemaRegistryError' });
      }
      return idOf(schema.schema);
    },
    async register(schema: { schema: string }, opts: { subject: string }) {
      calls.register++;
      subjects.set(opts.subject, [...(subjects.get(opts.subject) ?? []), schema.schema]);
      return { id: idOf(schema.schema) };
    },
    async getSchema(id: number) {
      calls.getSchema++;
      const text = byId.get(id);
      if (text === undefined) throw Object.assign(new Error('No content with ID'), { name: 'ResponseError', status: 404 });
      return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
    },
  };
  return { registry: registry as unknown as SchemaRegistry, calls };
}

describe('RecordSerde', () => {
  it('registers once, frames with magic byte + schema id, and decodes byte-identical bodies', async () => {
    const { registry, calls } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    const [a, b] = await Promise.all([serde.init(), serde.init()]);
    expect(a).toBe(b);
    expect(calls.register).toBe(1);
    const exchange = sampleExchange();
    const message = serde.encodeSync(exchange);
    expect(message[0]).toBe(0);
    expect(schemaIdOf(message)).toBe(a);
    expect(await serde.decode(message)).toEqual(exchange);
    expect(calls.getSchema).toBe(0);
  });

  it('looks an already registered schema up instead of registering it again', async () => {
    const { registry, calls } = fakeRegistry();
    await new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' }).init();
    await new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' }).init();
    expect(calls).toMatchObject({ register: 1, lookup: 2 });
  });

  it('fails with CONTRACTS_SCHEMA_NOT_FOUND when autoRegister is off', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value', autoRegister: false });
    await expect(serde.init()).rejects.toMatchObject({ code: 'CONTRACTS_SCHEMA_NOT_FOUND' });
  });

  it('refuses to encode before init', () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    expect(() => serde.encodeSync(sampleExchange())).toThrow(expect.objectContaining({ code: 'CONTRACTS_NOT_INITIALIZED' }));
  });

  it('names the offending field when a value does not fit the schema', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    await serde.init();
    const bad = sampleExchange({ responseStatus: 'oops' as unknown as number });
    expect(() => serde.encodeSync(bad)).toThrow(
      expect.objectContaining({ code: 'CONTRACTS_ENCODE_FAILED', message: expect.stringContaining('responseStatus') }),
    );
  });

  it('frames into a caller buffer before the schema id is known, and stamps the header later', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    const exchange = sampleExchange();
    const target = Buffer.alloc(64 * 1024, 0xff);
    expect(serde.encodeFrameInto(exchange, Buffer.alloc(16), 3)).toBeLessThan(0); // too small: minus what is missing
    const end = serde.encodeFrameInto(exchange, target, 100);
    expect(target[100]).toBe(0xff); // header not written: id unknown
    const frame = target.subarray(100, end);
    expect(() => serde.stampWireHeader(frame)).toThrow(expect.objectContaining({ code: 'CONTRACTS_NOT_INITIALIZED' }));
    const id = await serde.init();
    serde.stampWireHeader(frame);
    expect(schemaIdOf(frame)).toBe(id);
    expect(frame.equals(serde.encodeSync(exchange))).toBe(true);
    expect(await serde.decode(frame)).toEqual(exchange);
    // Once the id is known, the header is written at once.
    const other = Buffer.alloc(64 * 1024);
    const again = serde.encodeFrameInto(exchange, other, 7);
    expect(other.subarray(7, again).equals(frame)).toBe(true);
  });

  it('encodes records larger than its scratch buffer', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    await serde.init();
    const big = sampleExchange({ responseBody: Buffer.alloc(3 * 1024 * 1024, 7) });
    const back = await serde.decode(serde.encodeSync(big));
    // Buffer.equals: vitest's deep equality walks megabytes byte by byte.
    expect(back.responseBody.equals(big.responseBody)).toBe(true);
    expect(back.exchangeId).toBe(big.exchangeId);
  });

  it('decodes records written with another registered version through a cached resolver', async () => {
    const { registry, calls } = fakeRegistry();
    type Evolved = CapturedExchange & { clientAddress: string | null };
    const next = defineRecordContract<Evolved>({
      schema: withAddedOptionalField(capturedExchangeContract.schema),
      toAvro: (e) => ({ ...capturedExchangeContract.toAvro(e), clientAddress: e.clientAddress }),
      fromAvro: (r) => ({ ...capturedExchangeContract.fromAvro(r), clientAddress: r.clientAddress as string | null }),
    });
    const oldSerde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    const newSerde = new RecordSerde({ registry, contract: next, subject: 's-value' });
    await oldSerde.init();
    await newSerde.init();
    const old = sampleExchange();
    expect(await newSerde.decode(oldSerde.encodeSync(old))).toEqual({ ...old, clientAddress: null });
    const evolved = { ...sampleExchange(), clientAddress: '203.0.113.9' };
    const { clientAddress: _x, ...expected } = evolved;
    expect(await oldSerde.decode(newSerde.encodeSync(evolved))).toEqual(expected);
    // one writer-schema fetch per (serde, foreign writer id), then the cached resolver
    expect(calls.getSchema).toBe(2);
    await oldSerde.decode(newSerde.encodeSync(evolved));
    await newSerde.decode(oldSerde.encodeSync(old));
    expect(calls.getSchema).toBe(2);
  });

  it('rejects messages that are not Confluent-framed', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    await expect(serde.decode(Buffer.from([1, 0, 0, 0, 1, 2]))).rejects.toMatchObject({ code: 'CONTRACTS_WIRE_FORMAT' });
    await expect(serde.decode(Buffer.from([0, 0]))).rejects.toMatchObject({ code: 'CONTRACTS_WIRE_FORMAT' });
  });

  it('reports truncated payloads as CONTRACTS_DECODE_FAILED', async () => {
    const { registry } = fakeRegistry();
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    await serde.init();
    const message = serde.encodeSync(sampleExchange());
    await expect(serde.decode(message.subarray(0, message.length - 10))).rejects.toMatchObject({ code: 'CONTRACTS_DECODE_FAILED' });
  });
});
