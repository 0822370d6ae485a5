// The replayer as a process (spawned like production: `main.js`, config from env) on the real
// broker and registry with two real HTTP challengers: killed with SIGKILL mid-stream and restarted,
// no exchange is left without a result from each challenger (at-least-once); health, readiness and
// metrics answer on the admin port; SIGTERM drains and exits 0.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  createTopicsAndWait,
  RecordSerde,
  shadowResultContract,
  subjectFor,
  topicNames,
} from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';

const root = findRepoRoot();
const prefix = `${uniqueName('replayer-proc')}.`;
const names = topicNames(prefix);

function exchange(i: number): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs: Date.now(),
    service: 'orders',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'live',
    path: `/items/${i}`,
    query: '',
    routeTemplate: null,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.from('{}'),
    responseBodyTruncated: false,
    responseBodySize: 2,
    responseContentType: 'application/json',
    liveLatencyUs: 1,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
  };
}

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; count: () => number }> {
  let n = 0;
  const s = createServer((req, res) => {
    n++;
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, server: s, count: () => n };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function spawnReplayer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', join(root, 'services/replayer/src/main.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('replayer process', () => {
  const kafka = kafkaClient('replayer-proc');
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(
      admin,
      [names.exchanges, names.results, names.sideEffects, names.deadLetter].map((topic) => ({ topic, numPartitions: 3 })),
      30_000,
    );
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('loses no exchange across a kill -9 and a restart; health, metrics, SIGTERM drain', async () => {
    const slow = (_req: IncomingMessage, res: ServerResponse): void => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 5);
    };
    const candidate = await server(slow);
    const secondary = await server(slow);
    const adminPort = await freePort();
    const env = {
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      REPLAYER_GROUP_ID: `${prefix}replayer`,
      REPLAYER_START_FROM: 'earliest',
      REPLAYER_ADMIN_PORT: String(adminPort),
      REPLAYER_CHALLENGERS: JSON.stringify([
        { id: 'cand', baseUrl: candidate.url, maxConcurrency: 2 },
        { id: 'sec', baseUrl: secondary.url, role: 'secondary', maxConcurrency: 2 },
      ]),
      LOG_LEVEL: 'warn',
    };
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
    await serde.init();
    const exchanges = Array.from({ length: 400 }, (_, i) => exchange(i));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, acks: -1, messages: exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e) })) });
    await producer.disconnect();

    const first = spawnReplayer(env);
    let stderr = '';
    first.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor('the first replayer to replay some exchanges', () => candidate.count() >= 120, 40_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = candidate.count();
    expect(beforeRestart).toBeLessThan(400);

    const second = spawnReplayer(env);
    second.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const results = new Map<string, Set<string>>();
    const resultSerde = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) });
    const reader = kafka.consumer({ groupId: uniqueName('results-reader') });
    await reader.connect();
    await reader.subscribe({ topic: names.results, fromBeginning: true });
    let total = 0;
    await reader.run({
      eachMessage: async ({ message }) => {
        const r = await resultSerde.decode(message.value as Buffer);
        total++;
        const set = results.get(r.challengerId) ?? new Set<string>();
        set.add(r.exchangeId);
        results.set(r.challengerId, set);
      },
    });
    await waitFor(
      'a result per exchange per challenger',
      () => (results.get('cand')?.size ?? 0) === 400 && (results.get('sec')?.size ?? 0) === 400,
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: cand=${results.get('cand')?.size} sec=${results.get('sec')?.size}\n${stderr.slice(-2000)}`);
    });
    await reader.disconnect();
    // At-least-once: the chunks in flight at the kill were replayed again, nothing more.
    expect(total).toBeGreaterThanOrEqual(800);
    expect(total - 800).toBeLessThan(2 * 400);

    const base = `http://127.0.0.1:${adminPort}`;
    await waitFor('readiness', async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200, 20_000);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string; running: boolean };
    expect(health).toMatchObject({ status: 'ok', running: true });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/shadow_replayer_replayed_total\{challenger="cand",role="candidate",outcome="ok"\} \d+/);
    expect(metrics).toContain('shadow_replayer_latency_seconds_bucket');
    expect(metrics).toContain('shadow_replayer_consumer_lag');
    expect(metrics).toContain('shadow_replayer_in_flight');

    second.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => second.once('exit', r));
    expect(code).toBe(0);
    candidate.server.close();
    secondary.server.close();
  });
});
