import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, headersOut, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { ShadowResult } from './types.js';

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
  };
}

/** `dev.shadow.v1.ShadowResult` on topic `shadow.results.v1`. */
export const shadowResultContract: RecordContract<ShadowResult> = defineRecordContract({
  schema: schemas.shadowResult,
  toAvro: shadowResultToAvro,
  fromAvro: shadowResultFromAvro,
});
