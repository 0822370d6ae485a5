import { describe, expect, it } from 'vitest';
import type { AvroRecord } from '../schema/record-contract.js';
import { replayProgressContract } from './avro.js';
import { dispatchedBitmap, isDispatched, markDispatched } from './dispatched.js';
import type { ReplayProgress } from './types.js';

const roundTrip = (p: ReplayProgress): ReplayProgress =>
  replayProgressContract.fromAvro(replayProgressContract.type.fromBuffer(replayProgressContract.type.toBuffer(replayProgressContract.toAvro(p))) as AvroRecord);

describe('ReplayProgress', () => {
  it('round-trips a chunk record and a run record', () => {
    const bitmap = dispatchedBitmap(256);
    markDispatched(bitmap, 0);
    markDispatched(bitmap, 255);
    const chunk: ReplayProgress = {
      kind: 'chunk',
      producedTimeMs: 1_763_000_000_000,
      replayer: 'shadow-replayer',
      partition: 3,
      fromOffset: 1000,
      toOffset: 1256,
      challengers: [
        { id: 'rc', role: 'candidate', dispatched: bitmap, replayed: 0, failed: 0 },
        { id: 'sec', role: 'secondary', dispatched: dispatchedBitmap(256), replayed: 0, failed: 0 },
      ],
      runId: null,
      sessionId: null,
      run: null,
    };
    expect(roundTrip(chunk)).toEqual(chunk);
    const ended: ReplayProgress = {
      ...chunk,
      kind: 'run_ended',
      fromOffset: 0,
      toOffset: 0,
      runId: 'incident-42',
      sessionId: 's-1',
      challengers: [{ id: 'rc', role: 'candidate', dispatched: Buffer.alloc(0), replayed: 140, failed: 2 }],
      run: {
        fromMs: 1,
        toMs: 2,
        speed: 'max',
        ordering: 'none',
        sampling: '{"rate":1}',
        maxConcurrency: 64,
        partitions: 6,
        state: 'completed',
        resumed: false,
        exchanges: 140,
        outsideWindow: 3,
        sampledOut: 0,
        deadLettered: 1,
        resultsEndOffset: 512,
      },
    };
    expect(roundTrip(ended)).toEqual(ended);
  });

  it('dispatched bitmaps: one bit per offset of the chunk, out of range reads false', () => {
    const bitmap = dispatchedBitmap(10);
    expect(bitmap.length).toBe(2);
    for (const i of [0, 3, 8, 9]) markDispatched(bitmap, i);
    expect(Array.from({ length: 10 }, (_, i) => isDispatched(bitmap, i))).toEqual([true, false, false, true, false, false, false, false, true, true]);
    expect(isDispatched(bitmap, -1)).toBe(false);
    expect(isDispatched(bitmap, 16)).toBe(false);
    markDispatched(bitmap, 99); // ignored, never grows
    expect(bitmap.length).toBe(2);
  });
});
