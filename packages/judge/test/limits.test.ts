// Cache, coalescing, budget, concurrency, rate and sampling, observed on a real HTTP judge: the
// server counts what reaches it.
import { describe, expect, it } from 'vitest';
import { makeJudges, pair } from './support/judges.js';
import { startJudgeServer, type Handler } from './support/servers.js';

const alwaysEqual =
  (delayMs?: number): Handler =>
  () => ({ body: { verdict: 'equal', score: 1 }, ...(delayMs === undefined ? {} : { delayMs }) });

describe('judge limits', () => {
  it('judges the same answers once: repeated and concurrent identical requests make one call', async () => {
    await using server = await startJudgeServer(alwaysEqual(100));
    await using judges = makeJudges({ j: { type: 'http', url: server.url } });
    const judge = judges.get('j');
    // Five at once (coalesced on the one in flight), then three after (from the cache), each a
    // different exchange: what is judged is the same, so are the keys.
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => judge.judge(pair({ a: 1, b: 'x' }, { a: 1, b: 'y' }))));
    const later = [];
    for (let i = 0; i < 3; i++) later.push(await judge.judge(pair({ a: 1, b: 'x' }, { a: 1, b: 'y' })));
    // Key order is not part of what is judged.
    later.push(await judge.judge(pair({ b: 'x', a: 1 }, { b: 'y', a: 1 })));
    expect(server.received).toHaveLength(1);
    expect([...concurrent, ...later].map((r) => r.verdict)).toEqual(Array(9).fill('equal'));
    expect([...concurrent, ...later].filter((r) => !r.cached)).toHaveLength(1);
    const judgements = judges.events.filter((e) => e.type === 'judgement');
    expect(judgements.filter((e) => e.cached)).toHaveLength(8);

    // Something else is judged again; so is the same pair under a new `version` (another config).
    await judge.judge(pair({ a: 1, b: 'x' }, { a: 2, b: 'y' }));
    expect(server.received).toHaveLength(2);
    await using bumped = makeJudges({ j: { type: 'http', url: server.url, version: '2' } });
    await bumped.get('j').judge(pair({ a: 1, b: 'x' }, { a: 1, b: 'y' }));
    expect(server.received).toHaveLength(3);
  });

  it('with the cache off, still coalesces identical requests in flight but calls again afterwards', async () => {
    await using server = await startJudgeServer(alwaysEqual(100));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, cache: { maxEntries: 0 } } });
    await Promise.all([1, 2, 3].map(() => judges.get('j').judge(pair('a', 'b'))));
    expect(server.received).toHaveLength(1);
    await judges.get('j').judge(pair('a', 'b'));
    expect(server.received).toHaveLength(2);
  });

  it("stops calling when the day's calls are spent: verdict not_run, reason budget; the server counts the calls", async () => {
    await using server = await startJudgeServer((_r, i) => (i === 0 ? { status: 503 } : { body: { verdict: 'different' } }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, budget: { callsPerDay: 3 }, retries: { initialDelayMs: 5, maxDelayMs: 5 } } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await judges.get('j').judge(pair('live', `candidate ${i}`)));
    // The 503 and its retry are two calls (each may be billed): 3 calls judge 2 pairs.
    expect(results.map((r) => r.verdict)).toEqual(['different', 'different', 'not_run', 'not_run', 'not_run']);
    expect(results.slice(2).map((r) => r.reason)).toEqual(['budget', 'budget', 'budget']);
    expect(server.received).toHaveLength(3);
    expect(judges.get('j').usage()).toMatchObject({ calls: 3, callsPerDay: 3 });
    // A cached verdict costs nothing and is still given.
    expect(await judges.get('j').judge(pair('live', 'candidate 0'))).toMatchObject({ verdict: 'different', cached: true });
  });

  it('holds at most `concurrency` requests at the judge at once', async () => {
    await using server = await startJudgeServer(alwaysEqual(80));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, concurrency: 2 } });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => judges.get('j').judge(pair('live', `c${i}`))));
    expect(results.every((r) => r.verdict === 'equal')).toBe(true);
    expect(server.received).toHaveLength(8);
    expect(server.maxInFlight).toBe(2);
  });

  it('refuses to queue past maxQueue: not_run overloaded, nothing sent for those', async () => {
    await using server = await startJudgeServer(alwaysEqual(150));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, concurrency: 1, maxQueue: 2 } });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => judges.get('j').judge(pair('live', `c${i}`))));
    // One in flight, two waiting; the other three are not held.
    expect(results.map((r) => r.verdict)).toEqual(['equal', 'equal', 'equal', 'not_run', 'not_run', 'not_run']);
    expect(results.slice(3).map((r) => r.reason)).toEqual(['overloaded', 'overloaded', 'overloaded']);
    expect(server.received).toHaveLength(3);
  });

  it('spaces requests by the rate limit (token bucket, burst 1)', async () => {
    await using server = await startJudgeServer(alwaysEqual());
    await using judges = makeJudges({ j: { type: 'http', url: server.url, ratePerSecond: 5, burst: 1 } });
    await Promise.all(Array.from({ length: 4 }, (_, i) => judges.get('j').judge(pair('live', `c${i}`))));
    const at = server.received.map((r) => r.at).sort((a, b) => a - b);
    // 5 per second: a token every 200 ms. Arrival times carry connection set-up noise, so the bounds
    // leave room for it; without the limit all four arrive within a few ms.
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
    expect((at[3] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it('samples by exchange id: the same ids decide the same way on another instance, and only sampled ones are sent', async () => {
    await using server = await startJudgeServer(alwaysEqual());
    const ids = Array.from({ length: 200 }, (_, i) => `exchange-${i}`);
    const decide = async (): Promise<boolean[]> => {
      await using judges = makeJudges({ j: { type: 'http', url: server.url, sampleRate: 0.3, cache: { maxEntries: 0 } } });
      const results = [];
      for (const id of ids) results.push(await judges.get('j').judge(pair('live', `candidate ${id}`, { exchangeId: id })));
      expect(results.filter((r) => r.verdict === 'not_run').every((r) => r.reason === 'sampled_out')).toBe(true);
      return results.map((r) => r.verdict === 'equal');
    };
    const first = await decide();
    const judged = first.filter(Boolean).length;
    expect(server.received).toHaveLength(judged);
    // The hash is fixed, so this count is too; it is near 30 % of 200.
    expect(judged).toBeGreaterThan(40);
    expect(judged).toBeLessThan(80);
    expect(await decide()).toEqual(first);
    // A judge with another id samples other exchanges (salted: independent of the replay sampler too).
    await using other = makeJudges({ k: { type: 'http', url: server.url, sampleRate: 0.3 } });
    const otherPicks = [];
    for (const id of ids.slice(0, 50)) otherPicks.push((await other.get('k').judge(pair('live', `x ${id}`, { exchangeId: id }))).verdict === 'equal');
    expect(otherPicks).not.toEqual(first.slice(0, 50));
  });
});
