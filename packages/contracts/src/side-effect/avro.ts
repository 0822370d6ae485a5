import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, headersOut, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { SideEffect } from './types.js';

export function sideEffectToAvro(s: SideEffect): AvroRecord {
  return {
    exchangeId: s.exchangeId,
    origin: s.origin,
    attempt: s.attempt,
    sequence: s.sequence,
    observedTimeMs: long(s.observedTimeMs),
    dependencyKind: s.dependencyKind,
    target: s.target,
    operation: s.operation,
    requestSummary: bytesIn(s.requestSummary),
    mocked: s.mocked,
    mockedResponse: s.mockedResponse === null ? null : bytesIn(s.mockedResponse),
    method: s.method,
    path: s.path,
    requestHeaders: s.requestHeaders,
    responseStatus: s.responseStatus,
    responseBody: bytesIn(s.responseBody),
    durationUs: long(s.durationUs),
    disposition: s.disposition,
    runId: s.runId ?? null,
  };
}

export function sideEffectFromAvro(r: AvroRecord): SideEffect {
  return {
    exchangeId: r.exchangeId as string,
    origin: r.origin as string,
    attempt: r.attempt as number,
    sequence: r.sequence as number,
    observedTimeMs: r.observedTimeMs as number,
    dependencyKind: r.dependencyKind as string,
    target: r.target as string,
    operation: r.operation as string,
    requestSummary: bytesOut(r.requestSummary),
    mocked: r.mocked as boolean,
    mockedResponse: r.mockedResponse === null ? null : bytesOut(r.mockedResponse),
    method: (r.method as string | undefined) ?? '',
    path: (r.path as string | undefined) ?? '',
    requestHeaders: r.requestHeaders === undefined ? {} : headersOut(r.requestHeaders),
    responseStatus: (r.responseStatus as number | undefined) ?? 0,
    responseBody: r.responseBody === undefined ? Buffer.alloc(0) : bytesOut(r.responseBody),
    durationUs: (r.durationUs as number | undefined) ?? 0,
    disposition: (r.disposition as string | undefined) ?? '',
    runId: (r.runId as string | null | undefined) ?? null,
  };
}

/** `dev.shadow.v1.SideEffect` on topic `shadow.side-effects.v1`. */
export const sideEffectContract: RecordContract<SideEffect> = defineRecordContract({
  schema: schemas.sideEffect,
  toAvro: sideEffectToAvro,
  fromAvro: sideEffectFromAvro,
});
