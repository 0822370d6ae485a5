// Sample records shared by the unit tests (src/**/*.test.ts) and the integration tests (test/).
import { randomUUID } from 'node:crypto';
import type { CapturedExchange, OutboundCall } from '../src/exchange/types.js';
import { liveSnapshotOf } from '../src/shadow-result/live-snapshot.js';
import type { ShadowResult } from '../src/shadow-result/types.js';
import type { SideEffect } from '../src/side-effect/types.js';
import type { AvroRecordSchema } from '../src/schema/schemas.js';

/** Every byte value 0..255, twice, so both body fields carry all of them. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

export function sampleExchange(overrides: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs: 1_763_000_000_123,
    service: 'checkout',
    environment: 'prod',
    method: 'POST',
    scheme: 'https',
    host: 'api.example.com',
    path: '/orders/42/items',
    query: 'expand=lines&lang=de',
    routeTemplate: '/orders/:id/items',
    requestHeaders: { 'content-type': ['application/octet-stream'], 'x-note': ['grüße, 日本語, 🚀'], accept: ['a/b', 'c/d'] },
    requestBody: ALL_BYTES,
    requestBodyTruncated: false,
    requestBodySize: ALL_BYTES.length,
    requestContentType: 'application/octet-stream',
    responseStatus: 201,
    responseHeaders: { 'set-cookie': ['a=1', 'b=2'], 'x-émoji': ['✓'] },
    responseBody: Buffer.from(ALL_BYTES).reverse(),
    responseBodyTruncated: true,
    responseBodySize: 1_048_576,
    responseContentType: null,
    liveLatencyUs: 12_345,
    aborted: false,
    samplingRate: 0.25,
    tapVersion: '0.1.0',
    outboundCalls: [
      sampleOutboundCall(),
      sampleOutboundCall({
        sequence: 1,
        startTimeMs: 1_763_000_000_140,
        method: 'GET',
        target: 'inventory.internal:8080',
        scheme: 'http',
        path: '/stock/42',
        requestBody: Buffer.alloc(0),
        responseStatus: 0,
        responseHeaders: {},
        responseBody: Buffer.alloc(0),
        errorMessage: 'connect ECONNREFUSED 10.0.0.7:8080',
      }),
    ],
    ...overrides,
  };
}

/** A live outbound call: a JSON POST to a payment provider, with every byte value in the answer. */
export function sampleOutboundCall(overrides: Partial<OutboundCall> = {}): OutboundCall {
  return {
    sequence: 0,
    startTimeMs: 1_763_000_000_130,
    durationUs: 4_321,
    dependencyKind: 'http',
    scheme: 'https',
    target: 'payments.example.com:443',
    method: 'POST',
    path: '/v1/charges?idempotency=ü',
    requestHeaders: { 'content-type': ['application/json'], authorization: ['[REDACTED]'] },
    requestBody: Buffer.from('{"amount":4200,"currency":"EUR"}'),
    requestBodyTruncated: false,
    responseStatus: 201,
    responseHeaders: { 'content-type': ['application/octet-stream'], 'x-request-id': ['r-1', 'r-2'] },
    responseBody: ALL_BYTES,
    responseBodyTruncated: true,
    errorMessage: null,
    ...overrides,
  };
}

export function sampleShadowResult(overrides: Partial<ShadowResult> = {}): ShadowResult {
  return {
    exchangeId: randomUUID(),
    challengerId: 'checkout-canary',
    challengerName: 'checkout@2.4.0-rc1',
    attempt: 1,
    replayTimeMs: 1_763_000_000_999,
    responseStatus: 0,
    responseHeaders: {},
    responseBody: Buffer.alloc(0),
    responseBodyTruncated: false,
    responseBodySize: 0,
    responseContentType: null,
    latencyUs: 5_000_000,
    errorKind: 'timeout',
    errorMessage: 'no response within 5000 ms',
    replayerVersion: '0.1.0',
    challengerRole: 'candidate',
    runId: null,
    ...overrides,
  };
}

/** A historical run's result: the live snapshot of the replayed exchange and the challengers it was sent to. */
export function sampleRunResult(overrides: Partial<ShadowResult> = {}): ShadowResult {
  return sampleShadowResult({
    runId: 'incident-42',
    errorKind: null,
    errorMessage: null,
    responseStatus: 200,
    responseBody: Buffer.from('{"total":10}'),
    live: liveSnapshotOf(sampleExchange({ outboundCalls: [sampleOutboundCall()] })),
    runChallengers: ['checkout-canary', 'checkout-secondary'],
    ...overrides,
  });
}

export function sampleSideEffect(overrides: Partial<SideEffect> = {}): SideEffect {
  return {
    exchangeId: randomUUID(),
    origin: 'checkout-canary',
    attempt: 1,
    sequence: 0,
    observedTimeMs: 1_763_000_001_000,
    dependencyKind: 'payment',
    target: 'api.stripe.test:443',
    operation: 'POST /v1/charges',
    requestSummary: ALL_BYTES,
    mocked: true,
    mockedResponse: Buffer.from('{"id":"ch_1"}'),
    method: 'POST',
    path: '/v1/charges?expand=customer',
    requestHeaders: { 'content-type': ['application/json'] },
    responseStatus: 200,
    responseBody: Buffer.from('{"id":"ch_1"}'),
    durationUs: 1_250,
    disposition: 'recorded',
    runId: 'run-7',
    ...overrides,
  };
}

/** The exchange schema plus one optional field: the shape of a BACKWARD-compatible next version. */
export function withAddedOptionalField(schema: AvroRecordSchema, field = 'clientAddress'): AvroRecordSchema {
  return { ...schema, fields: [...schema.fields, { name: field, type: ['null', 'string'], default: null }] };
}

/** The schema plus one required field without default: NOT backward compatible. */
export function withAddedRequiredField(schema: AvroRecordSchema, field = 'tenantId'): AvroRecordSchema {
  return { ...schema, fields: [...schema.fields, { name: field, type: 'string' }] };
}
