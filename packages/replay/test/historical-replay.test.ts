// Historical windows on the real broker and registry: exactly the exchanges captured in [from, to),
// also when the run is interrupted and resumed with the same run id; the ordering option delivers a
// write and the read after it in capture order although they sit in different partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayGroupId, replayWindow } from '@shadow/replay';
import type { ReplaySummary } from '@shadow/replay';
import type { Env, TestServer } from './support/kit.js';
import { decodeResults, echo, exchange, produceExchanges, readTopic, setupTopics, silent, startServer } from './support/kit.js';

describe('historical replay', () => {
  let env: Env;
  const servers: TestServer[] = [];
  const base = Date.now() - 10 * 60_000;
  const all = Array.from({ length: 90 }, (_, i) => exchange({ captureTimeMs: base + i * 1000, path: `/items/${i}` }));
  const fromMs = base + 20_000;
  const toMs = base + 60_000;
  const inWindow = new Set(all.slice(20, 60).map((e) => e.exchangeId));

  beforeAll(async () => {
    env = await setupTopics('replay-window');
    await produceExchanges(env, all);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await env?.cleanup();
  });

  it('replays exactly the exchanges captured in the window, and resumes an interrupted run where it stopped', async () => {
    const slow = await startServer((req, res, body) => setTimeout(() => echo(req, res, body), 40));
    servers.push(slow);
    const challengers = [{ id: 'cand', baseUrl: slow.url, maxConcurrency: 2 }];
    const runId = `run-${Date.now()}`;
    const controller = new AbortController();
    const interruptAt = setInterval(() => {
      if (slow.requests.length >= 12) controller.abort();
    }, 5);
    const first = await replayWindow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      fromMs,
      toMs,
      runId,
      challengers,
      signal: controller.signal,
      chunkSize: 4,
      logger: silent,
    });
    clearInterval(interruptAt);
    expect(first.completed).toBe(false);
    expect(first.sent).toBeGreaterThanOrEqual(12);
    expect(first.sent).toBeLessThan(40);

    const second: ReplaySummary = await replayWindow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      fromMs,
      toMs,
      runId,
      challengers,
      logger: silent,
    });
    expect(second.completed).toBe(true);
    expect(second.resumed).toBe(true);
    // The second session did not start over: together they cover the window with few repeats (at-least-once).
    expect(second.sent).toBeLessThan(40);
    expect(first.sent + second.sent).toBeGreaterThanOrEqual(40);

    const messages = await readTopic(env.kafka, env.names.results, (m) => m.length >= first.sent + second.sent, 20_000);
    const results = (await decodeResults(env, messages)).filter((r) => r.runId === runId);
    expect(new Set(results.map((r) => r.exchangeId))).toEqual(inWindow);
    expect(new Set(slow.requests.map((r) => String(r.headers['x-shadow-exchange-id'])))).toEqual(inWindow);
    expect(results.every((r) => r.errorKind === null && r.challengerId === 'cand')).toBe(true);

    // A third run with the same id has nothing left to do.
    const third = await replayWindow({ kafka: env.kafka, registry: env.registry, topicPrefix: env.prefix, fromMs, toMs, runId, challengers, logger: silent });
    expect(third.completed).toBe(true);
    expect(third.sent).toBe(0);
    const admin = env.kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: replayGroupId(runId), topics: [env.names.exchanges] });
    await admin.disconnect();
    expect(committed[0]?.partitions.every((p) => Number(p.offset) >= 0)).toBe(true);
  });

  it('keeps capture order for requests sharing the ordering key: a write, then the read after it', async () => {
    const order = await setupTopics('replay-order');
    try {
      const values = new Map<string, string>();
      const seen: string[] = [];
      const stateful = await startServer((req, res, body) => {
        const key = req.url ?? '';
        if (req.method === 'PUT') {
          // A slow write: without ordering, the read after it overtakes it.
          setTimeout(() => {
            values.set(key, body.toString());
            seen.push(`PUT ${key}`);
            res.writeHead(204).end();
          }, 60);
        } else {
          seen.push(`GET ${key}`);
          res.writeHead(200).end(values.get(key) ?? 'missing');
        }
      });
      servers.push(stateful);
      const t = Date.now() - 60_000;
      const pairs = Array.from({ length: 12 }, (_, k) => [
        exchange({
          captureTimeMs: t + k * 10,
          method: 'PUT',
          path: `/kv/${k}`,
          requestHeaders: { 'x-session': [`s${k}`] },
          requestBody: Buffer.from(`v${k}`),
          requestBodySize: 2,
        }),
        exchange({ captureTimeMs: t + k * 10 + 1, method: 'GET', path: `/kv/${k}`, requestHeaders: { 'x-session': [`s${k}`] } }),
      ]).flat();
      await produceExchanges(order, pairs);
      const summary = await replayWindow({
        kafka: order.kafka,
        registry: order.registry,
        topicPrefix: order.prefix,
        fromMs: t - 1000,
        toMs: t + 10_000,
        challengers: [{ id: 'stateful', baseUrl: stateful.url, maxConcurrency: 16 }],
        ordering: { mode: 'header', header: 'x-session' },
        speed: 'max',
        logger: silent,
      });
      expect(summary.sent).toBe(24);
      const messages = await readTopic(order.kafka, order.names.results, (m) => m.length >= 24, 20_000);
      const results = await decodeResults(order, messages);
      for (let k = 0; k < 12; k++) {
        expect(seen.indexOf(`GET /kv/${k}`)).toBeGreaterThan(seen.indexOf(`PUT /kv/${k}`));
        const read = results.find((r) => r.exchangeId === pairs[2 * k + 1]?.exchangeId);
        expect(read?.responseBody.toString()).toBe(`v${k}`);
      }
    } finally {
      await order.cleanup();
    }
  });
});
