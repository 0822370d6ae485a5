// Progress records on the real broker: live shadowing writes, per chunk and to the exchanges'
// partition number, which offsets it passed and which exchanges it sent to each challenger (what
// the joiner needs to tell "expected and missing" from "nothing replayed it"); a historical run
// writes run_started and run_ended records, and its results carry the live exchange they answer.
// Without the progress topic the replayer still replays and pairs, and says what is lost.
import { afterAll, describe, expect, it } from 'vitest';
import { isDispatched, liveSnapshotOf } from '@shadow/contracts';
import { LiveShadow, replayWindow } from '@shadow/replay';
import type { Env, TestServer } from './support/kit.js';
import { decodeProgress, decodeResults, echo, exchange, produceExchanges, readPositioned, readTopic, setupTopics, silent, startServer } from './support/kit.js';

const envs: Env[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const e of envs) await e.cleanup();
});

describe('replay progress records', () => {
  it("live shadowing: every offset of every partition is covered, and each challenger's bitmap says exactly which exchanges it was sent", async () => {
    const env = await setupTopics('progress-live', 3);
    envs.push(env);
    const server = await startServer(echo);
    servers.push(server);
    const exchanges = Array.from({ length: 60 }, (_, i) => exchange({ path: `/p/${i}` }));
    await produceExchanges(env, exchanges);
    const shadow = new LiveShadow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      groupId: `${env.prefix}replayer`,
      startFrom: 'earliest',
      logger: silent,
      chunkSize: 7,
      challengers: [
        { id: 'cand', baseUrl: server.url },
        // Half of the exchanges (deterministically by id) go to the secondary.
        { id: 'sec', baseUrl: server.url, role: 'secondary', sampling: { rate: 0.5 } },
      ],
    });
    await shadow.start();
    const resultMessages = await readTopic(
      env.kafka,
      env.names.results,
      (m) => m.length >= 60 + shadow.stats().dispatch.challengers[1]!.sent && shadow.stats().dispatch.exchanges >= 60,
      40_000,
    );
    await shadow.close();
    const results = await decodeResults(env, resultMessages);
    const positioned = await readPositioned(env.kafka, env.names.exchanges, 60);
    // The replayer is closed: everything it wrote is below the high watermarks.
    const admin = env.kafka.admin();
    await admin.connect();
    const written = (await admin.fetchTopicOffsets(env.names.progress)).reduce((n, o) => n + Number(o.high), 0);
    await admin.disconnect();
    const progressMessages = await readPositioned(env.kafka, env.names.progress, written, 20_000);
    expect(progressMessages).toHaveLength(written);
    const progress = await decodeProgress(
      env,
      progressMessages.map((p) => p.message),
    );
    expect(
      progress.every(
        (p, i) => p.kind === 'chunk' && p.partition === progressMessages[i]?.partition && p.replayer === `${env.prefix}replayer` && p.runId === null,
      ),
    ).toBe(true);

    const got = new Set(results.map((r) => `${r.exchangeId}/${r.challengerId}`));
    const secSent = results.filter((r) => r.challengerId === 'sec').length;
    expect(secSent).toBeGreaterThan(10);
    expect(secSent).toBeLessThan(50);
    for (const { partition, offset, message } of positioned) {
      const id = message.key?.toString() as string;
      const covering = progress.filter((p) => p.partition === partition && p.fromOffset <= offset && offset < p.toOffset);
      expect(covering.length, `offset ${partition}/${offset} covered`).toBeGreaterThanOrEqual(1);
      for (const p of covering) {
        for (const c of p.challengers) expect(isDispatched(c.dispatched, offset - p.fromOffset), `${id}/${c.id}`).toBe(got.has(`${id}/${c.id}`));
      }
    }
    expect(progress.flatMap((p) => p.challengers.map((c) => c.id))).toEqual(expect.arrayContaining(['cand', 'sec']));
  });

  it('historical run: results carry the live snapshot and who the exchange was sent to; run_started and run_ended per partition, the end naming where results end', async () => {
    const env = await setupTopics('progress-run', 2);
    envs.push(env);
    const server = await startServer(echo);
    servers.push(server);
    // Captured a day and a half ago: nothing in a run depends on the capture being recent.
    const base = Date.now() - 36 * 3_600_000;
    const exchanges = Array.from({ length: 30 }, (_, i) =>
      exchange({ captureTimeMs: base + i * 10, path: `/h/${i}`, responseBody: Buffer.from(`{"n":${i}}`) }),
    );
    await produceExchanges(env, exchanges);
    const runId = `run-${Date.now()}`;
    const summary = await replayWindow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      fromMs: base,
      toMs: base + 300,
      runId,
      logger: silent,
      challengers: [
        { id: 'cand', baseUrl: server.url },
        { id: 'sec', baseUrl: server.url, role: 'secondary', sampling: { rate: 0.5 } },
      ],
    });
    expect(summary.completed).toBe(true);
    const sent = summary.sent;
    const results = await decodeResults(env, await readTopic(env.kafka, env.names.results, (m) => m.length >= sent, 20_000));
    expect(results).toHaveLength(sent);
    const byId = new Map(exchanges.map((e) => [e.exchangeId, e]));
    for (const r of results) {
      expect(r.runId).toBe(runId);
      expect(r.live).toEqual(liveSnapshotOf(byId.get(r.exchangeId)!));
      const sentTo = results
        .filter((x) => x.exchangeId === r.exchangeId)
        .map((x) => x.challengerId)
        .sort();
      expect([...(r.runChallengers ?? [])].sort()).toEqual(sentTo);
    }

    const records = await decodeProgress(
      env,
      (await readPositioned(env.kafka, env.names.progress, 4, 10_000)).map((p) => p.message),
    );
    const started = records.filter((p) => p.kind === 'run_started');
    const ended = records.filter((p) => p.kind === 'run_ended');
    expect(started.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(ended.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(new Set(records.map((p) => p.sessionId))).toEqual(new Set([summary.sessionId]));
    expect(started[0]?.run).toMatchObject({ fromMs: base, toMs: base + 300, state: 'running', partitions: 2, speed: 'max' });
    expect(ended[0]?.run).toMatchObject({ state: 'completed', exchanges: 30, partitions: 2 });
    expect(Object.fromEntries(ended[0]!.challengers.map((c) => [c.id, c.replayed]))).toEqual({
      cand: 30,
      sec: results.filter((r) => r.challengerId === 'sec').length,
    });
    // Every result lies below its partition's end offset.
    const resultsAt = await readPositioned(env.kafka, env.names.results, sent);
    for (const p of ended) {
      const below = resultsAt.filter((r) => r.partition === p.partition);
      expect(below.every((r) => r.offset < (p.run?.resultsEndOffset ?? -1))).toBe(true);
      expect(p.run?.resultsEndOffset).toBe(below.length);
    }
  });

  it('without the progress topic the replayer still replays, and publishes nothing there', async () => {
    const env = await setupTopics('progress-none', 2, { progress: false });
    envs.push(env);
    const server = await startServer(echo);
    servers.push(server);
    const exchanges = Array.from({ length: 5 }, () => exchange());
    await produceExchanges(env, exchanges);
    const warnings: string[] = [];
    const logger = {
      ...silent,
      warn: (_o: unknown, msg?: string) => {
        warnings.push(String(msg));
      },
    };
    const t = Date.now();
    const summary = await replayWindow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      fromMs: t - 3_600_000,
      toMs: t + 60_000,
      challengers: [{ id: 'cand', baseUrl: server.url }],
      logger,
    });
    expect(summary.sent).toBe(5);
    expect(warnings.some((w) => w.includes(env.names.progress) && w.includes('shadow topics ensure'))).toBe(true);
    const admin = env.kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(env.names.progress);
  });
});
