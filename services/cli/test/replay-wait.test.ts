// A CI job replays a window, then reports (or gates) without sleeping (issue 15): the real joiner
// service runs in this process (real Kafka + registry, embedded chDB it owns, its read-only
// endpoint), started before the capture; `shadow report --run-id R --wait` starts before the replay
// and waits; `shadow replay` runs as a child process, as CI runs it. The report comes out once every
// result of the run has landed and states the run: exchanges in the window, replayed, paired,
// unmatched. --wait is bounded: a run nobody recorded is exit 2 after --timeout, naming why.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { loadConfig, startJoinerService } from '@shadow/joiner';
import type { JoinerService } from '@shadow/joiner';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/src/main.ts');
const N = 40;

let dir: string;
let prefix: string;
let service: JoinerService;
let url: string;
const servers: Server[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function shadow(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=@shadow/source', '--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, USER: 'ci-test' }, timeout: 150_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

function exchange(i: number, captureTimeMs: number): CapturedExchange {
  return {
    exchangeId: `${prefix}ex-${i}`,
    captureTimeMs,
    service: 'pricing',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'pricing',
    path: `/price/${i}`,
    query: '',
    routeTemplate: '/price/:sku',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify({ sku: String(i), cents: 100 + i })),
    responseBodyTruncated: false,
    responseBodySize: 20,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
  };
}

/** A pricing challenger answering like live (the secondary) or with a field more (the candidate). */
async function challenger(extra: Record<string, unknown>): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    const sku = (req.url ?? '').split('/').pop() ?? '';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, cents: 100 + Number(sku), ...extra }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-replay-wait-'));
  prefix = `${uniqueName('cli-wait')}.`;
  const kafka = kafkaClient(uniqueName('cli-wait'));
  expect((await ensureTopics(kafka, { prefix, partitions: 2 })).problems).toEqual([]);
  // The joiner runs before anything is captured, as in production.
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: uniqueName('cli-wait-g'),
    JOINER_CHALLENGERS: 'cand,sec',
    JOINER_WINDOW_MS: '1500',
    JOINER_SIDE_EFFECT_GRACE_MS: '100',
    JOINER_BATCH_MAX_DELAY_MS: '200',
    JOINER_ADMIN_PORT: '0',
    JOINER_QUERY_PORT: '0',
    JOINER_LABELS: 'off',
    JOINER_SESSION_TIMEOUT_MS: '8000',
  });
  service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'chdb') } });
  url = service.queryEndpoint?.url ?? '';
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    contract: capturedExchangeContract,
    subject: subjectFor(topicNames(prefix).exchanges),
  });
  await serde.init();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const t0 = Date.now() - 600_000;
  await producer.send({
    topic: topicNames(prefix).exchanges,
    acks: -1,
    messages: Array.from({ length: N }, (_, i) => ({ key: `${prefix}ex-${i}`, value: serde.encodeSync(exchange(i, t0 + i)), timestamp: String(t0 + i) })),
  });
  await producer.disconnect();
}, 120_000);

afterAll(async () => {
  await service?.close();
  for (const s of servers) s.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('shadow replay, then shadow report --run-id --wait', () => {
  it('the report waits until the run has landed, then states it: exchanges in the window, replayed, paired, unmatched', async () => {
    const runId = uniqueName('ci-run');
    const [cand, sec] = await Promise.all([challenger({ currency: 'EUR' }), challenger({})]);
    // Started first: it must wait for a run that does not exist yet.
    const waiting = shadow('report', '--run-id', runId, '--wait', '--timeout', '120s', '--clickhouse-url', url, '--format', 'json');
    const t0 = Date.now() - 600_000;
    const replayed = await shadow(
      'replay',
      '--from',
      String(t0 - 1000),
      '--to',
      String(t0 + N + 1000),
      '--run-id',
      runId,
      '--challenger',
      `cand=${cand}`,
      '--challenger',
      `sec=${sec},role=secondary`,
      '--brokers',
      stack().kafkaBrokers.join(','),
      '--schema-registry-url',
      stack().schemaRegistryUrl,
      '--topic-prefix',
      prefix,
      '--log-level',
      'warn',
    );
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain(`shadow report --run-id ${runId} --wait`);

    const report = await waiting;
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toContain(`waiting until run ${runId} has landed`);
    const reports = JSON.parse(report.stdout) as { challengerId: string; overall: { pairs: number }; run: Record<string, unknown> }[];
    expect(reports.map((r) => [r.challengerId, r.overall.pairs, r.run])).toEqual(
      ['cand', 'sec'].map((id) => [
        id,
        N,
        {
          runId,
          state: 'completed',
          landed: true,
          partitions: 2,
          drainedPartitions: 2,
          exchangesInWindow: N,
          replayed: N,
          failed: 0,
          paired: N,
          unmatched: {},
        },
      ]),
    );

    // Text: the run is stated first.
    const text = await shadow('report', '--run-id', runId, '--challenger', 'cand', '--clickhouse-url', url);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Replay run ${runId}`);
    expect(text.stdout).toContain(`exchanges in the window ${N}, replayed to this challenger ${N}`);
    expect(text.stdout).toContain(`paired ${N}, unmatched 0`);
  }, 200_000);

  it('--wait is bounded: a run nobody recorded is exit 2 after --timeout, saying why; --wait needs --run-id', async () => {
    const unknown = await shadow('report', '--run-id', 'never-replayed', '--wait', '--timeout', '2s', '--clickhouse-url', url);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/run never-replayed has not landed within 2 s: the joiner has recorded no session of it/);
    const noRun = await shadow('report', '--since', '1h', '--wait', '--clickhouse-url', url);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/--wait needs --run-id/);
    const badTimeout = await shadow('report', '--run-id', 'x', '--wait', '--timeout', 'soon', '--clickhouse-url', url);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(/--timeout/);
  }, 120_000);
});
