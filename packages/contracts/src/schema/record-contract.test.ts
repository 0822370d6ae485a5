import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ALL_BYTES, sampleExchange, sampleRunResult, sampleShadowResult, sampleSideEffect, withAddedOptionalField } from '../../test/fixtures.js';
import { capturedExchangeContract } from '../exchange/avro.js';
import type { CapturedExchange } from '../exchange/types.js';
import { shadowResultContract } from '../shadow-result/avro.js';
import { sideEffectContract } from '../side-effect/avro.js';
import type { AvroRecord, RecordContract } from './record-contract.js';
import { defineRecordContract } from './record-contract.js';

function roundTrip<T>(contract: RecordContract<T>, value: T): T {
  const bytes = contract.type.toBuffer(contract.toAvro(value));
  return contract.fromAvro(contract.type.fromBuffer(bytes) as AvroRecord);
}

describe('record contracts (pure avsc)', () => {
  it('round-trips a captured exchange with every byte value in both bodies', () => {
    const exchange = sampleExchange();
    const back = roundTrip(capturedExchangeContract, exchange);
    expect(back).toEqual(exchange);
    expect(back.requestBody.equals(ALL_BYTES)).toBe(true);
    expect(new Set(back.responseBody).size).toBe(256);
  });

  it('round-trips empty bodies, null optionals and empty header maps', () => {
    const exchange = sampleExchange({
      requestBody: Buffer.alloc(0),
      responseBody: Buffer.alloc(0),
      requestHeaders: {},
      responseHeaders: {},
      routeTemplate: null,
      requestContentType: null,
      responseContentType: null,
      query: '',
      responseStatus: 0,
      aborted: true,
    });
    const back = roundTrip(capturedExchangeContract, exchange);
    expect(back).toEqual(exchange);
    expect(back.requestBody.length).toBe(0);
  });

  it('keeps unicode header names and values and multi-valued headers', () => {
    const headers = { 'x-ünïcode': ['ä', '😀 zwei', ''], 'x-empty': [], cookie: ['a=1; b=2'] };
    const back = roundTrip(capturedExchangeContract, sampleExchange({ requestHeaders: headers }));
    expect(back.requestHeaders).toEqual(headers);
  });

  it('decoded bodies do not alias the message buffer', () => {
    const bytes = capturedExchangeContract.type.toBuffer(capturedExchangeContract.toAvro(sampleExchange()));
    const back = capturedExchangeContract.fromAvro(capturedExchangeContract.type.fromBuffer(bytes) as AvroRecord);
    bytes.fill(0);
    expect(back.requestBody.equals(ALL_BYTES)).toBe(true);
  });

  it('rounds fractional latencies instead of failing the long field', () => {
    const back = roundTrip(capturedExchangeContract, sampleExchange({ liveLatencyUs: 1234.6 }));
    expect(back.liveLatencyUs).toBe(1235);
  });

  it('the Avro schema has exactly the fields of the in-process shape', () => {
    const schemaFields = capturedExchangeContract.schema.fields.map((f) => f.name).sort();
    expect(Object.keys(sampleExchange()).sort()).toEqual(schemaFields);
    // A run's result carries every field; a live-shadowing result leaves out the run-only ones.
    expect(Object.keys(sampleRunResult()).sort()).toEqual(shadowResultContract.schema.fields.map((f) => f.name).sort());
    expect(Object.keys(sampleSideEffect()).sort()).toEqual(sideEffectContract.schema.fields.map((f) => f.name).sort());
  });

  it('round-trips shadow results and side effects, binary and null variants', () => {
    for (const result of [sampleShadowResult(), sampleShadowResult({ errorKind: null, errorMessage: null, responseStatus: 200, responseBody: ALL_BYTES })]) {
      expect(roundTrip(shadowResultContract, result)).toEqual(result);
    }
    const run = sampleRunResult();
    const back = roundTrip(shadowResultContract, run);
    expect(back).toEqual(run);
    expect(back.live?.responseBody.equals(run.live?.responseBody as Buffer)).toBe(true);
    expect(back.live?.outboundCalls[0]?.responseBody.equals(ALL_BYTES)).toBe(true);
    // A live-shadowing result decodes without the run-only fields (not null, not []): unchanged.
    expect(Object.keys(roundTrip(shadowResultContract, sampleShadowResult()))).not.toContain('live');
    expect(Object.keys(roundTrip(shadowResultContract, sampleShadowResult()))).not.toContain('runChallengers');
    for (const effect of [sampleSideEffect(), sampleSideEffect({ origin: 'live', attempt: 0, mocked: false, mockedResponse: null })]) {
      expect(roundTrip(sideEffectContract, effect)).toEqual(effect);
    }
  });

  it('drops properties that are not part of the contract', () => {
    const exchange = { ...sampleExchange(), internalOnly: 'secret' } as CapturedExchange;
    expect(roundTrip(capturedExchangeContract, exchange)).not.toHaveProperty('internalOnly');
  });
});

describe('schema evolution (avsc resolvers)', () => {
  type Evolved = CapturedExchange & { clientAddress: string | null };
  const next = defineRecordContract<Evolved>({
    schema: withAddedOptionalField(capturedExchangeContract.schema),
    toAvro: (e) => ({ ...capturedExchangeContract.toAvro(e), clientAddress: e.clientAddress }),
    fromAvro: (r) => ({ ...capturedExchangeContract.fromAvro(r), clientAddress: r.clientAddress as string | null }),
  });

  it('new reader reads records written with the old schema (new field takes its default)', () => {
    const old = sampleExchange();
    const bytes = capturedExchangeContract.type.toBuffer(capturedExchangeContract.toAvro(old));
    const resolver = next.type.createResolver(capturedExchangeContract.type);
    const read = next.fromAvro(next.type.fromBuffer(bytes, resolver) as AvroRecord);
    expect(read).toEqual({ ...old, clientAddress: null });
  });

  it('old reader reads records written with the new schema (new field skipped)', () => {
    const evolved: Evolved = { ...sampleExchange(), clientAddress: '203.0.113.9' };
    const bytes = next.type.toBuffer(next.toAvro(evolved));
    const resolver = capturedExchangeContract.type.createResolver(next.type);
    const read = capturedExchangeContract.fromAvro(capturedExchangeContract.type.fromBuffer(bytes, resolver) as AvroRecord);
    const { clientAddress: _dropped, ...expected } = evolved;
    expect(read).toEqual(expected);
  });

  it('a reader cannot resolve a writer that lacks a field without default', () => {
    const stricter = avro.Type.forSchema({
      ...structuredClone(capturedExchangeContract.schema),
      fields: [...structuredClone(capturedExchangeContract.schema.fields), { name: 'tenantId', type: 'string' }],
    } as avro.Schema);
    expect(() => stricter.createResolver(capturedExchangeContract.type)).toThrow(/tenantId/);
  });
});
