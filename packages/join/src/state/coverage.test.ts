import { describe, expect, it } from 'vitest';
import { dispatchedBitmap, markDispatched } from '@shadow/contracts';
import type { ReplayProgress } from '@shadow/contracts';
import { ReplayCoverage } from './coverage.js';
import type { OffsetSlot } from './offset-tracker.js';

function chunk(partition: number, from: number, to: number, sent: Record<string, number[]>): ReplayProgress {
  return {
    kind: 'chunk',
    producedTimeMs: 0,
    replayer: 'g',
    partition,
    fromOffset: from,
    toOffset: to,
    runId: null,
    sessionId: null,
    run: null,
    challengers: Object.entries(sent).map(([id, offsets]) => {
      const bits = dispatchedBitmap(to - from);
      for (const o of offsets) markDispatched(bits, o - from);
      return { id, role: 'candidate', dispatched: bits, replayed: 0, failed: 0 };
    }),
  };
}

const slot = (offset: number): OffsetSlot => ({ offset, done: false });

describe('ReplayCoverage', () => {
  it('expected when a replayer sent it, sampled_out when it passed it without sending, not_replayed when none passed it', () => {
    const c = new ReplayCoverage();
    c.add(chunk(0, 100, 104, { cand: [100, 101, 102, 103], sec: [101] }), slot(0));
    expect(c.classify(0, 101, 'cand')).toBe('expected');
    expect(c.classify(0, 101, 'sec')).toBe('expected');
    expect(c.classify(0, 102, 'sec')).toBe('sampled_out');
    expect(c.classify(0, 104, 'cand')).toBe('not_replayed'); // past the chunk
    expect(c.classify(1, 101, 'cand')).toBe('not_replayed'); // another partition
    expect(c.classify(0, 101, 'other')).toBe('not_replayed'); // no replayer has this challenger
  });

  it('a chunk read twice (the replayer group re-read it after a rebalance): one that sent it is enough', () => {
    const c = new ReplayCoverage();
    c.add(chunk(0, 0, 10, { cand: [] }), slot(0));
    c.add(chunk(0, 5, 10, { cand: [7] }), slot(1));
    expect(c.classify(0, 7, 'cand')).toBe('expected');
    expect(c.classify(0, 6, 'cand')).toBe('sampled_out');
  });

  it('releases a record, marking its offset done, once every exchange it covers landed', () => {
    const c = new ReplayCoverage();
    const first = slot(0);
    const second = slot(1);
    c.add(chunk(2, 0, 10, { cand: [1] }), first);
    c.add(chunk(2, 10, 20, { cand: [11] }), second);
    expect(c.release(2, 9)).toBe(0);
    expect(c.release(2, 10)).toBe(1);
    expect([first.done, second.done]).toEqual([true, false]);
    expect(c.classify(2, 11, 'cand')).toBe('expected');
    expect(c.release(2, 25)).toBe(1);
    expect(c.size).toBe(0);
    expect(c.partitions()).toEqual([]);
  });
});
