// kill -9 of the joiner service mid-run (issue 15): the joiner runs as its own process (its own chDB
// engine and data directory), started before the capture; nothing replays the captures live, so
// they are counted as not replayed (the metric), not unmatched; `shadow replay` of the window runs as
// its own process; the joiner is killed without warning after it landed part of the run and a new
// process resumes. Every (challenger, run, exchange) lands once, by count and by id set, and the run
// is reported landed. This file opens the child's data directory after it exited, so it has no
// other chDB engine in its process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import { createClickHouse, summarizeRun } from '@shadow/clickhouse';
import { CANDIDATE, createJoinTopics, SECONDARY, serdesFor, waitFor } from './fixture.js';
import { capture, caughtUp, children, cleanup, keysOf, metric, replay, runPairs, startChallengers, startJoinerProcess, unmatchedOf } from './run-kit.js';

const WINDOW_MS = 1500;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

describe('exactly once during a historical run', () => {
  it('through kill -9 of the joiner process mid-run and a restart; the captures nothing replayed are counted, not unmatched', async () => {
    const prefix = `${uniqueName('hrk')}.`;
    const groupId = uniqueName('hrk-group');
    const kafka = kafkaClient('hrk');
    await createJoinTopics(kafka, prefix, 3);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    // Slow enough challengers (10 ms, 2 at a time) that the run is still replaying when the joiner dies.
    const urls = await startChallengers(10);
    const chdbPath = mkdtempSync(join(tmpdir(), 'shadow-joiner-run-kill-'));
    cleanup.push(async () => rmSync(chdbPath, { recursive: true, force: true }));
    const env = {
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      JOINER_GROUP_ID: groupId,
      JOINER_CHALLENGERS: `${CANDIDATE},${SECONDARY}`,
      JOINER_WINDOW_MS: String(WINDOW_MS),
      JOINER_SIDE_EFFECT_GRACE_MS: '100',
      JOINER_BATCH_MAX_DELAY_MS: '200',
      JOINER_SESSION_TIMEOUT_MS: '8000',
      JOINER_ADMIN_PORT: '0',
      JOINER_QUERY_PORT: 'off',
      JOINER_LABELS: 'off',
      CHDB_PATH: chdbPath,
      CLICKHOUSE_DATABASE: 'joiner',
      CLICKHOUSE_URL: '',
      LOG_LEVEL: 'info',
    };
    // Started before the capture; nothing replays it while it is live.
    const first = startJoinerProcess(env);
    const firstAdmin = await first.admin;
    const ids = Array.from({ length: 1500 }, (_, i) => `${uniqueName('kill')}-${i}`);
    const t0 = Date.now();
    await capture(kafka, serdes, prefix, ids, t0);
    await waitFor(
      'captures counted as not replayed',
      () => metric(firstAdmin, 'shadow_joiner_live_exchanges_total{status="not_replayed"}'),
      (n) => n >= 2 * ids.length,
      60_000,
    );
    expect(await metric(firstAdmin, 'shadow_joiner_unmatched_total')).toBe(0);

    const runId = uniqueName('run-kill');
    const running = replay(prefix, t0 - 1000, t0 + ids.length + 1000, runId, urls, 2);
    const landedAtKill = await waitFor(
      'part of the run landed',
      () => metric(firstAdmin, 'shadow_joiner_pairs_written_total'),
      (n) => n > 400,
      90_000,
    );
    expect(running.proc.exitCode).toBeNull(); // mid-run: the replay is still going
    first.proc.kill('SIGKILL');
    expect(landedAtKill).toBeLessThan(2 * ids.length);
    expect(await first.exited).toBeNull();

    const second = startJoinerProcess(env);
    const secondAdmin = await second.admin;
    const { code, out } = await running.exited;
    expect(code, out).toBe(0);
    await waitFor('everything landed and committed', () => caughtUp(prefix, groupId, secondAdmin), Boolean, 120_000);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const ch = await createClickHouse({ path: chdbPath, database: 'joiner' });
    try {
      const pairs = await runPairs(ch, runId);
      expect(pairs.keys.sort()).toEqual(keysOf(ids));
      expect(pairs.keys).toHaveLength(2 * ids.length);
      expect(pairs.distinct).toBe(2 * ids.length);
      expect(await unmatchedOf(ch, null)).toEqual([]);
      const summary = await summarizeRun(ch.client, runId);
      expect(summary).toMatchObject({ landed: true, exchanges: ids.length, drainedPartitions: 3 });
    } finally {
      await ch.close();
    }
  }, 300_000);
});
