import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, long } from '../schema/record-contract.js';
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
  };
}

/** `dev.shadow.v1.SideEffect` on topic `shadow.side-effects.v1`. */
export const sideEffectContract: RecordContract<SideEffect> = defineRecordContract({
  schema: schemas.sideEffect,
  toAvro: sideEffectToAvro,
  fromAvro: sideEffectFromAvro,
});
