import { describe, expect, it } from 'vitest';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { JoinState } from './join-state.js';
import { PartitionOffsets } from './offset-tracker.js';

const ex = (id: string): CapturedExchange => ({ exchangeId: id }) as CapturedExchange;
const res = (id: string, challengerId: string): ShadowResult => ({ exchangeId: id, challengerId }) as ShadowResult;
const se = (id: string, origin: string, runId: string | null = null): SideEffect => ({ exchangeId: id, origin, runId }) as SideEffect;
/** A historical run's result: it carries the live snapshot and who the exchange was sent to. */
const runRes = (id: string, challengerId: string, runId: string, sentTo: string[], role = 'candidate'): ShadowResult =>
  ({
    exchangeId: id,
    challengerId,
    challengerRole: role,
    runId,
    runChallengers: sentTo,
    live: {
      captureTimeMs: 1,
      service: 's',
      method: 'GET',
      path: '/x',
      responseStatus: 200,
      responseHeaders: {},
      responseBody: Buffer.from('{}'),
      outboundCalls: [],
    },
  }) as unknown as ShadowResult;

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
    expect(s.committable()).toEqual([
      { topic: 'ex', partition: 0, offset: 10 },
      { topic: 'res', partition: 0, offset: 20 },
    ]);
    for (const slot of b?.slots ?? []) slot.done = true;
    // a (offset 10) is still open, so exchanges stay at 10; results moved past b.
    expect(s.committable()).toEqual([
      { topic: 'ex', partition: 0, offset: 10 },
      { topic: 'res', partition: 0, offset: 22 },
    ]);
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

describe('JoinState: historical runs are self-contained', () => {
  it('pairs a run whose live exchange expired long ago (regression: every result dropped as late, 0 pairs)', () => {
    const s = state();
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    expect(s.drain(1000).map((e) => [e.exchangeId, e.runId, e.cause])).toEqual([['a', null, 'window']]);
    // The replay of the window, much later: a new entry keyed by (run, exchange), not a late record.
    s.addResult(runRes('a', 'sec', 'r1', ['sec', 'cand'], 'secondary'), 'res', 0, 0, 50_000);
    expect(s.drain(50_000)).toEqual([]);
    s.addResult(runRes('a', 'cand', 'r1', ['sec', 'cand']), 'res', 0, 1, 50_001);
    const [run] = s.drain(50_001);
    expect(run).toMatchObject({ exchangeId: 'a', runId: 'r1', cause: 'complete', challengers: ['sec', 'cand'] });
    expect(run?.exchange?.exchangeId).toBe('a');
    expect(run?.exchange?.responseBody.toString()).toBe('{}');
    expect(s.stats.late).toBe(0);
  });

  it('a second run of the same window pairs again under its own id; a result repeated within a run is late', () => {
    const s = state();
    for (const [i, run] of ['r1', 'r2'].entries()) {
      s.addResult(runRes('a', 'cand', run, ['cand']), 'res', 0, i, 0);
    }
    expect(s.drain(0).map((e) => e.runId)).toEqual(['r1', 'r2']);
    s.addResult(runRes('a', 'cand', 'r1', ['cand']), 'res', 0, 2, 1);
    expect(s.stats).toMatchObject({ open: 0, late: 1 });
  });

  it('a run waits for the challengers its results name, not the configured ones, and never touches the live entry', () => {
    const s = state({ challengers: ['cand', 'sec'] });
    s.addExchange(ex('a'), 'ex', 0, 0, 0);
    // An ad-hoc challenger of the run, sampled in alone: complete with its one result.
    s.addResult(runRes('a', 'adhoc', 'r1', ['adhoc']), 'res', 0, 0, 0);
    expect(s.drain(0).map((e) => [e.runId, e.challengers])).toEqual([['r1', ['adhoc']]]);
    expect(s.stats).toMatchObject({ open: 1, openRuns: 0, unknownChallenger: 0 });
  });

  it("an incomplete run entry expires as the run's own, with its side effects; live results and side effects stay live", () => {
    const s = state();
    s.addResult(runRes('a', 'cand', 'r1', ['cand', 'sec']), 'res', 0, 0, 0);
    s.addSideEffect(se('a', 'cand', 'r1'), 'se', 0, 0, 0);
    s.addSideEffect(se('a', 'cand', null), 'se', 0, 1, 0);
    expect(s.stats).toMatchObject({ open: 2, openRuns: 1 });
    const out = s.drain(1000);
    expect(out.map((e) => [e.runId, e.cause, e.sideEffects.length])).toEqual([
      ['r1', 'window', 1],
      [null, 'window', 1],
    ]);
    expect(out[0]?.challengers).toEqual(['cand', 'sec']);
  });

  it("runPending: a run's results below an offset are pending until their slots are done", () => {
    const s = state();
    s.addResult(runRes('a', 'cand', 'r1', ['cand']), 'res', 3, 10, 0);
    s.addResult(runRes('b', 'cand', 'r1', ['cand']), 'res', 3, 11, 0);
    const out = s.drain(0);
    expect(s.runPending('r1', 3, 12)).toBe(true);
    expect(s.runPending('r1', 3, 10)).toBe(false); // nothing of the run below 10
    expect(s.runPending('r2', 3, 12)).toBe(false);
    for (const e of out) for (const slot of e.slots) slot.done = true;
    expect(s.runPending('r1', 3, 12)).toBe(false);
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
