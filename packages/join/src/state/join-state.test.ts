import { describe, expect, it } from 'vitest';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { JoinState } from './join-state.js';
import { PartitionOffsets } from './offset-tracker.js';

const ex = (id: string): CapturedExchange => ({ exchangeId: id } as CapturedExchange);
const res = (id: string, challengerId: string): ShadowResult => ({ exchangeId: id, challengerId } as ShadowResult);
const se = (id: string, origin: string): SideEffect => ({ exchangeId: id, origin } as SideEffect);

function state(over: Partial<ConstructorParameters<typeof JoinState>[0]> = {}): JoinState {
  return new JoinState({ challengers: ['cand', 'sec'], windowMs: 1000, sideEffectGraceMs: 0, maxOpenEntries: 100, recentlyEmitted: 100, ...over });
}

describe('JoinState', () => {
  it('emits a pair as soon as live and one result per challenger are in', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addResult(res('a', 'cand'), 'res', 0, 0, 1);
    expect(s.drain(2)).toEqual([]);
    s.addResult(res('a', 'sec'), 'res', 0, 1, 3);
    const out = s.drain(3);
    expect(out).toHaveLength(1);
    expect(out[0]?.cause).toBe('complete');
    expect([...(out[0]?.results.keys() ?? [])]).toEqual(['cand', 'sec']);
    expect(s.stats.open).toBe(0);
  });

  it('waits the grace period for trailing side effects', () => {
    const s = state({ sideEffectGraceMs: 100 });
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addResult(res('a', 'cand'), 'res', 0, 0, 0);
    s.addResult(res('a', 'sec'), 'res', 0, 1, 10);
    expect(s.drain(50)).toEqual([]);
    s.addSideEffect(se('a', 'cand'), 'se', 0, 0, 60);
    const out = s.drain(110);
    expect(out).toHaveLength(1);
    expect(out[0]?.sideEffects).toHaveLength(1);
  });

  it('emits an incomplete entry after the window with what it has', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addResult(res('a', 'cand'), 'res', 0, 0, 10);
    expect(s.drain(999)).toEqual([]);
    const out = s.drain(1000);
    expect(out[0]?.cause).toBe('window');
    expect(out[0]?.results.has('sec')).toBe(false);
  });

  it('holds an incomplete entry past the window while its partition is not read past it (paused or lagging consumption)', () => {
    let readPast = false;
    const s = state({ mayExpire: () => readPast });
    s.addResult(res('a', 'cand'), 'res', 0, 0, 0, 0);
    expect(s.drain(5000)).toEqual([]);
    expect(s.stats.open).toBe(1);
    readPast = true;
    expect(s.drain(5001).map((e) => e.cause)).toEqual(['window']);
  });

  it('bounds open entries: the oldest is emitted first and counted', () => {
    const s = state({ maxOpenEntries: 2 });
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addExchange(ex('b'), 'ex', 0, 1, 1);
    s.addExchange(ex('c'), 'ex', 0, 2, 2);
    const out = s.drain(3);
    expect(out.map((e) => [e.exchangeId, e.cause])).toEqual([['a', 'capacity']]);
    expect(s.stats.evicted).toBe(1);
    expect(s.stats.open).toBe(2);
  });

  it('drops late records of an emitted exchange instead of opening a new entry, and results of unknown challengers', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addResult(res('a', 'cand'), 'res', 0, 0, 0);
    s.addResult(res('a', 'sec'), 'res', 0, 1, 0);
    s.drain(0);
    s.addResult(res('a', 'cand'), 'res', 0, 2, 5); // attempt 2
    s.addResult(res('b', 'other'), 'res', 0, 3, 5);
    expect(s.stats).toMatchObject({ open: 0, late: 1, unknownChallenger: 1 });
  });

  it('commits only below the oldest record an unlanded entry still needs', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 10, 0);
    s.addExchange(ex('b'), 'ex', 0, 11, 0);
    s.addResult(res('b', 'cand'), 'res', 0, 20, 0);
    s.addResult(res('b', 'sec'), 'res', 0, 21, 0);
    const [b] = s.drain(0);
    expect(b?.exchangeId).toBe('b');
    // b is emitted but not landed: nothing moves.
    expect(s.committable()).toEqual([{ topic: 'ex', partition: 0, offset: 10 }, { topic: 'res', partition: 0, offset: 20 }]);
    for (const slot of b?.slots ?? []) slot.done = true;
    // a (offset 10) is still open, so exchanges stay at 10; results moved past b.
    expect(s.committable()).toEqual([{ topic: 'ex', partition: 0, offset: 10 }, { topic: 'res', partition: 0, offset: 22 }]);
  });

  it('reset forgets entries, offsets and the recently-emitted set', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    s.addResult(res('a', 'cand'), 'res', 0, 0, 0);
    s.addResult(res('a', 'sec'), 'res', 0, 1, 0);
    s.drain(0);
    s.reset();
    expect(s.committable()).toEqual([]);
    s.addExchange(ex('a'), 'ex', 0, 0, 0); // re-read after a rebalance joins again
    expect(s.stats.open).toBe(1);
  });
});

describe('PartitionOffsets', () => {
  it('advances over done slots only and returns the next offset when all are done', () => {
    const p = new PartitionOffsets();
    expect(p.committable()).toBeUndefined();
    const a = p.add(5);
    const b = p.add(6);
    p.add(7, true);
    expect(p.committable()).toBe(5);
    b.done = true;
    expect(p.committable()).toBe(5);
    a.done = true;
    expect(p.committable()).toBe(8);
  });

  it('keeps working after compaction of a long done prefix', () => {
    const p = new PartitionOffsets();
    for (let i = 0; i < 10_000; i++) p.add(i, true);
    const open = p.add(10_000);
    expect(p.committable()).toBe(10_000);
    open.done = true;
    expect(p.committable()).toBe(10_001);
  });
});
