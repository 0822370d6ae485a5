// Replay benchmark (issue 9): the replayer as the operator runs it (`main.js replay`, a child
// process) against a small challenger (another child process), on the real Kafka and registry.
//
//   npm run bench:replay -- [--max-exchanges 40000] [--pacing-exchanges 2000] [--large-exchanges 200000] [--connections 32] [--only max,1x,large]
//
// 1. ceiling: autocannon (this process) hits the challenger directly for 10 s: req/s.
// 2. max: a window of --max-exchanges replayed at `max` with the same concurrency; rate measured at
//    the challenger (requests / first-to-last arrival, so Kafka group join and planning are excluded
//    and reported separately as wall time). Goal: replay rate / autocannon rate >= 0.8. CPU per
//    request side by side (issue 20, goal replayer <= 4x autocannon): autocannon's is this process's
//    over its run; the replayer's from /proc, sampled with the challenger's count every 200 ms,
//    between the first request and the last (start-up and shutdown left out).
// 3. 1x pacing: a window with irregular (exponential) inter-arrival times, mean 5 ms, replayed at
//    `1x`; for consecutive exchanges in capture order, |replayed gap - captured gap| at the
//    challenger: p50 / p99 (goal p99 <= 5 ms). Capture times are whole milliseconds.
// 4. large window at `max`: wall time and the replayer's RSS sampled every second plus its peak
//    (VmHWM from /proc): memory bounded by configuration, flat over the window.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { endpointsFromEnv, findRepoRoot, readLocalStackEnv, stackDir } from '@shadow/stack-harness';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { procCpuSeconds } from './proc-stat.js';

const { values: args } = parseArgs({
  options: {
    'max-exchanges': { type: 'string', default: '40000' },
    'pacing-exchanges': { type: 'string', default: '2000' },
    'large-exchanges': { type: 'string', default: '200000' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string', default: 'max,1x,large' },
    partitions: { type: 'string', default: '3' },
  },
});
const CONNECTIONS = Number(args.connections);
const root = findRepoRoot();
const stack = endpointsFromEnv(process.env, join(stackDir(root), 'data', 'chdb')) ?? readLocalStackEnv(stackDir(root));
if (stack === undefined) throw new Error('no stack: run `npm run stack up` or set KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
const kafka = new Kafka({ clientId: 'bench-replay', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = createSchemaRegistry({ url: stack.schemaRegistryUrl });

const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function exchange(captureTimeMs: number, i: number): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs,
    service: 'bench',
    environment: 'bench',
    method: 'GET',
    scheme: 'http',
    host: 'live',
    path: `/items/${i % 1000}`,
    query: `page=${i % 7}`,
    routeTemplate: '/items/:id',
    requestHeaders: { accept: ['application/json'], 'user-agent': ['bench'] },
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from('{"ok":true,"items":[1,2,3],"note":"live answer"}'),
    responseBodyTruncated: false,
    responseBodySize: 49,
    responseContentType: 'application/json',
    liveLatencyUs: 800,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'bench',
  };
}

/** Produces `n` exchanges with capture times from `times(i)`; returns [from, to) covering them. */
async function produceWindow(prefix: string, n: number, times: (i: number) => number): Promise<{ fromMs: number; toMs: number; ids: Map<string, number> }> {
  const names = topicNames(prefix);
  const report = await ensureTopics(kafka, { prefix, partitions: Number(args.partitions) });
  if (!report.ok) throw new Error(report.problems.join('; '));
  const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
  await serde.init();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const ids = new Map<string, number>();
  let fromMs = Infinity;
  let toMs = -Infinity;
  const batch = 2_000;
  for (let start = 0; start < n; start += batch) {
    const messages = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const e = exchange(times(i), i);
      if (n <= 10_000) ids.set(e.exchangeId, e.captureTimeMs);
      fromMs = Math.min(fromMs, e.captureTimeMs);
      toMs = Math.max(toMs, e.captureTimeMs + 1);
      messages.push({ key: e.exchangeId, value: serde.encodeSync(e), timestamp: String(e.captureTimeMs) });
    }
    await producer.send({ topic: names.exchanges, acks: -1, messages });
  }
  await producer.disconnect();
  return { fromMs, toMs, ids };
}

async function dropTopics(prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topicNames(prefix)) }).catch(() => undefined);
  await admin.disconnect();
}

interface Challenger {
  url: string;
  ask<T>(type: string): Promise<T>;
  child: ChildProcess;
}

async function startChallenger(recordArrivals: boolean): Promise<Challenger> {
  const child = fork(join(root, 'test/bench/replay-challenger.ts'), [], {
    execArgv: ['--conditions=@shadow/source', '--import', 'tsx'],
    env: { ...process.env, BENCH_RECORD_ARRIVALS: recordArrivals ? '1' : '0' },
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    ask<T>(type: string) {
      return new Promise<T>((resolve) => {
        child.once('message', (m: T) => resolve(m));
        child.send({ type });
      });
    },
  };
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

interface ReplayRun {
  summary: { sent: number; succeeded: number; durationMs: number; achievedRatePerSecond: number; failed: Record<string, number> };
  wallMs: number;
  rssSamplesMb: number[];
  peakRssMb: number;
}

/** Replayer CPU and requests at the challenger, sampled together while a replay runs. */
interface CpuSample {
  cpuS: number;
  count: number;
}

/**
 * The replayer's CPU per request in its steady state: between the first sample with requests at
 * the challenger and the first with all of them, so start-up (tsx, group join, planning) and
 * shutdown are left out, as autocannon's start-up is.
 */
function steadyCpuPerRequestUs(samples: readonly CpuSample[], total: number): number {
  const first = samples.find((x) => x.count > 0);
  const last = samples.find((x) => x.count >= total) ?? samples.at(-1);
  if (first === undefined || last === undefined || last.count <= first.count) return NaN;
  return ((last.cpuS - first.cpuS) * 1e6) / (last.count - first.count);
}

async function runReplay(
  prefix: string,
  fromMs: number,
  toMs: number,
  challengerUrl: string,
  speed: string,
  extra: string[] = [],
  challenger?: Challenger,
): Promise<ReplayRun & { cpu: CpuSample[] }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--conditions=@shadow/source',
      '--import',
      'tsx',
      join(root, 'services/replayer/src/main.ts'),
      'replay',
      '--from',
      String(fromMs),
      '--to',
      String(toMs),
      '--speed',
      speed,
      '--json',
      '--challenger',
      `bench=${challengerUrl},concurrency=${CONNECTIONS},timeout=30000`,
      ...extra,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        KAFKA_BROKERS: stack!.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack!.schemaRegistryUrl,
        SHADOW_TOPIC_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const samples: number[] = [];
  let peak = 0;
  const sampler = setInterval(() => {
    const rss = rssKb(child.pid as number, 'VmRSS');
    if (Number.isFinite(rss)) samples.push(Math.round(rss / 1024));
    const hwm = rssKb(child.pid as number, 'VmHWM');
    if (Number.isFinite(hwm)) peak = Math.max(peak, Math.round(hwm / 1024));
  }, 1_000);
  const cpu: CpuSample[] = [];
  let exited = false;
  const probing = (async () => {
    while (challenger !== undefined && !exited) {
      const cpuS = procCpuSeconds(String(child.pid));
      const { count } = await challenger.ask<{ count: number }>('stats');
      if (cpuS !== null) cpu.push({ cpuS, count });
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  exited = true;
  await probing;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`replay exited ${code}: ${out}`);
  return {
    summary: JSON.parse(out.trim().split('\n').at(-1) as string) as ReplayRun['summary'],
    wallMs: Math.round(performance.now() - t0),
    rssSamplesMb: samples,
    peakRssMb: peak,
    cpu,
  };
}

async function main(): Promise<void> {
  const figures: string[] = [];
  const say = (line: string): void => {
    figures.push(line);
    console.log(line);
  };

  const only = new Set(args.only.split(','));
  // 1 + 2: ceiling vs max replay on the same challenger.
  if (only.has('max')) {
    const challenger = await startChallenger(false);
    const loadBefore = load();
    const cpu0 = process.cpuUsage();
    const served0 = procCpuSeconds(String(challenger.child.pid)) ?? NaN;
    const ceiling = await autocannon({
      url: `${challenger.url}/items/1?page=1`,
      connections: CONNECTIONS,
      duration: 10,
      headers: { accept: 'application/json' },
    });
    const direct = ceiling.requests.average;
    const cannonCpu = process.cpuUsage(cpu0);
    const cannonUs = (cannonCpu.user + cannonCpu.system) / ceiling.requests.total;
    const servedDirectUs = (((procCpuSeconds(String(challenger.child.pid)) ?? NaN) - served0) * 1e6) / ceiling.requests.total;
    await challenger.ask('reset');
    const served1 = procCpuSeconds(String(challenger.child.pid)) ?? NaN;
    const prefix = `bench-replay-max-${Date.now()}.`;
    const n = Number(args['max-exchanges']);
    const base = Date.now() - 3_600_000;
    const w = await produceWindow(prefix, n, (i) => base + Math.floor(i / 1)); // 1 000 per second of capture time
    const run = await runReplay(prefix, w.fromMs, w.toMs, challenger.url, 'max', [], challenger);
    const s = await challenger.ask<{ count: number; firstMs: number; lastMs: number }>('stats');
    const rate = s.count / ((s.lastMs - s.firstMs) / 1000);
    const servedReplayUs = (((procCpuSeconds(String(challenger.child.pid)) ?? NaN) - served1) * 1e6) / s.count;
    const replayUs = steadyCpuPerRequestUs(run.cpu, s.count);
    say(
      `max: autocannon direct ${direct.toFixed(0)} req/s (${CONNECTIONS} connections); replay --speed max ${rate.toFixed(0)} req/s at the challenger (${s.count} requests, ${run.summary.sent} sent, errors ${JSON.stringify(run.summary.failed)}); ratio ${(rate / direct).toFixed(2)} (goal >= 0.8); wall ${(run.wallMs / 1000).toFixed(1)} s incl. start-up, group join and planning`,
    );
    say(
      `max CPU per request: autocannon ${cannonUs.toFixed(1)} us, replayer ${replayUs.toFixed(1)} us (steady state, all threads), ratio ${(replayUs / cannonUs).toFixed(2)} (goal <= 4); ` +
        `the challenger spent ${servedDirectUs.toFixed(1)} us per request under autocannon, ${servedReplayUs.toFixed(1)} under the replay; load ${loadBefore} -> ${load()}`,
    );
    challenger.child.send({ type: 'close' });
    await dropTopics(prefix);
  }

  // 3: 1x pacing.
  if (only.has('1x')) {
    const challenger = await startChallenger(true);
    const prefix = `bench-replay-1x-${Date.now()}.`;
    const n = Number(args['pacing-exchanges']);
    const base = Date.now() - 3_600_000;
    let t = base;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      times.push(Math.round(t));
      t += -Math.log(1 - Math.random()) * 5; // exponential, mean 5 ms
    }
    const w = await produceWindow(prefix, n, (i) => times[i] as number);
    await runReplay(prefix, w.fromMs, w.toMs, challenger.url, '1x');
    const { arrivals } = await challenger.ask<{ arrivals: [string, number][] }>('arrivals');
    const byCapture = arrivals
      .map(([id, at]) => ({ cap: w.ids.get(id) ?? NaN, at }))
      .filter((a) => Number.isFinite(a.cap))
      .sort((a, b) => a.cap - b.cap || a.at - b.at);
    const errors: number[] = [];
    for (let i = 1; i < byCapture.length; i++) {
      const prev = byCapture[i - 1] as { cap: number; at: number };
      const cur = byCapture[i] as { cap: number; at: number };
      errors.push(Math.abs(cur.at - prev.at - (cur.cap - prev.cap)));
    }
    errors.sort((a, b) => a - b);
    say(
      `1x: ${byCapture.length}/${n} exchanges over ${((w.toMs - w.fromMs) / 1000).toFixed(1)} s of capture time; inter-arrival error p50 ${quantile(errors, 0.5).toFixed(2)} ms, p99 ${quantile(errors, 0.99).toFixed(2)} ms, max ${quantile(errors, 1).toFixed(2)} ms (goal p99 <= 5 ms)`,
    );
    challenger.child.send({ type: 'close' });
    await dropTopics(prefix);
  }

  // 4: a large window at max.
  if (only.has('large')) {
    const challenger = await startChallenger(false);
    const prefix = `bench-replay-large-${Date.now()}.`;
    const n = Number(args['large-exchanges']);
    const base = Date.now() - 24 * 3_600_000;
    const tp = performance.now();
    const w = await produceWindow(prefix, n, (i) => base + i); // 1 000 req/s of capture time
    const produceS = (performance.now() - tp) / 1000;
    const run = await runReplay(prefix, w.fromMs, w.toMs, challenger.url, 'max');
    const q = (f: number): number => run.rssSamplesMb[Math.min(run.rssSamplesMb.length - 1, Math.floor(f * run.rssSamplesMb.length))] ?? NaN;
    say(
      `large: ${n} exchanges (${(n / 1000 / 60).toFixed(1)} min at 1 000 req/s of capture time; produced in ${produceS.toFixed(0)} s) replayed at max in ${(run.wallMs / 1000).toFixed(1)} s wall (${run.summary.achievedRatePerSecond} req/s, sent ${run.summary.sent}, errors ${JSON.stringify(run.summary.failed)}); replayer RSS at 10/25/50/75/100% of the run ${[0.1, 0.25, 0.5, 0.75, 0.999].map(q).join('/')} MB, peak (VmHWM) ${run.peakRssMb} MB`,
    );
    challenger.child.send({ type: 'close' });
    await dropTopics(prefix);
  }
  console.log(`\n${figures.join('\n')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
