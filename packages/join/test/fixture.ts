// Shared by the joiner's integration tests and benchmark: topics under a unique prefix, and a
// synthetic run of N exchanges with the results of a candidate and a secondary and some side
// effects, produced exactly as the tap and the replayer would (registry-framed Avro, murmur2 keys,
// and the replayer's progress records saying it passed every exchange and sent it to both).
// The expected outcome of every exchange is known up front, so tests compare id sets, not counts.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  ensureTopics,
  dispatchedBitmap,
  markDispatched,
  RecordSerde,
  replayProgressContract,
  shadowResultContract,
  sideEffectContract,
  subjectFor,
  topicNames,
} from '@shadow/contracts';
import type { CapturedExchange, ReplayProgress, SchemaRegistry, ShadowResult, SideEffect } from '@shadow/contracts';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message } from 'kafkajs';

export const CANDIDATE = 'cand-1';
export const SECONDARY = 'sec-1';

export interface RunPlan {
  readonly n: number;
  /** Every k-th exchange has no candidate result (unmatched no_result). 0 = never. */
  readonly missingCandidateEvery: number;
  /** Every k-th exchange has results but no live record (unmatched no_live_record). 0 = never. */
  readonly missingLiveEvery: number;
  /** Every k-th candidate answers a different price (a real difference). */
  readonly realDiffEvery: number;
}

export interface Expected {
  /** `${exchangeId}/${challengerId}` of every pair row. */
  readonly pairs: Set<string>;
  /** `${exchangeId}/${challengerId}/${reason}` of every unmatched row. */
  readonly unmatched: Set<string>;
}

export async function createJoinTopics(kafka: Kafka, prefix: string, partitions: number): Promise<void> {
  const report = await ensureTopics(kafka, { prefix, partitions, roles: ['exchanges', 'results', 'sideEffects', 'deadLetter', 'labels', 'progress'] });
  if (!report.ok) throw new Error(report.problems.join('; '));
}

function body(i: number, price: number, random: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: i,
      name: `item ${i}`,
      items: [
        { sku: `s${i % 50}`, price },
        { sku: 'x', price: 1 },
      ],
      requestId: random,
    }),
  );
}

export function exchangeOf(i: number, id: string, now: number): CapturedExchange {
  const route = i % 3 === 0 ? '/orders/:id' : i % 3 === 1 ? '/users/:id' : '/search';
  return {
    exchangeId: id,
    captureTimeMs: now,
    service: 'shop',
    environment: 'prod',
    method: i % 3 === 0 ? 'POST' : 'GET',
    scheme: 'http',
    host: 'shop.local',
    path: route.replace(':id', String(i)),
    query: '',
    routeTemplate: i % 3 === 2 ? null : route,
    requestHeaders: { accept: ['application/json'] },
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'], date: ['Mon, 01 Jan 2024 00:00:00 GMT'] },
    responseBody: body(i, 10, `live-${i}`),
    responseBodyTruncated: false,
    responseBodySize: 120,
    responseContentType: 'application/json',
    liveLatencyUs: 1000 + (i % 100),
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls:
      i % 3 === 0
        ? [
            {
              sequence: 0,
              startTimeMs: now,
              durationUs: 500,
              dependencyKind: 'http',
              scheme: 'http',
              target: 'payments:80',
              method: 'POST',
              path: '/charge',
              requestHeaders: {},
              requestBody: Buffer.from(`{"order":${i}}`),
              requestBodyTruncated: false,
              responseStatus: 200,
              responseHeaders: {},
              responseBody: Buffer.from('{}'),
              responseBodyTruncated: false,
              errorMessage: null,
            },
          ]
        : [],
  };
}

function resultOf(i: number, id: string, challengerId: string, role: string, now: number, real: boolean): ShadowResult {
  return {
    exchangeId: id,
    challengerId,
    challengerName: `${challengerId}@test`,
    attempt: 1,
    replayTimeMs: now + 5,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'], date: ['Tue, 02 Jan 2024 00:00:00 GMT'] },
    responseBody: body(i, real ? 11 : 10, `${role}-${i}`),
    responseBodyTruncated: false,
    responseBodySize: 120,
    responseContentType: 'application/json',
    latencyUs: 1200 + (i % 100),
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: role,
    runId: null,
  };
}

function sideEffectOf(id: string, origin: string, now: number, i: number): SideEffect {
  return {
    exchangeId: id,
    origin,
    attempt: 1,
    sequence: 0,
    observedTimeMs: now + 6,
    dependencyKind: 'http',
    target: 'payments:80',
    operation: 'POST /charge',
    requestSummary: Buffer.from(`{"order":${i}}`),
    mocked: true,
    mockedResponse: Buffer.from('{}'),
    method: 'POST',
    path: '/charge',
    requestHeaders: {},
    responseStatus: 200,
    responseBody: Buffer.from('{}'),
    durationUs: 100,
    disposition: 'recorded',
    runId: null,
  };
}

export interface Serdes {
  registry: SchemaRegistry;
  exchanges: RecordSerde<CapturedExchange>;
  results: RecordSerde<ShadowResult>;
  sideEffects: RecordSerde<SideEffect>;
  progress: RecordSerde<ReplayProgress>;
}

export async function serdesFor(registryUrl: string, prefix: string): Promise<Serdes> {
  const registry = createSchemaRegistry({ url: registryUrl });
  const names = topicNames(prefix);
  const s: Serdes = {
    registry,
    exchanges: new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) }),
    results: new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) }),
    sideEffects: new RecordSerde({ registry, contract: sideEffectContract, subject: subjectFor(names.sideEffects) }),
    progress: new RecordSerde({ registry, contract: replayProgressContract, subject: subjectFor(names.progress) }),
  };
  await Promise.all([s.exchanges.init(), s.results.init(), s.sideEffects.init(), s.progress.init()]);
  return s;
}

/**
 * Produces the run (ids `${idPrefix}-${i}` for i in [from, to)) and returns what must land.
 * The secondary's requestId differs from live's (noise); the candidate's too, plus a real price
 * difference every realDiffEvery exchanges.
 */
export async function produceRun(kafka: Kafka, serdes: Serdes, prefix: string, plan: RunPlan, idPrefix: string, from = 0, to = plan.n): Promise<Expected> {
  const names = topicNames(prefix);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();
  const expected: Expected = { pairs: new Set(), unmatched: new Set() };
  const chunk = 2000;
  // What the exchanges topic holds before each chunk: the chunk's exchanges land between this and the next.
  let before = await highWatermarks(admin, names.exchanges);
  try {
    for (let start = from; start < to; start += chunk) {
      const ex: Message[] = [];
      const res: Message[] = [];
      const se: Message[] = [];
      const now = Date.now();
      for (let i = start; i < Math.min(to, start + chunk); i++) {
        const id = `${idPrefix}-${i}`;
        const noLive = plan.missingLiveEvery > 0 && i % plan.missingLiveEvery === plan.missingLiveEvery - 1;
        const noCand = plan.missingCandidateEvery > 0 && i % plan.missingCandidateEvery === plan.missingCandidateEvery - 2;
        if (!noLive) ex.push({ key: id, value: serdes.exchanges.encodeSync(exchangeOf(i, id, now)) });
        res.push({ key: id, value: serdes.results.encodeSync(resultOf(i, id, SECONDARY, 'secondary', now, false)) });
        if (!noCand)
          res.push({
            key: id,
            value: serdes.results.encodeSync(resultOf(i, id, CANDIDATE, 'candidate', now, plan.realDiffEvery > 0 && i % plan.realDiffEvery === 0)),
          });
        if (i % 3 === 0) {
          se.push({ key: id, value: serdes.sideEffects.encodeSync(sideEffectOf(id, SECONDARY, now, i)) });
          if (!noCand) se.push({ key: id, value: serdes.sideEffects.encodeSync(sideEffectOf(id, CANDIDATE, now, i)) });
        }
        if (noLive) {
          expected.unmatched.add(`${id}/${SECONDARY}/no_live_record`);
          expected.unmatched.add(`${id}/${CANDIDATE}/${noCand ? 'no_live_record_no_result' : 'no_live_record'}`);
        } else {
          expected.pairs.add(`${id}/${SECONDARY}`);
          if (noCand) expected.unmatched.add(`${id}/${CANDIDATE}/no_result`);
          else expected.pairs.add(`${id}/${CANDIDATE}`);
        }
      }
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [
          { topic: names.exchanges, messages: ex },
          { topic: names.results, messages: res },
          { topic: names.sideEffects, messages: se },
        ],
      });
      // As a live replayer does after each chunk: it passed these exchanges and sent each to both.
      const after = await highWatermarks(admin, names.exchanges);
      const progress: Message[] = [];
      for (const [partition, to] of after) {
        const from = before.get(partition) ?? 0;
        if (to > from) progress.push({ key: 'fixture', partition, value: serdes.progress.encodeSync(sentToAll(partition, from, to, [CANDIDATE, SECONDARY])) });
      }
      if (progress.length > 0) await producer.send({ topic: names.progress, acks: -1, messages: progress });
      before = after;
    }
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  return expected;
}

async function highWatermarks(admin: ReturnType<Kafka['admin']>, topic: string): Promise<Map<number, number>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
}

/** A live replayer's progress record: it passed offsets [from, to) of `partition` and sent every one to each challenger. */
export function sentToAll(partition: number, from: number, to: number, challengers: readonly string[], replayer = 'fixture-replayer'): ReplayProgress {
  return {
    kind: 'chunk',
    producedTimeMs: Date.now(),
    replayer,
    partition,
    fromOffset: from,
    toOffset: to,
    runId: null,
    sessionId: null,
    run: null,
    challengers: challengers.map((id) => {
      const dispatched = dispatchedBitmap(to - from);
      for (let i = 0; i < to - from; i++) markDispatched(dispatched, i);
      return { id, role: id === SECONDARY ? 'secondary' : 'candidate', dispatched, replayed: to - from, failed: 0 };
    }),
  };
}

export function mergeExpected(a: Expected, b: Expected): Expected {
  return { pairs: new Set([...a.pairs, ...b.pairs]), unmatched: new Set([...a.unmatched, ...b.unmatched]) };
}

// ---- ClickHouse side -------------------------------------------------------------------------

/** One chDB directory per process (one engine per process); databases separate the tests. */
export const CHDB_TEST_PATH = join(tmpdir(), `shadow-join-chdb-${process.pid}`);

export async function openSchemaDatabase(path = CHDB_TEST_PATH, database = `j_${randomUUID().replaceAll('-', '')}`): Promise<ClickHouse> {
  const ch = await createClickHouse({ path, database });
  await migrate(ch, SCHEMA_MIGRATIONS);
  return ch;
}

async function rows<T>(ch: ClickHouse, query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export interface Landed {
  pairs: string[];
  unmatched: string[];
  /** Physical rows, before FINAL collapses re-delivered copies. */
  rawPairs: number;
}

/** What the analyst sees (FINAL), as id sets comparable with Expected. */
export async function landed(ch: ClickHouse): Promise<Landed> {
  const p = await rows<{ k: string }>(ch, `SELECT concat(exchange_id, '/', challenger_id) AS k FROM pairs FINAL`);
  const u = await rows<{ k: string }>(ch, `SELECT concat(exchange_id, '/', challenger_id, '/', reason) AS k FROM unmatched FINAL`);
  const [raw] = await rows<{ n: string }>(ch, 'SELECT count() AS n FROM pairs');
  return { pairs: p.map((r) => r.k), unmatched: u.map((r) => r.k), rawPairs: Number(raw?.n ?? 0) };
}

export async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function sortedDiff(actual: readonly string[], expected: ReadonlySet<string>): { missing: string[]; extra: string[]; duplicated: number } {
  const seen = new Set(actual);
  return {
    missing: [...expected].filter((k) => !seen.has(k)).slice(0, 10),
    extra: [...seen].filter((k) => !expected.has(k)).slice(0, 10),
    duplicated: actual.length - seen.size,
  };
}
