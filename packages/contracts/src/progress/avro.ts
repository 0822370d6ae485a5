import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { bytesIn, bytesOut, defineRecordContract, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { ProgressChallenger, ReplayProgress, RunProgress } from './types.js';

function runToAvro(r: RunProgress): AvroRecord {
  return {
    fromMs: long(r.fromMs),
    toMs: long(r.toMs),
    speed: r.speed,
    ordering: r.ordering,
    sampling: r.sampling,
    maxConcurrency: r.maxConcurrency,
    partitions: r.partitions,
    state: r.state,
    resumed: r.resumed,
    exchanges: long(r.exchanges),
    outsideWindow: long(r.outsideWindow),
    sampledOut: long(r.sampledOut),
    deadLettered: long(r.deadLettered),
    resultsEndOffset: long(r.resultsEndOffset),
  };
}

function runFromAvro(r: AvroRecord): RunProgress {
  return {
    fromMs: r.fromMs as number,
    toMs: r.toMs as number,
    speed: r.speed as string,
    ordering: r.ordering as string,
    sampling: r.sampling as string,
    maxConcurrency: r.maxConcurrency as number,
    partitions: r.partitions as number,
    state: r.state as string,
    resumed: r.resumed as boolean,
    exchanges: r.exchanges as number,
    outsideWindow: r.outsideWindow as number,
    sampledOut: r.sampledOut as number,
    deadLettered: r.deadLettered as number,
    resultsEndOffset: r.resultsEndOffset as number,
  };
}

export function replayProgressToAvro(p: ReplayProgress): AvroRecord {
  return {
    kind: p.kind,
    producedTimeMs: long(p.producedTimeMs),
    replayer: p.replayer,
    partition: p.partition,
    fromOffset: long(p.fromOffset),
    toOffset: long(p.toOffset),
    challengers: p.challengers.map((c) => ({ id: c.id, role: c.role, dispatched: bytesIn(c.dispatched), replayed: long(c.replayed), failed: long(c.failed) })),
    runId: p.runId ?? null,
    sessionId: p.sessionId ?? null,
    run: p.run === null ? null : runToAvro(p.run),
  };
}

export function replayProgressFromAvro(r: AvroRecord): ReplayProgress {
  return {
    kind: r.kind as string,
    producedTimeMs: r.producedTimeMs as number,
    replayer: r.replayer as string,
    partition: r.partition as number,
    fromOffset: r.fromOffset as number,
    toOffset: r.toOffset as number,
    challengers: (r.challengers as AvroRecord[]).map(
      (c): ProgressChallenger => ({
        id: c.id as string,
        role: c.role as string,
        dispatched: bytesOut(c.dispatched),
        replayed: c.replayed as number,
        failed: c.failed as number,
      }),
    ),
    runId: r.runId as string | null,
    sessionId: r.sessionId as string | null,
    run: r.run === null || r.run === undefined ? null : runFromAvro(r.run as AvroRecord),
  };
}

/** `dev.shadow.v1.ReplayProgress` on topic `shadow.replay-progress.v1`. */
export const replayProgressContract: RecordContract<ReplayProgress> = defineRecordContract({
  schema: schemas.replayProgress,
  toAvro: replayProgressToAvro,
  fromAvro: replayProgressFromAvro,
});
