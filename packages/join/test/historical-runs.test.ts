// Historical replays as an operator runs them (issue 15): the joiner is a long-running service,
// started BEFORE the capture; no replayer runs while traffic is captured; `shadow replay` of the
// window runs later, as its own process (the replayer's `replay` command, real HTTP challengers).
// Real Kafka, registry and chDB throughout.
//
// - the window is paired for every challenger, with no unmatched row, although the joiner expired
//   the live exchanges long before (regression: 0 pairs, every result dropped as late); a second
//   run of the same window pairs again under its own id;
// - while nothing replayed the captures there is no unmatched row per exchange, only counts
//   (capture_minutes and the hook that feeds shadow_joiner_live_exchanges_total);
// - a window captured 36 hours earlier pairs the same way;
// - through a rebalance from 1 to 3 instances during a run: every (challenger, run, exchange) lands
//   once, by count and by id set, and the run is reported landed (kill -9 of the joiner process:
//   historical-run-kill.test.ts, its own file because chDB allows one engine per process).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import type { ClickHouse } from '@shadow/clickhouse';
import { createJoiner } from '@shadow/join';
import type { Joiner } from '@shadow/join';
import { CANDIDATE, createJoinTopics, openSchemaDatabase, SECONDARY, serdesFor, waitFor } from './fixture.js';
import type { Serdes } from './fixture.js';
import { capture, children, cleanup, keysOf, landedRun, replay, rows, runPairs, startChallengers, unmatchedOf } from './run-kit.js';

const WINDOW_MS = 1500;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

function startJoiner(ch: ClickHouse, prefix: string, groupId: string, registry: Serdes['registry'], captured: Map<string, number>): Joiner {
  const joiner = createJoiner({
    kafka: kafkaClient(uniqueName('joiner')),
    registry,
    clickhouse: ch,
    groupId,
    topicPrefix: prefix,
    challengers: [CANDIDATE, SECONDARY],
    windowMs: WINDOW_MS,
    sideEffectGraceMs: 100,
    batchMaxDelayMs: 200,
    retryInitialMs: 100,
    hooks: {
      onLanded: (e) => {
        for (const [status, n] of e.capturesByStatus) captured.set(status, (captured.get(status) ?? 0) + n);
      },
    },
  });
  cleanup.push(() => joiner.close());
  return joiner;
}

describe('historical runs against a joiner started before the capture', () => {
  const prefix = `${uniqueName('hr')}.`;
  const captured = new Map<string, number>();
  let ch: ClickHouse;
  let serdes: Serdes;
  let joiner: Joiner;
  let urls: { candidate: string; secondary: string };
  const kafka = kafkaClient('hr');

  beforeAll(async () => {
    await createJoinTopics(kafka, prefix, 3);
    serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    urls = await startChallengers();
    joiner = startJoiner(ch, prefix, uniqueName('hr-group'), serdes.registry, captured);
    await joiner.start();
  });

  it('no replayer running: no unmatched row per exchange, the captures are counted as not replayed; then a replay long after pairs all of them, twice', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `${uniqueName('live')}-${i}`);
    const t0 = Date.now();
    await capture(kafka, serdes, prefix, ids, t0);
    // The live exchanges expire from the join window with nothing replayed.
    const notReplayed = async (): Promise<number> => {
      const [r] = await rows<{ n: string }>(ch, 'SELECT uniqExactMerge(not_replayed) AS n FROM capture_minutes WHERE challenger_id = {c:String}', {
        c: CANDIDATE,
      });
      return Number(r?.n ?? 0);
    };
    await waitFor('captures counted as not replayed', notReplayed, (n) => n >= ids.length, 60_000);
    expect(await unmatchedOf(ch, null)).toEqual([]);
    const [byStatus] = await rows<Record<string, string>>(
      ch,
      `SELECT uniqExactMerge(seen) AS seen, uniqExactMerge(replayed) AS replayed, uniqExactMerge(no_result) AS no_result,
      uniqExactMerge(not_replayed) AS not_replayed FROM capture_minutes WHERE challenger_id = {c:String}`,
      { c: SECONDARY },
    );
    expect(byStatus).toEqual({ seen: String(ids.length), replayed: '0', no_result: '0', not_replayed: String(ids.length) });
    expect(captured.get('not_replayed')).toBe(2 * ids.length);

    // Well past the join window (the captures expired, and several windows more): replay the window.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 4 * WINDOW_MS - Date.now())));
    for (const runId of [uniqueName('run-a'), uniqueName('run-b')]) {
      const { code, out } = await replay(prefix, t0 - 1000, t0 + ids.length + 1000, runId, urls).exited;
      expect(code, out).toBe(0);
      const summary = await landedRun(ch, runId);
      const pairs = await runPairs(ch, runId);
      expect(pairs.keys.sort()).toEqual(keysOf(ids));
      expect(pairs.distinct).toBe(2 * ids.length);
      expect(await unmatchedOf(ch, runId)).toEqual([]);
      expect(summary).toMatchObject({ exchanges: ids.length, state: 'completed', partitions: 3, drainedPartitions: 3 });
      expect(summary.challengers.map((c) => [c.id, c.replayed, c.paired, c.unmatched])).toEqual(
        [
          [CANDIDATE, ids.length, ids.length, {}],
          [SECONDARY, ids.length, ids.length, {}],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    }
    expect(joiner.stats().late).toBe(0);
    // Still no unmatched row anywhere: the live captures were never expected to be replayed live.
    expect(await unmatchedOf(ch, null)).toEqual([]);
  }, 240_000);
});

describe('a window captured long before', () => {
  it('a window captured 36 hours before the replay pairs the same way', async () => {
    // Own topics: in Kafka a 36-hour-old window lies before everything captured since (record time
    // = capture time), which is what the replay's offset lookup by timestamp relies on.
    const prefix = `${uniqueName('hro')}.`;
    const kafka = kafkaClient('hro');
    await createJoinTopics(kafka, prefix, 3);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    const ch = await openSchemaDatabase();
    cleanup.push(() => ch.close());
    const urls = await startChallengers();
    const joiner = startJoiner(ch, prefix, uniqueName('hro-group'), serdes.registry, new Map());
    await joiner.start();
    const ids = Array.from({ length: 60 }, (_, i) => `${uniqueName('old')}-${i}`);
    const t0 = Date.now() - 36 * 3_600_000;
    await capture(kafka, serdes, prefix, ids, t0);
    // Captured since: the window is not at the end of the topic.
    await capture(kafka, serdes, prefix, [`${uniqueName('recent')}-0`], Date.now());
    const runId = uniqueName('run-old');
    const { code, out } = await replay(prefix, t0 - 1000, t0 + ids.length + 1000, runId, urls).exited;
    expect(code, out).toBe(0);
    const summary = await landedRun(ch, runId);
    expect(summary.exchanges).toBe(ids.length);
    const pairs = await runPairs(ch, runId);
    expect(pairs.keys.sort()).toEqual(keysOf(ids));
    const [times] = await rows<{ oldest: string }>(ch, 'SELECT toUnixTimestamp64Milli(min(capture_time)) AS oldest FROM pairs WHERE run_id = {r:String}', {
      r: runId,
    });
    expect(Number(times?.oldest)).toBe(t0);
    expect(await unmatchedOf(ch, runId)).toEqual([]);
  }, 180_000);
});

describe('exactly once during a historical run', () => {
  it('through a rebalance from 1 to 3 joiner instances mid-run', async () => {
    const prefix = `${uniqueName('hrr')}.`;
    const groupId = uniqueName('hrr-group');
    const kafka = kafkaClient('hrr');
    await createJoinTopics(kafka, prefix, 6);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    const first = await openSchemaDatabase();
    cleanup.push(() => first.close());
    const more = await Promise.all([1, 2].map(() => openSchemaDatabase(undefined, first.database)));
    for (const c of more) cleanup.push(() => c.close());
    // Slow enough challengers (10 ms, 2 at a time) that the run is still replaying during the rebalance.
    const urls = await startChallengers(10);
    const captured = new Map<string, number>();
    const a = startJoiner(first, prefix, groupId, serdes.registry, captured);
    await a.start();

    const ids = Array.from({ length: 1500 }, (_, i) => `${uniqueName('rb')}-${i}`);
    const t0 = Date.now() - 3_600_000;
    await capture(kafka, serdes, prefix, ids, t0);
    const runId = uniqueName('run-rb');
    const running = replay(prefix, t0 - 1000, t0 + ids.length + 1000, runId, urls, 2);
    await waitFor(
      'part of the run landed',
      async () => (await runPairs(first, runId)).distinct,
      (n) => n > 300,
      90_000,
    );
    expect(running.proc.exitCode).toBeNull(); // mid-run: the replay is still going
    const b = startJoiner(more[0] as ClickHouse, prefix, groupId, serdes.registry, captured);
    const c = startJoiner(more[1] as ClickHouse, prefix, groupId, serdes.registry, captured);
    await Promise.all([b.start(), c.start()]);
    const { code, out } = await running.exited;
    expect(code, out).toBe(0);
    const summary = await landedRun(first, runId, 120_000);
    const pairs = await runPairs(first, runId);
    expect(pairs.keys.sort()).toEqual(keysOf(ids));
    expect(pairs.keys).toHaveLength(2 * ids.length);
    expect(pairs.distinct).toBe(2 * ids.length);
    expect(await unmatchedOf(first, runId)).toEqual([]);
    expect(summary.challengers.map((x) => x.paired)).toEqual([ids.length, ids.length]);
    expect([a, b, c].map((j) => j.stats().assigned).reduce((x, y) => x + y, 0)).toBe(24); // 6 partitions x 4 topics, spread over 3
  }, 240_000);
});
