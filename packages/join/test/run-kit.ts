// What the historical-run tests share: real HTTP challengers, captures produced like the tap, the
// replayer's `replay` command as its own process (what `shadow replay` runs), the joiner service as
// its own process, and reads of the run's rows.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { summarizeRun } from '@shadow/clickhouse';
import type { ClickHouse, RunSummary } from '@shadow/clickhouse';
import { topicNames } from '@shadow/contracts';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import type { Kafka, Message } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { CANDIDATE, exchangeOf, SECONDARY, waitFor } from './fixture.js';
import type { Serdes } from './fixture.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Child processes and servers a test started; the test file's hooks stop them. */
export const children: ChildProcess[] = [];
export const cleanup: (() => Promise<void>)[] = [];

/** Two real HTTP challengers: a candidate and a secondary (answers like live). */
export async function startChallengers(delayMs = 0): Promise<{ candidate: string; secondary: string }> {
  const make = async (role: string): Promise<string> => {
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ role, path: req.url })), delayMs));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return { candidate: await make('candidate'), secondary: await make('secondary') };
}

/** Produces exchanges like the tap (registry-framed Avro, murmur2 keys), the record time = the capture time. */
export async function capture(kafka: Kafka, serdes: Serdes, prefix: string, ids: readonly string[], captureTimeMs: number): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages: Message[] = ids.map((id, i) => ({
      key: id,
      value: serdes.exchanges.encodeSync(exchangeOf(i, id, captureTimeMs + i)),
      timestamp: String(captureTimeMs + i),
    }));
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: topicNames(prefix).exchanges, acks: -1, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

/** `replay` of the replayer (what `shadow replay` runs), as its own process. Resolves with its exit code and output. */
export function replay(
  prefix: string,
  fromMs: number,
  toMs: number,
  runId: string,
  urls: { candidate: string; secondary: string },
  concurrency = 16,
): { proc: ChildProcess; exited: Promise<{ code: number | null; out: string }> } {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=@shadow/source',
      '--import',
      'tsx',
      'services/replayer/src/main.ts',
      'replay',
      '--from',
      String(fromMs),
      '--to',
      String(toMs),
      '--run-id',
      runId,
      '--challenger',
      `${CANDIDATE}=${urls.candidate},concurrency=${concurrency}`,
      '--challenger',
      `${SECONDARY}=${urls.secondary},role=secondary,concurrency=${concurrency}`,
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        KAFKA_BROKERS: stack().kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
        SHADOW_TOPIC_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        REPLAYER_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { proc, exited: new Promise((r) => proc.once('exit', (code) => r({ code, out }))) };
}

export async function rows<T>(ch: ClickHouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}

/** Every pair of the run as `exchange/challenger` (FINAL), and the physical count of distinct keys. */
export async function runPairs(ch: ClickHouse, runId: string): Promise<{ keys: string[]; distinct: number }> {
  const keys = (
    await rows<{ k: string }>(ch, "SELECT concat(exchange_id, '/', challenger_id) AS k FROM pairs FINAL WHERE run_id = {r:String}", { r: runId })
  ).map((r) => r.k);
  const [d] = await rows<{ n: string }>(ch, 'SELECT uniqExact(exchange_id, challenger_id) AS n FROM pairs WHERE run_id = {r:String}', { r: runId });
  return { keys, distinct: Number(d?.n ?? 0) };
}

export async function unmatchedOf(ch: ClickHouse, runId: string | null): Promise<string[]> {
  const where = runId === null ? '1' : 'run_id = {r:String}';
  return (
    await rows<{ k: string }>(ch, `SELECT concat(exchange_id, '/', challenger_id, '/', reason, '/', run_id) AS k FROM unmatched FINAL WHERE ${where}`, {
      r: runId ?? '',
    })
  ).map((r) => r.k);
}

export const keysOf = (ids: readonly string[]): string[] => ids.flatMap((id) => [`${id}/${CANDIDATE}`, `${id}/${SECONDARY}`]).sort();

export async function landedRun(ch: ClickHouse, runId: string, timeoutMs = 90_000): Promise<RunSummary> {
  return waitFor(
    `run ${runId} landed`,
    () => summarizeRun(ch.client, runId),
    (s) => s.landed,
    timeoutMs,
  );
}

export interface JoinerChild {
  proc: ChildProcess;
  admin: Promise<string>;
  exited: Promise<number | null>;
}

export function startJoinerProcess(env: Record<string, string>): JoinerChild {
  const proc = spawn(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', 'services/joiner/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const admin = new Promise<string>((resolveAdmin, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.includes('joiner started')) resolveAdmin((JSON.parse(line) as { admin: string }).admin);
    });
    void exited.then((code) => reject(new Error(`joiner exited (${code}) before it started: ${stderr.slice(-2000)}`)));
  });
  return { proc, admin, exited };
}

export async function metric(admin: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

export async function caughtUp(prefix: string, groupId: string, admin: string): Promise<boolean> {
  const health = (await (await fetch(`http://${admin}/healthz`)).json()) as { openEntries: number; bufferedRows: number; pendingRunDrains: number };
  if (health.openEntries !== 0 || health.bufferedRows !== 0 || health.pendingRunDrains !== 0) return false;
  const kadmin = kafkaClient('run-check').admin();
  await kadmin.connect();
  try {
    const names = topicNames(prefix);
    for (const topic of [names.exchanges, names.results, names.sideEffects, names.progress]) {
      const ends = await kadmin.fetchTopicOffsets(topic);
      const [committed] = await kadmin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (end.high !== '0' && c !== end.high) return false;
      }
    }
    return true;
  } finally {
    await kadmin.disconnect();
  }
}
