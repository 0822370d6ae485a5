import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import type { AvroWriter } from '../serde/avro-writer.js';
import { bytesIn, bytesOut, defineRecordContract, headersOut, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { CapturedExchange, OutboundCall } from './types.js';

export function capturedExchangeToAvro(e: CapturedExchange): AvroRecord {
  return {
    exchangeId: e.exchangeId,
    captureTimeMs: long(e.captureTimeMs),
    service: e.service,
    environment: e.environment,
    method: e.method,
    scheme: e.scheme,
    host: e.host,
    path: e.path,
    query: e.query,
    routeTemplate: e.routeTemplate ?? null,
    requestHeaders: e.requestHeaders,
    requestBody: bytesIn(e.requestBody),
    requestBodyTruncated: e.requestBodyTruncated,
    requestBodySize: long(e.requestBodySize),
    requestContentType: e.requestContentType ?? null,
    responseStatus: e.responseStatus,
    responseHeaders: e.responseHeaders,
    responseBody: bytesIn(e.responseBody),
    responseBodyTruncated: e.responseBodyTruncated,
    responseBodySize: long(e.responseBodySize),
    responseContentType: e.responseContentType ?? null,
    liveLatencyUs: long(e.liveLatencyUs),
    aborted: e.aborted,
    samplingRate: e.samplingRate,
    tapVersion: e.tapVersion,
    outboundCalls: e.outboundCalls === undefined ? [] : e.outboundCalls.map(outboundCallToAvro),
  };
}

export function outboundCallToAvro(c: OutboundCall): AvroRecord {
  return {
    sequence: c.sequence,
    startTimeMs: long(c.startTimeMs),
    durationUs: long(c.durationUs),
    dependencyKind: c.dependencyKind,
    scheme: c.scheme,
    target: c.target,
    method: c.method,
    path: c.path,
    requestHeaders: c.requestHeaders,
    requestBody: bytesIn(c.requestBody),
    requestBodyTruncated: c.requestBodyTruncated,
    responseStatus: c.responseStatus,
    responseHeaders: c.responseHeaders,
    responseBody: bytesIn(c.responseBody),
    responseBodyTruncated: c.responseBodyTruncated,
    errorMessage: c.errorMessage ?? null,
  };
}

export function outboundCallFromAvro(r: AvroRecord): OutboundCall {
  return {
    sequence: r.sequence as number,
    startTimeMs: r.startTimeMs as number,
    durationUs: r.durationUs as number,
    dependencyKind: r.dependencyKind as string,
    scheme: r.scheme as string,
    target: r.target as string,
    method: r.method as string,
    path: r.path as string,
    requestHeaders: headersOut(r.requestHeaders),
    requestBody: bytesOut(r.requestBody),
    requestBodyTruncated: r.requestBodyTruncated as boolean,
    responseStatus: r.responseStatus as number,
    responseHeaders: headersOut(r.responseHeaders),
    responseBody: bytesOut(r.responseBody),
    responseBodyTruncated: r.responseBodyTruncated as boolean,
    errorMessage: r.errorMessage as string | null,
  };
}

export function capturedExchangeFromAvro(r: AvroRecord): CapturedExchange {
  return {
    exchangeId: r.exchangeId as string,
    captureTimeMs: r.captureTimeMs as number,
    service: r.service as string,
    environment: r.environment as string,
    method: r.method as string,
    scheme: r.scheme as string,
    host: r.host as string,
    path: r.path as string,
    query: r.query as string,
    routeTemplate: r.routeTemplate as string | null,
    requestHeaders: headersOut(r.requestHeaders),
    requestBody: bytesOut(r.requestBody),
    requestBodyTruncated: r.requestBodyTruncated as boolean,
    requestBodySize: r.requestBodySize as number,
    requestContentType: r.requestContentType as string | null,
    responseStatus: r.responseStatus as number,
    responseHeaders: headersOut(r.responseHeaders),
    responseBody: bytesOut(r.responseBody),
    responseBodyTruncated: r.responseBodyTruncated as boolean,
    responseBodySize: r.responseBodySize as number,
    responseContentType: r.responseContentType as string | null,
    liveLatencyUs: r.liveLatencyUs as number,
    aborted: r.aborted as boolean,
    samplingRate: r.samplingRate as number,
    tapVersion: r.tapVersion as string,
    // Absent when empty (see CapturedExchange.outboundCalls); a record written before the field
    // existed reads as [] through the resolver, so it lands here too.
    ...outboundCallsFromAvro(r.outboundCalls),
  };
}

function outboundCallsFromAvro(value: unknown): { outboundCalls?: OutboundCall[] } {
  if (!Array.isArray(value) || value.length === 0) return {};
  return { outboundCalls: (value as AvroRecord[]).map(outboundCallFromAvro) };
}

/**
 * The hand-written encoder (see RecordContract.write): the tap encodes one of these per live
 * request on the application's thread. Field order and checks follow captured-exchange.avsc and
 * capturedExchangeToAvro exactly (longs rounded, `routeTemplate` undefined as null); anything
 * that does not fit returns false and goes through avsc for the error message.
 */
export function writeCapturedExchange(e: CapturedExchange, out: AvroWriter): boolean {
  const routeTemplate = e.routeTemplate ?? null;
  if (
    typeof e.exchangeId !== 'string' ||
    typeof e.service !== 'string' ||
    typeof e.environment !== 'string' ||
    typeof e.method !== 'string' ||
    typeof e.scheme !== 'string' ||
    typeof e.host !== 'string' ||
    typeof e.path !== 'string' ||
    typeof e.query !== 'string' ||
    (routeTemplate !== null && typeof routeTemplate !== 'string') ||
    !isHeaderMap(e.requestHeaders) ||
    !(e.requestBody instanceof Uint8Array) ||
    typeof e.requestBodyTruncated !== 'boolean' ||
    !isNullableString(e.requestContentType) ||
    !isInt(e.responseStatus) ||
    !isHeaderMap(e.responseHeaders) ||
    !(e.responseBody instanceof Uint8Array) ||
    typeof e.responseBodyTruncated !== 'boolean' ||
    !isNullableString(e.responseContentType) ||
    typeof e.aborted !== 'boolean' ||
    typeof e.samplingRate !== 'number' ||
    typeof e.tapVersion !== 'string' ||
    (e.outboundCalls !== undefined && !Array.isArray(e.outboundCalls))
  ) {
    return false;
  }
  const captureTimeMs = long(e.captureTimeMs);
  const requestBodySize = long(e.requestBodySize);
  const responseBodySize = long(e.responseBodySize);
  const liveLatencyUs = long(e.liveLatencyUs);
  if (!isLong(captureTimeMs) || !isLong(requestBodySize) || !isLong(responseBodySize) || !isLong(liveLatencyUs)) return false;
  out.writeString(e.exchangeId);
  out.writeLong(captureTimeMs);
  out.writeString(e.service);
  out.writeString(e.environment);
  out.writeString(e.method);
  out.writeString(e.scheme);
  out.writeString(e.host);
  out.writeString(e.path);
  out.writeString(e.query);
  out.writeNullableString(routeTemplate);
  if (!out.writeStringArrayMap(e.requestHeaders)) return false;
  out.writeBytes(e.requestBody);
  out.writeBoolean(e.requestBodyTruncated);
  out.writeLong(requestBodySize);
  out.writeNullableString(e.requestContentType);
  out.writeLong(e.responseStatus);
  if (!out.writeStringArrayMap(e.responseHeaders)) return false;
  out.writeBytes(e.responseBody);
  out.writeBoolean(e.responseBodyTruncated);
  out.writeLong(responseBodySize);
  out.writeNullableString(e.responseContentType);
  out.writeLong(liveLatencyUs);
  out.writeBoolean(e.aborted);
  out.writeDouble(e.samplingRate);
  out.writeString(e.tapVersion);
  const calls = e.outboundCalls;
  // An Avro array is written as one block (count, items) and a 0 terminator; empty is just the 0.
  if (calls !== undefined && calls.length > 0) {
    out.writeLong(calls.length);
    for (const call of calls) if (!writeOutboundCall(call, out)) return false;
  }
  out.writeLong(0);
  return true;
}

function writeOutboundCall(c: OutboundCall, out: AvroWriter): boolean {
  if (
    typeof c !== 'object' ||
    c === null ||
    !isInt(c.sequence) ||
    typeof c.dependencyKind !== 'string' ||
    typeof c.scheme !== 'string' ||
    typeof c.target !== 'string' ||
    typeof c.method !== 'string' ||
    typeof c.path !== 'string' ||
    !isHeaderMap(c.requestHeaders) ||
    !(c.requestBody instanceof Uint8Array) ||
    typeof c.requestBodyTruncated !== 'boolean' ||
    !isInt(c.responseStatus) ||
    !isHeaderMap(c.responseHeaders) ||
    !(c.responseBody instanceof Uint8Array) ||
    typeof c.responseBodyTruncated !== 'boolean' ||
    !isNullableString(c.errorMessage ?? null)
  ) {
    return false;
  }
  const startTimeMs = long(c.startTimeMs);
  const durationUs = long(c.durationUs);
  if (!isLong(startTimeMs) || !isLong(durationUs)) return false;
  out.writeLong(c.sequence);
  out.writeLong(startTimeMs);
  out.writeLong(durationUs);
  out.writeString(c.dependencyKind);
  out.writeString(c.scheme);
  out.writeString(c.target);
  out.writeString(c.method);
  out.writeString(c.path);
  if (!out.writeStringArrayMap(c.requestHeaders)) return false;
  out.writeBytes(c.requestBody);
  out.writeBoolean(c.requestBodyTruncated);
  out.writeLong(c.responseStatus);
  if (!out.writeStringArrayMap(c.responseHeaders)) return false;
  out.writeBytes(c.responseBody);
  out.writeBoolean(c.responseBodyTruncated);
  out.writeNullableString(c.errorMessage ?? null);
  return true;
}

function isHeaderMap(value: unknown): value is Record<string, string[]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && value === (value | 0);
}

/** avsc's bound: one short of Number.MAX_SAFE_INTEGER on each side. */
function isLong(value: number): boolean {
  return Number.isInteger(value) && value >= -9007199254740990 && value <= 9007199254740990;
}

/** The fields writeCapturedExchange writes, in order. */
const WRITTEN_FIELDS = [
  'exchangeId',
  'captureTimeMs',
  'service',
  'environment',
  'method',
  'scheme',
  'host',
  'path',
  'query',
  'routeTemplate',
  'requestHeaders',
  'requestBody',
  'requestBodyTruncated',
  'requestBodySize',
  'requestContentType',
  'responseStatus',
  'responseHeaders',
  'responseBody',
  'responseBodyTruncated',
  'responseBodySize',
  'responseContentType',
  'liveLatencyUs',
  'aborted',
  'samplingRate',
  'tapVersion',
  'outboundCalls',
].join(',');

/** The fields writeOutboundCall writes, in order. */
const WRITTEN_CALL_FIELDS = [
  'sequence',
  'startTimeMs',
  'durationUs',
  'dependencyKind',
  'scheme',
  'target',
  'method',
  'path',
  'requestHeaders',
  'requestBody',
  'requestBodyTruncated',
  'responseStatus',
  'responseHeaders',
  'responseBody',
  'responseBodyTruncated',
  'errorMessage',
].join(',');

function outboundCallFieldNames(): string {
  const field = schemas.capturedExchange.fields.find((f) => f.name === 'outboundCalls');
  const items = (field?.type as { items?: { fields?: readonly { name: string }[] } } | undefined)?.items;
  return (items?.fields ?? []).map((f) => f.name).join(',');
}

/**
 * Guard for a schema edited without the encoder: its bytes would no longer match the registered
 * schema, so the contract then encodes through avsc only (writer.test.ts fails in the meantime).
 */
const writerMatchesSchema = schemas.capturedExchange.fields.map((f) => f.name).join(',') === WRITTEN_FIELDS && outboundCallFieldNames() === WRITTEN_CALL_FIELDS;

/** `dev.shadow.v1.CapturedExchange` on topic `shadow.exchanges.v1`. */
export const capturedExchangeContract: RecordContract<CapturedExchange> = defineRecordContract({
  schema: schemas.capturedExchange,
  toAvro: capturedExchangeToAvro,
  fromAvro: capturedExchangeFromAvro,
  ...(writerMatchesSchema ? { write: writeCapturedExchange } : {}),
});
