import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, headersOut, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import { outboundCallFromAvro, outboundCallToAvro } from '../exchange/avro.js';
import type { LiveSnapshot, ShadowResult } from './types.js';

function liveToAvro(l: LiveSnapshot): AvroRecord {
  return {
    captureTimeMs: long(l.captureTimeMs),
    service: l.service,
    environment: l.environment,
    method: l.method,
    scheme: l.scheme,
    host: l.host,
    path: l.path,
    query: l.query,
    routeTemplate: l.routeTemplate ?? null,
    responseStatus: l.responseStatus,
    responseHeaders: l.responseHeaders,
    responseBody: bytesIn(l.responseBody),
    responseBodyTruncated: l.responseBodyTruncated,
    responseBodySize: long(l.responseBodySize),
    responseContentType: l.responseContentType ?? null,
    liveLatencyUs: long(l.liveLatencyUs),
    aborted: l.aborted,
    samplingRate: l.samplingRate,
    tapVersion: l.tapVersion,
    outboundCalls: l.outboundCalls.map(outboundCallToAvro),
  };
}

function liveFromAvro(r: AvroRecord): LiveSnapshot {
  return {
    captureTimeMs: r.captureTimeMs as number,
    service: r.service as string,
    environment: r.environment as string,
    method: r.method as string,
    scheme: r.scheme as string,
    host: r.host as string,
    path: r.path as string,
    query: r.query as string,
    routeTemplate: r.routeTemplate as string | null,
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
    outboundCalls: ((r.outboundCalls as AvroRecord[] | undefined) ?? []).map(outboundCallFromAvro),
  };
}

export function shadowResultToAvro(r: ShadowResult): AvroRecord {
  return {
    exchangeId: r.exchangeId,
    challengerId: r.challengerId,
    challengerName: r.challengerName,
    attempt: r.attempt,
    replayTimeMs: long(r.replayTimeMs),
    responseStatus: r.responseStatus,
    responseHeaders: r.responseHeaders,
    responseBody: bytesIn(r.responseBody),
    responseBodyTruncated: r.responseBodyTruncated,
    responseBodySize: long(r.responseBodySize),
    responseContentType: r.responseContentType ?? null,
    latencyUs: long(r.latencyUs),
    errorKind: r.errorKind ?? null,
    errorMessage: r.errorMessage ?? null,
    replayerVersion: r.replayerVersion,
    challengerRole: r.challengerRole,
    runId: r.runId ?? null,
    live: r.live === undefined || r.live === null ? null : liveToAvro(r.live),
    runChallengers: r.runChallengers ?? [],
  };
}

export function shadowResultFromAvro(r: AvroRecord): ShadowResult {
  return {
    exchangeId: r.exchangeId as string,
    challengerId: r.challengerId as string,
    challengerName: r.challengerName as string,
    attempt: r.attempt as number,
    replayTimeMs: r.replayTimeMs as number,
    responseStatus: r.responseStatus as number,
    responseHeaders: headersOut(r.responseHeaders),
    responseBody: bytesOut(r.responseBody),
    responseBodyTruncated: r.responseBodyTruncated as boolean,
    responseBodySize: r.responseBodySize as number,
    responseContentType: r.responseContentType as string | null,
    latencyUs: r.latencyUs as number,
    errorKind: r.errorKind as string | null,
    errorMessage: r.errorMessage as string | null,
    replayerVersion: r.replayerVersion as string,
    challengerRole: (r.challengerRole as string | undefined) ?? 'candidate',
    runId: (r.runId as string | null | undefined) ?? null,
    // Left out when absent (live shadowing, or a record written before the fields existed), so a
    // live result round-trips unchanged.
    ...(r.live === undefined || r.live === null ? {} : { live: liveFromAvro(r.live as AvroRecord) }),
    ...(Array.isArray(r.runChallengers) && r.runChallengers.length > 0 ? { runChallengers: [...(r.runChallengers as string[])] } : {}),
  };
}

/** `dev.shadow.v1.ShadowResult` on topic `shadow.results.v1`. */
export const shadowResultContract: RecordContract<ShadowResult> = defineRecordContract({
  schema: schemas.shadowResult,
  toAvro: shadowResultToAvro,
  fromAvro: shadowResultFromAvro,
});
