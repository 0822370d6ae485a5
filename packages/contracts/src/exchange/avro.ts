import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, headersOut, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { CapturedExchange } from './types.js';

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
  };
}

/** `dev.shadow.v1.CapturedExchange` on topic `shadow.exchanges.v1`. */
export const capturedExchangeContract: RecordContract<CapturedExchange> = defineRecordContract({
  schema: schemas.capturedExchange,
  toAvro: capturedExchangeToAvro,
  fromAvro: capturedExchangeFromAvro,
});
