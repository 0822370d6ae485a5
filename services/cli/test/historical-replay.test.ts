// A historical replay of old traffic lands and stays (issue 14): a replay run's results for exchanges
// captured 40 and 400 days ago, as the replayer produces them (each carrying its live snapshot and
// the challengers the run sent it to), go through the real Kafka broker and schema registry to the
// real joiner service (its BatchWriter and row builders, embedded chDB it owns); every TTL is then forced
// (MATERIALIZE TTL, synchronous, and OPTIMIZE FINAL) and `shadow report --run-id` (a child process,
// through the joiner's read-only endpoint) still finds every pair. Until migration 40 the tables
// expired rows by capture time, so this run landed nothing (and 8-day-old captures lost their bodies).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClickHouse } from '@shadow/clickhouse';
import { createSchemaRegistry, ensureTopics, liveSnapshotOf, RecordSerde, shadowResultContract, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { loadConfig, startJoinerService } from '@shadow/joiner';
import type { JoinerService } from '@shadow/joiner';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/src/main.ts');
const DAY = 86_400_000;
const AGES = [40, 400] as const;
const PER_AGE = 6;
const RUN = `hist-${randomUUID()}`;

let dir: string;
let service: JoinerService;
let producedAt: number;

/** The clock shift of test/clock/clock-ahead.test.ts (a Date preload in NODE_OPTIONS), so the CLI children run shifted too. */
const clockShift = (): Record<string, string> => {
  const { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options } = process.env;
  return days === undefined ? {} : { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options ?? '' };
};

function shadow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=@shadow/source', '--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, USER: 'ci-test', ...clockShift() }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const id = (age: number, i: number) => `h${age}-${i}`;
/** Every third pair differs on $.price (a real difference: bodies always kept); the others agree. */
const differs = (i: number) => i % 3 === 0;
/** The last exchange of each age was also sent to challenger `late`, which never answers: unmatched no_result. */
const PARTIAL = PER_AGE - 1;

function exchange(exchangeId: string, captureMs: number, i: number): CapturedExchange {
  return {
    exchangeId,
    captureTimeMs: captureMs,
    service: 'shop',
    environment: 'prod',
    method: 'GET',
    scheme: 'http',
    host: 'shop.local',
    path: `/items/${i}`,
    query: '',
    routeTemplate: '/items/:id',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ id: i, price: 10 }),
    responseBodyTruncated: false,
    responseBodySize: 20,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  };
}

function result(live: CapturedExchange, i: number): ShadowResult {
  return {
    live: liveSnapshotOf(live),
    runChallengers: i === PARTIAL ? ['cand', 'late'] : ['cand'],
    exchangeId: live.exchangeId,
    challengerId: 'cand',
    challengerName: 'pricing-v2',
    attempt: 1,
    replayTimeMs: Date.now(),
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ id: i, price: differs(i) ? 11 : 10 }),
    responseBodyTruncated: false,
    responseBodySize: 20,
    responseContentType: 'application/json',
    latencyUs: 1100,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: 'candidate',
    runId: RUN,
  };
}

async function rows<T>(ch: ClickHouse, query: string): Promise<T[]> {
  return (await ch.client.query({ query, query_params: { run: RUN }, format: 'JSONEachRow' })).json<T>();
}

async function countOf(ch: ClickHouse, query: string): Promise<number> {
  const [row] = await rows<{ n: string }>(ch, query);
  return Number(row?.n ?? 0);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-historical-'));
  const prefix = `${uniqueName('cli-hist')}.`;
  const kafka = kafkaClient(uniqueName('cli-hist'));
  const report = await ensureTopics(kafka, { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: uniqueName('cli-hist-g'),
    JOINER_CHALLENGERS: 'cand',
    // Every agreeing pair's bodies are sampled, so every pair must keep its bodies.
    JOINER_BODY_SAMPLE_RATE: '1',
    JOINER_WINDOW_MS: '2000',
    JOINER_BATCH_MAX_DELAY_MS: '200',
    JOINER_ADMIN_PORT: '0',
    JOINER_QUERY_PORT: '0',
    JOINER_LABELS: 'off',
    JOINER_SESSION_TIMEOUT_MS: '8000',
  });
  service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'chdb') } });

  const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
  const names = topicNames(prefix);
  const results = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) });
  await results.init();
  const now = Date.now();
  producedAt = now;
  const res = [];
  for (const age of AGES) {
    for (let i = 0; i < PER_AGE; i++) res.push({ key: id(age, i), value: results.encodeSync(result(exchange(id(age, i), now - age * DAY + i * 1000, i), i)) });
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic: names.results, acks: -1, messages: res });
  } finally {
    await producer.disconnect();
  }

  // The joiner lands the pairs, then (after the join window) the unmatched rows of `late`.
  const ch = service.clickhouse;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const pairs = await countOf(ch, 'SELECT count() AS n FROM pairs FINAL WHERE run_id = {run:String}');
    const unmatched = await countOf(ch, 'SELECT count() AS n FROM unmatched FINAL WHERE run_id = {run:String}');
    if (pairs === AGES.length * PER_AGE && unmatched === AGES.length) break;
    if (Date.now() > deadline) {
      const landed = await rows<{ exchange_id: string; reason: string }>(ch, 'SELECT exchange_id, reason FROM unmatched FINAL ORDER BY exchange_id');
      throw new Error(`the joiner landed ${pairs} pairs and ${unmatched} unmatched rows in 90 s: ${JSON.stringify(landed)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  // Every TTL applied now, synchronously: what survives this survives the background merges.
  for (const table of ['pairs', 'pair_diffs', 'unmatched', 'pair_minutes']) {
    await ch.client.command({ query: `ALTER TABLE ${table} MATERIALIZE TTL`, clickhouse_settings: { mutations_sync: '2' } });
    await ch.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  }
}, 180_000);

afterAll(async () => {
  await service?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a historical replay of traffic captured 40 and 400 days ago (real Kafka, real joiner, embedded chDB)', () => {
  it('keeps every pair, diff and unmatched row, with the bodies, through a forced TTL pass', async () => {
    const ch = service.clickhouse;
    const pairs = await rows<{ exchange_id: string; capture_ms: string; bodies_kept: boolean; live_body: string; shadow_body: string }>(
      ch,
      'SELECT exchange_id, toUnixTimestamp64Milli(capture_time) AS capture_ms, bodies_kept, live_body, shadow_body FROM pairs FINAL WHERE run_id = {run:String} ORDER BY exchange_id',
    );
    expect(pairs.map((p) => p.exchange_id).sort()).toEqual(AGES.flatMap((age) => Array.from({ length: PER_AGE }, (_, i) => id(age, i))).sort());
    expect(new Set(pairs.map((p) => Math.round((producedAt - Number(p.capture_ms)) / DAY)))).toEqual(new Set(AGES));
    for (const p of pairs) {
      const i = Number(p.exchange_id.split('-')[1]);
      expect(p, p.exchange_id).toMatchObject({
        bodies_kept: true,
        live_body: JSON.stringify({ id: i, price: 10 }),
        shadow_body: JSON.stringify({ id: i, price: differs(i) ? 11 : 10 }),
      });
    }
    const diffs = await rows<{ exchange_id: string; diff_path: string }>(
      ch,
      'SELECT exchange_id, diff_path FROM pair_diffs FINAL WHERE run_id = {run:String} ORDER BY exchange_id',
    );
    expect(diffs).toEqual(
      AGES.flatMap((age) => [0, 3].map((i) => ({ exchange_id: id(age, i), diff_path: '$.price' }))).sort((a, b) => a.exchange_id.localeCompare(b.exchange_id)),
    );
    const unmatched = await rows<{ exchange_id: string; challenger_id: string; reason: string; event_ms: string }>(
      ch,
      'SELECT exchange_id, challenger_id, reason, toUnixTimestamp64Milli(event_time) AS event_ms FROM unmatched FINAL WHERE run_id = {run:String} ORDER BY exchange_id',
    );
    expect(unmatched.map((u) => ({ ...u, event_ms: Number(u.event_ms) }))).toEqual(
      AGES.map((age) => ({
        exchange_id: id(age, PARTIAL),
        challenger_id: 'late',
        reason: 'no_result',
        event_ms: producedAt - age * DAY + PARTIAL * 1000,
      })).sort((a, b) => a.exchange_id.localeCompare(b.exchange_id)),
    );
    // The per-minute aggregates of the old capture minutes stay too (kept by landing, not by minute).
    expect(await countOf(ch, 'SELECT sum(n) AS n FROM (SELECT uniqExactMerge(pairs) AS n FROM pair_minutes WHERE run_id = {run:String} GROUP BY minute)')).toBe(
      AGES.length * PER_AGE,
    );
  });

  it("shadow report --run-id finds every pair of the run through the joiner's endpoint", async () => {
    const url = service.queryEndpoint?.url ?? '';
    const r = await shadow('report', '--challenger', 'cand', '--run-id', RUN, '--clickhouse-url', url, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { overall: { pairs: number; agreement: { trials: number; successes: number } } };
    expect(report.overall.pairs).toBe(AGES.length * PER_AGE);
  }, 120_000);
});
