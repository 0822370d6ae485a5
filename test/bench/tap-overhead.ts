// What the tap costs a live service, measured the way the issue states the goals:
//
//   embedded tap at 100% sampling vs the same service without it: throughput ratio >= 0.90 and
//   p99 latency ratio <= 1.15; tap proxy vs calling the upstream directly: report both ratios
//   (goal: throughput ratio >= 0.6); Kafka stopped mid-run: p99 stays within the same bounds,
//   memory stays under the queue bound, drops are counted exactly.
//
// Run (about 10 minutes; builds the packages, starts and removes its own private Kafka + registry):
// Issue 8 adds the peer: OpenTelemetry HTTP tracing (C) next to none (A) and the tap (B) in the
// 1 KB groups, with CPU per request (live thread, other threads) and p50/p99, and the goals
// restated against it (PEER_GOAL). The short run of docs/benchmarks.md:
//   npm run bench:tap -- --only paced --duration 8 --rounds 3
//
//   npm run bench:tap -- [--duration 10] [--rounds 3] [--connections 32] [--rate 3000] [--loadgen auto|wrk|autocannon]
//     [--only embedded,paced,work,large,proxy,outage] [--work-us 100,300,1000] [--outage-duration 30]
//     [--queue-mib 16] [--cpu-prof] [--no-build]      (BENCH_CHILD_FLAGS="--trace-gc" adds node flags to the servers)
//
// Design, and why:
// - Every server runs in its own child process (server-process.ts); the load generator is wrk (its
//   own process) or autocannon (here), so it never shares an event loop with what it measures. On
//   a 2-core machine they do share the CPUs (with Kafka too): that is the machine the goals are
//   stated for.
// - Variants are interleaved A B A B ... with equal fixed durations after a warm-up round, so
//   drift in machine load (other processes) hits every variant alike; each round's figures are kept
//   and the spread is printed next to the ratio.
// - Latency percentiles are computed here from every response's own time (float ms); autocannon's
//   histogram rounds to whole milliseconds, too coarse for a loopback service.
// - Server CPU per request (children's user+system time / responses) is printed as well: it is the
//   most stable figure on a noisy machine and shows the tap's cost even when throughput is bound
//   by the load generator.
// - A private stack (startPrivateStack) is used so stopping Kafka never touches the shared stack.
// This is a benchmark: it prints figures and PASS/FAIL per goal and never fails CI.
import { execFileSync, fork, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import ts from 'typescript';
import { ensureTopics } from '@shadow/contracts';
import { findRepoRoot, startPrivateStack } from '@shadow/stack-harness';
import type { PrivateStack } from '@shadow/stack-harness';
import { formatProfile, summariseProfile } from './cpu-profile.js';
import { procCpuSeconds } from './proc-stat.js';
import type { FromServer, ServerConfig, ServerStats, ToServer } from './server-process.js';
import { workOnce } from './service-work.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string', default: 'embedded,paced,work,large,proxy,outage' },
    rate: { type: 'string', default: '3000' },
    'outage-duration': { type: 'string', default: '30' },
    'queue-mib': { type: 'string', default: '16' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'string', default: 'reports/bench-tap-overhead.json' },
    'no-build': { type: 'boolean', default: false },
    loadgen: { type: 'string', default: 'auto' },
    'work-us': { type: 'string', default: '100,300,1000' },
    compression: { type: 'string', default: 'gzip' },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${String(value)}`);
  return n;
}

const DURATION_S = positive('duration', args.duration);
const WARMUP_S = positive('warmup', args.warmup);
const ROUNDS = Math.round(positive('rounds', args.rounds));
const CONNECTIONS = Math.round(positive('connections', args.connections));
const OUTAGE_S = positive('outage-duration', args['outage-duration']);
const QUEUE_BYTES = Math.round(positive('queue-mib', args['queue-mib']) * 1024 * 1024);
const PACED_RATE = positive('rate', args.rate);
const GROUPS = ['embedded', 'paced', 'work', 'large', 'proxy', 'outage'] as const;
/** `work` group: the same A/B with a service that spends this much CPU per request on its own work. */
const WORK_US = (args['work-us'] ?? '')
  .split(',')
  .filter((w) => w.trim() !== '')
  .map((w) => positive('work-us', w));
const only = new Set(
  (args.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);
for (const g of only) {
  if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only takes ${GROUPS.join(',')}; got "${g}"`);
}

/**
 * The saturating load generator. wrk (C, one thread) costs the shared CPUs far less per request
 * than autocannon (JS): at ~23k req/s autocannon used 64-68% of a core, which on 2 cores is taken
 * from the very processes being compared. `auto` takes wrk when it is on PATH. The paced and
 * outage groups always use the in-process clients (they need every response's own time).
 */
const LOADGEN = ((): 'wrk' | 'autocannon' => {
  const wanted = args.loadgen ?? 'auto';
  if (wanted !== 'auto' && wanted !== 'wrk' && wanted !== 'autocannon') throw new Error(`--loadgen takes auto, wrk or autocannon; got "${wanted}"`);
  if (wanted !== 'auto') return wanted;
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return 'wrk';
  } catch (error) {
    // wrk --version exits 1 after printing its version: it is there when the spawn itself worked.
    return (error as { code?: unknown }).code === 'ENOENT' ? 'autocannon' : 'wrk';
  }
})();

const COMPRESSION = ((): 'gzip' | 'none' => {
  const c = args.compression ?? 'gzip';
  if (c !== 'gzip' && c !== 'none') throw new Error(`--compression takes gzip or none; got "${c}"`);
  return c;
})();

const GOAL = { throughputRatio: 0.9, p99Ratio: 1.15, proxyThroughputRatio: 0.6 } as const;
/**
 * Issue 8's restatement against a peer, OpenTelemetry's HTTP tracing (same service, same run):
 * p99 ratio (tap vs none) at a paced rate, and the tap's CPU per request at most a quarter of
 * OpenTelemetry's on the live thread and a third of it in total (both over the service alone).
 */
const PEER_GOAL = { pacedP99Ratio: 1.5, liveCpuShare: 1 / 4, totalCpuShare: 1 / 3 } as const;
const REQUEST_BODY = JSON.stringify({ id: 42, sku: 'A-1001', qty: 2, note: 'small request body' });
const HERE = dirname(fileURLToPath(import.meta.url));
/** The children run compiled JS on plain node (see prepareChildren). */
const SERVER_SCRIPT = join(HERE, 'dist', 'server-process.js');

/**
 * Servers must run what production runs: the packages' tsc output, on plain node. tsx (which runs
 * this file) transforms every non-node_modules file with esbuild `keepNames`, wrapping each closure
 * in a `__name()` call; the tap creates several closures per request, so measuring it through tsx
 * inflates its cost. So: build the packages the servers import (tsc -p tsconfig.build.json, as
 * `pnpm build` does) and transpile server-process.ts once into test/bench/dist (git-ignored).
 */
function prepareChildren(repoRoot: string, build: boolean): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  if (build) {
    for (const pkg of ['packages/contracts', 'packages/tap', 'services/tap-proxy']) {
      const started = performance.now();
      execFileSync(process.execPath, [tsc, '-p', join(repoRoot, pkg, 'tsconfig.build.json')], { stdio: 'inherit' });
      console.log(`built ${pkg} in ${fmt((performance.now() - started) / 1_000, 1)} s`);
    }
  }
  mkdirSync(dirname(SERVER_SCRIPT), { recursive: true });
  for (const file of ['server-process.ts', 'service-work.ts', 'proc-stat.ts']) {
    const out = ts.transpileModule(readFileSync(join(HERE, file), 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, sourceMap: false },
    });
    writeFileSync(join(dirname(SERVER_SCRIPT), file.replace(/\.ts$/, '.js')), out.outputText);
  }
}

// ---- child servers ---------------------------------------------------------------------------

class Child {
  readonly #process: ChildProcess;
  readonly #waiting: { resolve: (s: ServerStats) => void; reject: (e: Error) => void }[] = [];
  #exited = false;
  port = 0;

  private constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    this.#process = child;
    child.on('exit', () => {
      this.#exited = true;
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`${name} exited`));
    });
  }

  static async start(name: string, config: ServerConfig, profileDir?: string): Promise<Child> {
    const child = fork(SERVER_SCRIPT, [], {
      // No tsx and no @shadow/source condition: @shadow/* resolve to their dist builds.
      execArgv: [
        '--expose-gc',
        ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
        ...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter((f) => f !== ''),
      ],
      env: { ...process.env, BENCH_SERVER: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const c = new Child(name, child);
    children.add(c);
    c.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready within 60 s`)), 60_000);
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
      let ready = false;
      child.on('message', (m: FromServer) => {
        if (m.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve(m.port);
        } else if (m.type === 'error' && !ready) {
          clearTimeout(timer);
          reject(new Error(`${name}: ${m.message}`));
        } else if (m.type === 'error') {
          c.#waiting.shift()?.reject(new Error(`${name}: ${m.message}`));
        } else {
          c.#waiting.shift()?.resolve(m);
        }
      });
    });
    return c;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** One request at a time per child (callers await), so replies arrive in order. */
  ask(message: ToServer): Promise<ServerStats> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no reply to ${message.type} within 20 s`)), 20_000);
      this.#waiting.push({
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#process.send(message);
    });
  }

  /** Asks the child to close (flushes the tap, writes a CPU profile) and waits; SIGKILL after 15 s. */
  async close(): Promise<void> {
    children.delete(this);
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#process.once('exit', () => resolve()));
    this.#process.send({ type: 'close' } satisfies ToServer);
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.#exited) this.#process.kill('SIGKILL');
  }
}

const children = new Set<Child>();

// ---- load ------------------------------------------------------------------------------------

interface Load {
  responses: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Response completion times (ms since load start) and latencies (ms), for windowed figures. */
  at: number[];
  latency: number[];
  /** CPU seconds of a load generator in its own process (wrk); absent when it runs in this one. */
  loadgenCpuSeconds?: number;
}

function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

function sortedCopy(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

async function runLoad(url: string, seconds: number, during?: (elapsedMs: () => number) => Promise<void>): Promise<Load> {
  const at: number[] = [];
  const latency: number[] = [];
  const started = performance.now();
  let settled: { resolve: (r: autocannon.Result) => void; reject: (e: unknown) => void } | undefined;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    settled = { resolve, reject };
  });
  const instance = autocannon(
    {
      url,
      connections: CONNECTIONS,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: REQUEST_BODY,
    },
    (error: unknown, r: autocannon.Result) => (error ? settled?.reject(error) : settled?.resolve(r)),
  );
  instance.on('response', (_client, _status, _bytes, ms) => {
    at.push(performance.now() - started);
    latency.push(ms);
  });
  const side = during?.(() => performance.now() - started);
  const r = await result;
  await side;
  const elapsed = (performance.now() - started) / 1_000;
  const sorted = sortedCopy(latency);
  return {
    responses: latency.length,
    seconds: elapsed,
    rps: latency.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    at,
    latency,
  };
}

/** A saturating run with wrk; latency percentiles come from wrk's own histogram (microseconds). */
async function runWrk(url: string, seconds: number): Promise<Load> {
  const dir = mkdtempSync(join(os.tmpdir(), 'tap-bench-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(
    script,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(REQUEST_BODY)}`,
      'wrk.headers["Content-Type"] = "application/json"',
      'done = function(summary, latency, requests)',
      '  io.write(string.format("WRK_JSON {\\"requests\\":%d,\\"durationUs\\":%d,\\"errors\\":%d,\\"non2xx\\":%d,\\"timeouts\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"p999\\":%d}\\n",',
      '    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.status,',
      '    summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))',
      'end',
      '',
    ].join('\n'),
  );
  const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${Math.round(seconds)}s`, '--timeout', '10s', '-s', script, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // wrk's CPU, read from /proc until it exits (its stat is gone after the exit).
  let cpu = 0;
  const poll = setInterval(() => {
    cpu = Math.max(cpu, child.pid === undefined ? 0 : (procCpuSeconds(String(child.pid)) ?? 0));
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${String(code)}): ${out}`);
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number;
    durationUs: number;
    errors: number;
    non2xx: number;
    timeouts: number;
    p50: number;
    p99: number;
    p999: number;
  };
  const elapsed = r.durationUs / 1e6;
  return {
    responses: r.requests,
    seconds: elapsed,
    rps: r.requests / elapsed,
    p50: r.p50 / 1_000,
    p99: r.p99 / 1_000,
    p999: r.p999 / 1_000,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    at: [],
    latency: [],
    loadgenCpuSeconds: cpu,
  };
}

/** The saturating load of the A/B groups: wrk or autocannon (see LOADGEN). */
function runSaturating(url: string, seconds: number): Promise<Load> {
  return LOADGEN === 'wrk' ? runWrk(url, seconds) : runLoad(url, seconds);
}

/**
 * Open-loop load at a fixed rate (requests are started on schedule whether or not earlier ones
 * finished), for latency at a utilisation a real service runs at, rather than at saturation.
 * Bounded: `rate * seconds` requests at most, at most 4 * CONNECTIONS in flight (beyond that a
 * request is skipped and counted as an error), and the run ends `seconds` + 10 s after start.
 */
async function runPaced(url: string, rate: number, seconds: number): Promise<Load> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const total = Math.round(rate * seconds);
  const maxInFlight = 4 * CONNECTIONS;
  const at: number[] = [];
  const latency: number[] = [];
  let issued = 0;
  let inFlight = 0;
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let ticking = true;
    const finishIfDone = (): void => {
      if (!ticking && inFlight === 0) resolve();
    };
    const fire = (): void => {
      inFlight++;
      const sentAt = performance.now();
      const req = request(
        {
          hostname,
          port,
          path: '/orders',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(REQUEST_BODY) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const now = performance.now();
            at.push(now - started);
            latency.push(now - sentAt);
            if (res.statusCode !== 200) non2xx++;
            inFlight--;
            finishIfDone();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        inFlight--;
        finishIfDone();
      });
      req.end(REQUEST_BODY);
    };
    const tick = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed * rate) / 1_000));
      for (; issued < due; issued++) {
        if (inFlight >= maxInFlight) errors++;
        else fire();
      }
      if (issued >= total || elapsed > seconds * 1_000 + 10_000) {
        clearInterval(tick);
        ticking = false;
        finishIfDone();
      }
    }, 1);
  });
  agent.destroy();
  const elapsed = (performance.now() - started) / 1_000;
  const sorted = sortedCopy(latency);
  return {
    responses: latency.length,
    seconds: elapsed,
    rps: latency.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    errors,
    timeouts: 0,
    non2xx,
    at,
    latency,
  };
}

/** Figures for the responses completed in [fromMs, toMs) of a load run. */
function windowOf(load: Load, fromMs: number, toMs: number): { responses: number; rps: number; p50: number; p99: number; max: number } {
  const picked: number[] = [];
  for (let i = 0; i < load.at.length; i++) {
    const t = load.at[i] as number;
    if (t >= fromMs && t < toMs) picked.push(load.latency[i] as number);
  }
  const sorted = sortedCopy(picked);
  return {
    responses: picked.length,
    rps: picked.length / ((toMs - fromMs) / 1_000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

// ---- CPU of other processes -------------------------------------------------------------------

/** user+system CPU seconds of a pid from /proc (0 when it is gone). */
function kafkaPid(stack: PrivateStack): number {
  const file = join(stack.stackDir, 'run', 'kafka.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
}

// ---- A/B groups -------------------------------------------------------------------------------

interface Variant {
  name: string;
  /** Where the load goes. */
  target: Child;
  /** Every server process that works for this variant's requests (for CPU per request). */
  servers: Child[];
}

interface Round {
  variant: string;
  round: number;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  non2xx: number;
  serverCpuUsPerReq: number;
  /** CPU of the target server's main thread (event loop + application) per request; null without /proc. */
  liveThreadCpuUsPerReq: number | null;
  serverElu: number;
  /** Event-loop delay of the target server during the round (ms). */
  loopDelayP99: number;
  loopDelayMax: number;
  kafkaCpuPct: number;
  loadgenCpuPct: number;
  loadavg1: number;
}

interface VariantSummary {
  name: string;
  rounds: Round[];
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  liveThreadCpuUsPerReq: number | null;
}

const median = (values: number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** One round of one variant: saturating (autocannon) or, with `rate`, paced. */
async function measure(variant: Variant, round: number, seconds: number, kafka: number, rate?: number): Promise<Round> {
  const before = await Promise.all(variant.servers.map((s) => s.ask({ type: 'stats' })));
  const kafkaBefore = kafka > 0 ? (procCpuSeconds(String(kafka)) ?? 0) : 0;
  const selfBefore = process.cpuUsage();
  const load = rate === undefined ? await runSaturating(variant.target.url, seconds) : await runPaced(variant.target.url, rate, seconds);
  const self = process.cpuUsage(selfBefore);
  const kafkaCpu = kafka > 0 ? (procCpuSeconds(String(kafka)) ?? 0) - kafkaBefore : 0;
  const after = await Promise.all(variant.servers.map((s) => s.ask({ type: 'stats' })));
  let cpuUs = 0;
  let liveUs: number | null = null;
  let active = 0;
  let idle = 0;
  after.forEach((a, i) => {
    const b = before[i] as ServerStats;
    cpuUs += a.cpuUserUs + a.cpuSystemUs - b.cpuUserUs - b.cpuSystemUs;
    if (i === 0) {
      if (a.mainThreadCpuUs !== null && b.mainThreadCpuUs !== null) liveUs = a.mainThreadCpuUs - b.mainThreadCpuUs;
      active = a.elu.active - b.elu.active;
      idle = a.elu.idle - b.elu.idle;
    }
  });
  return {
    variant: variant.name,
    round,
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    p999: load.p999,
    errors: load.errors,
    non2xx: load.non2xx,
    serverCpuUsPerReq: cpuUs / Math.max(1, load.responses),
    liveThreadCpuUsPerReq: liveUs === null ? null : liveUs / Math.max(1, load.responses),
    serverElu: active / Math.max(1, active + idle),
    loopDelayP99: (after[0] as ServerStats).loopDelay.p99,
    loopDelayMax: (after[0] as ServerStats).loopDelay.max,
    kafkaCpuPct: (100 * kafkaCpu) / load.seconds,
    loadgenCpuPct: (100 * (load.loadgenCpuSeconds ?? (self.user + self.system) / 1e6)) / load.seconds,
    loadavg1: os.loadavg()[0] ?? 0,
  };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function abGroup(title: string, variants: Variant[], kafka: number, rate?: number): Promise<VariantSummary[]> {
  console.log(`\n== ${title}`);
  const how = rate === undefined ? `${CONNECTIONS} connections, saturating (${LOADGEN})` : `paced at ${rate} req/s (open loop), up to ${CONNECTIONS} sockets`;
  console.log(`   warm-up ${WARMUP_S} s per variant, then ${ROUNDS} rounds of ${variants.map((v) => v.name).join(' / ')} x ${DURATION_S} s, ${how}`);
  for (const v of variants) {
    if (rate === undefined) await runSaturating(v.target.url, WARMUP_S);
    else await runPaced(v.target.url, rate, WARMUP_S);
    await settle(500);
  }
  const rounds: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    for (const v of variants) {
      const round = await measure(v, r, DURATION_S, kafka, rate);
      rounds.push(round);
      console.log(
        `   round ${r} ${v.name.padEnd(22)} ${fmt(round.rps, 0).padStart(7)} req/s  p50 ${fmt(round.p50, 2)} ms  p99 ${fmt(round.p99, 2)} ms  ` +
          `server ${fmt(round.serverCpuUsPerReq, 0)} us CPU/req (live thread ${round.liveThreadCpuUsPerReq === null ? '-' : fmt(round.liveThreadCpuUsPerReq, 0)}, loop ${fmt(100 * round.serverElu, 0)}% busy, delay p99 ${fmt(round.loopDelayP99, 1)} max ${fmt(round.loopDelayMax, 0)} ms)  kafka ${fmt(round.kafkaCpuPct, 0)}% CPU  loadgen ${fmt(round.loadgenCpuPct, 0)}% CPU  ` +
          `load ${fmt(round.loadavg1, 2)}${round.errors + round.non2xx > 0 ? `  ERRORS ${round.errors} non2xx ${round.non2xx}` : ''}`,
      );
      // Let the tap finish sending this round's tail so it does not bill the next variant.
      await settle(500);
    }
  }
  return variants.map((v) => {
    const mine = rounds.filter((r) => r.variant === v.name);
    return {
      name: v.name,
      rounds: mine,
      rps: mean(mine.map((r) => r.rps)),
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      cpuUsPerReq: median(mine.map((r) => r.serverCpuUsPerReq)),
      liveThreadCpuUsPerReq: mine.some((r) => r.liveThreadCpuUsPerReq === null) ? null : median(mine.map((r) => r.liveThreadCpuUsPerReq as number)),
    };
  });
}

interface Ratio {
  label: string;
  throughput: number;
  throughputRange: [number, number];
  p99: number;
  p99Range: [number, number];
  cpu: number;
}

/** B relative to A: on the means/medians, plus the range of the round-by-round ratios. */
function ratio(label: string, a: VariantSummary, b: VariantSummary): Ratio {
  const pairs = a.rounds.map((ra, i) => [ra, b.rounds[i] as Round] as const);
  const t = pairs.map(([x, y]) => y.rps / x.rps);
  const p = pairs.map(([x, y]) => y.p99 / x.p99);
  return {
    label,
    throughput: b.rps / a.rps,
    throughputRange: [Math.min(...t), Math.max(...t)],
    p99: b.p99 / a.p99,
    p99Range: [Math.min(...p), Math.max(...p)],
    cpu: b.cpuUsPerReq / a.cpuUsPerReq,
  };
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

function printSummaries(summaries: VariantSummary[], ratios: Ratio[]): void {
  console.log(
    `   ${'variant'.padEnd(24)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU us/req'.padStart(11)} ${'live thread'.padStart(12)}`,
  );
  for (const s of summaries) {
    const live = s.liveThreadCpuUsPerReq === null ? '-' : fmt(s.liveThreadCpuUsPerReq, 1);
    console.log(
      `   ${s.name.padEnd(24)} ${fmt(s.rps, 0).padStart(8)} ${fmt(s.p50, 2).padStart(8)} ${fmt(s.p99, 2).padStart(8)} ${fmt(s.cpuUsPerReq, 0).padStart(11)} ${live.padStart(12)}`,
    );
  }
  for (const r of ratios) {
    console.log(
      `   ${r.label}: throughput x${fmt(r.throughput, 3)} (rounds ${fmt(r.throughputRange[0], 3)}..${fmt(r.throughputRange[1], 3)}), ` +
        `p99 x${fmt(r.p99, 3)} (rounds ${fmt(r.p99Range[0], 3)}..${fmt(r.p99Range[1], 3)}), server CPU/req x${fmt(r.cpu, 2)}`,
    );
  }
}

/**
 * Where the tap's CPU goes per request, from B - A: on the live thread (which bounds throughput
 * when the service saturates its loop) and on the process's other threads (producer thread, GC
 * helpers), which compete for the remaining cores with Kafka and the load generator. With B0,
 * the live-thread part of capturing and building records alone.
 */
function liveThreadCosts(a: VariantSummary, b: VariantSummary, b0?: VariantSummary): string | null {
  if (a.liveThreadCpuUsPerReq === null || b.liveThreadCpuUsPerReq === null) return null;
  const live = b.liveThreadCpuUsPerReq - a.liveThreadCpuUsPerReq;
  const others = b.cpuUsPerReq - a.cpuUsPerReq - live;
  const capture =
    b0?.liveThreadCpuUsPerReq == null ? '' : `, of which capture + record build ${fmt(b0.liveThreadCpuUsPerReq - a.liveThreadCpuUsPerReq, 1)} us (B0 - A)`;
  return `live thread +${fmt(live, 1)} us over the service's own ${fmt(a.liveThreadCpuUsPerReq, 1)} us${capture}; other threads +${fmt(others, 1)} us`;
}

/** Per-variant CPU over the service alone (A): live thread, other threads, total (us per request). */
function overhead(a: VariantSummary, x: VariantSummary): { live: number; others: number; total: number } | null {
  if (a.liveThreadCpuUsPerReq === null || x.liveThreadCpuUsPerReq === null) return null;
  const live = x.liveThreadCpuUsPerReq - a.liveThreadCpuUsPerReq;
  const total = x.cpuUsPerReq - a.cpuUsPerReq;
  return { live, others: total - live, total };
}

/**
 * none / tap / OpenTelemetry side by side (issue 8): p50, p99, CPU per request on the live thread
 * and on the other threads, the tap's cost as a share of OpenTelemetry's, and the goals.
 */
function peerComparison(tag: string, a: VariantSummary, tap: VariantSummary, otel: VariantSummary, paced: boolean, goals: Goal[]): void {
  console.log(`   none / tap / OpenTelemetry (CPU per request; "+" = over the service alone):`);
  for (const [label, x] of [
    ['none', a],
    ['tap', tap],
    ['OpenTelemetry', otel],
  ] as const) {
    const o = overhead(a, x);
    const live = x.liveThreadCpuUsPerReq === null ? '-' : fmt(x.liveThreadCpuUsPerReq, 1);
    const others = x.liveThreadCpuUsPerReq === null ? '-' : fmt(x.cpuUsPerReq - x.liveThreadCpuUsPerReq, 1);
    const extra = o === null || x === a ? '' : `   (+${fmt(o.live, 1)} live, +${fmt(o.others, 1)} other threads, +${fmt(o.total, 1)} total)`;
    console.log(
      `   ${label.padEnd(14)} p50 ${fmt(x.p50, 2).padStart(6)} ms  p99 ${fmt(x.p99, 2).padStart(6)} ms  live thread ${live.padStart(6)} us  other threads ${others.padStart(6)} us  total ${fmt(x.cpuUsPerReq, 1).padStart(6)} us${extra}`,
    );
  }
  const t = overhead(a, tap);
  const o = overhead(a, otel);
  if (t !== null && o !== null) {
    const liveShare = t.live / o.live;
    const totalShare = t.total / o.total;
    console.log(`   tap's cost as a share of OpenTelemetry's: live thread ${fmt(100 * liveShare, 0)}%, total ${fmt(100 * totalShare, 0)}%`);
    goals.push(
      {
        goal: `peer ${tag}${paced ? ` at ${PACED_RATE} req/s` : ''}: tap live-thread CPU <= 1/4 of OpenTelemetry's`,
        value: `${fmt(t.live, 1)} vs ${fmt(o.live, 1)} us (${fmt(100 * liveShare, 0)}%)`,
        pass: liveShare <= PEER_GOAL.liveCpuShare,
      },
      {
        goal: `peer ${tag}${paced ? ` at ${PACED_RATE} req/s` : ''}: tap total CPU <= 1/3 of OpenTelemetry's`,
        value: `${fmt(t.total, 1)} vs ${fmt(o.total, 1)} us (${fmt(100 * totalShare, 0)}%)`,
        pass: totalShare <= PEER_GOAL.totalCpuShare,
      },
    );
  }
  if (paced) {
    goals.push(
      {
        goal: `peer ${tag} at ${PACED_RATE} req/s: p99 ratio tap/none <= ${PEER_GOAL.pacedP99Ratio}`,
        value: `${fmt(tap.p99 / a.p99, 3)} (${fmt(a.p99, 2)} -> ${fmt(tap.p99, 2)} ms)`,
        pass: tap.p99 / a.p99 <= PEER_GOAL.pacedP99Ratio,
      },
      {
        goal: `(info) peer ${tag} at ${PACED_RATE} req/s: p99 ratio OpenTelemetry/none`,
        value: `${fmt(otel.p99 / a.p99, 3)} (${fmt(otel.p99, 2)} ms)`,
        pass: null,
      },
    );
  }
}

function tapLine(stats: ServerStats): string {
  const t = stats.tap;
  if (t === null) return 'no tap';
  const dropped =
    Object.entries(t.transport.dropped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}=${n}`)
      .join(' ') || 'none';
  return (
    `captured ${t.captured}, sent ${t.transport.sent}, dropped ${dropped}, queued ${t.transport.queueDepth}, ` +
    `capture errors ${t.captureErrors}, ${mib(t.transport.sentBytes)} to Kafka`
  );
}

// ---- the run ------------------------------------------------------------------------------------

interface Goal {
  goal: string;
  value: string;
  pass: boolean | null;
}

async function createTopics(stack: PrivateStack, prefixes: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: stack.endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
  for (const prefix of prefixes) {
    const report = await ensureTopics(kafka, { prefix, partitions: 3, roles: ['exchanges'] });
    if (!report.ok) throw new Error(`bench topics: ${report.problems.join('; ')}`);
  }
}

function profileFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(dir, f))
    : [];
}

/** Requests a child handled, for per-request profile figures. */
function handled(stats: ServerStats): number {
  const t = stats.tap;
  return stats.served > 0 ? stats.served : t === null ? 0 : t.captured + t.paused + t.sampledOut;
}

function printProfiles(profileRoot: string | undefined, handledBy: Map<string, number>): void {
  if (profileRoot === undefined) return;
  for (const [name, requests] of handledBy) {
    for (const file of profileFiles(join(profileRoot, name))) {
      console.log(`\n-- CPU profile: ${name} (${file})\n${formatProfile(summariseProfile(file, 20), requests)}`);
    }
  }
}

async function closeAll(list: Child[], handledBy: Map<string, number>): Promise<void> {
  for (const c of list) {
    handledBy.set(c.name, handled(await c.ask({ type: 'stats', settle: true }).catch(() => ({ served: 0, tap: null }) as unknown as ServerStats)));
  }
  await Promise.all(list.map((c) => c.close()));
}

/**
 * JSON round trips (service-work.ts workOnce) that take about `us` µs here, measured once in this
 * process before any server starts, so both variants of a group do exactly the same work.
 */
let workPerIterationUs: number | undefined;
function workIterations(us: number): number {
  if (us <= 0) return 0;
  if (workPerIterationUs === undefined) {
    const timings: number[] = [];
    for (let round = 0; round < 9; round++) {
      const started = performance.now();
      for (let i = 0; i < 20_000; i++) workOnce();
      timings.push(((performance.now() - started) * 1000) / 20_000);
    }
    workPerIterationUs = median(timings);
  }
  return Math.max(1, Math.round(us / workPerIterationUs));
}

async function embeddedGroup(
  stack: PrivateStack,
  responseBytes: number,
  modes: { saturating: boolean; paced: boolean },
  profileRoot: string | undefined,
  goals: Goal[],
  report: Record<string, unknown>,
  workUs = 0,
): Promise<void> {
  const tag = `${responseBytes / 1024} KB${workUs > 0 ? `, service doing ${workUs} us of work` : ''}`;
  const id = `${responseBytes}${workUs > 0 ? `-work${workUs}` : ''}`;
  const prefix = `bench-${Date.now()}-${id}.`;
  await createTopics(stack, [prefix]);
  const common = {
    responseBytes,
    compression: COMPRESSION,
    workIterations: workIterations(workUs),
    brokers: stack.endpoints.kafkaBrokers,
    registryUrl: stack.endpoints.schemaRegistryUrl,
    topicPrefix: prefix,
  };
  const prof = (name: string): string | undefined => (profileRoot === undefined ? undefined : join(profileRoot, name));
  const plain = await Child.start(`plain-${id}`, { mode: 'plain', ...common }, prof(`plain-${id}`));
  const tapped = await Child.start(`tap-${id}`, { mode: 'tap', ...common }, prof(`tap-${id}`));
  const variants: Variant[] = [
    { name: 'A without tap', target: plain, servers: [plain] },
    { name: 'B embedded tap 100%', target: tapped, servers: [tapped] },
  ];
  const informational = responseBytes !== 1024 || workUs > 0;
  // The goal's own group also measures the tap with a transport that drops every capture (B0):
  // the part of the cost that is capturing and building records, before any encoding or Kafka.
  const captureOnly = informational ? undefined : await Child.start(`tap-capture-only-${id}`, { mode: 'tap', ...common, discard: true });
  // ... and the peer: the same service traced by OpenTelemetry (C), spans posted to a sink child.
  const sink = informational ? undefined : await Child.start(`otlp-sink-${id}`, { mode: 'sink', responseBytes: 0 });
  const otel =
    sink === undefined ? undefined : await Child.start(`otel-${id}`, { mode: 'otel', ...common, otlpUrl: `${sink.url}/v1/traces` }, prof(`otel-${id}`));
  const handledBy = new Map<string, number>();
  try {
    const withB0: Variant[] =
      captureOnly === undefined ? variants : [...variants, { name: 'B0 tap, capture only', target: captureOnly, servers: [captureOnly] }];
    if (otel !== undefined) withB0.push({ name: 'C OpenTelemetry 100%', target: otel, servers: [otel] });
    const b0Title = captureOnly === undefined ? '' : ' vs tap whose transport drops every capture (B0) vs OpenTelemetry HTTP tracing (C)';
    if (modes.saturating) {
      const summaries = await abGroup(`embedded tap, ${tag} JSON response: without tap (A) vs with tap at 100% (B)${b0Title}`, withB0, kafkaPid(stack));
      const [a, b, b0, c] = summaries as [VariantSummary, VariantSummary, VariantSummary | undefined, VariantSummary | undefined];
      const r = ratio('B/A', a, b);
      const final = await tapped.ask({ type: 'stats', settle: true });
      printSummaries(summaries, b0 === undefined ? [r] : [r, ratio('B0/A', a, b0)]);
      console.log(`   tap: ${tapLine(final)}`);
      if (c !== undefined) peerComparison(tag, a, b, c, false, goals);
      const costs = liveThreadCosts(a, b, b0);
      if (costs !== null) {
        console.log(`   tap CPU per request (B - A): ${costs}`);
        goals.push({ goal: `(info) embedded ${tag}: tap CPU per request at saturation`, value: costs, pass: null });
      }
      if (b0 !== undefined) {
        goals.push({ goal: `(info) embedded ${tag}: throughput ratio, capture only (B0/A)`, value: fmt(b0.rps / a.rps, 3), pass: null });
      }
      goals.push(
        {
          goal: `embedded ${tag}: throughput ratio >= ${GOAL.throughputRatio}${informational ? ' (info)' : ''}`,
          value: fmt(r.throughput, 3),
          pass: r.throughput >= GOAL.throughputRatio,
        },
        { goal: `embedded ${tag}: p99 ratio <= ${GOAL.p99Ratio}${informational ? ' (info)' : ''}`, value: fmt(r.p99, 3), pass: r.p99 <= GOAL.p99Ratio },
      );
      report[`embedded-${id}`] = { summaries, ratio: r, tap: final.tap };
    }
    if (modes.paced) {
      const summaries = await abGroup(
        `embedded tap, ${tag} JSON response, paced (not saturating): without tap (A) vs with tap at 100% (B)${b0Title}`,
        withB0,
        kafkaPid(stack),
        PACED_RATE,
      );
      const [a, b, b0, c] = summaries as [VariantSummary, VariantSummary, VariantSummary | undefined, VariantSummary | undefined];
      const r = ratio('B/A', a, b);
      const final = await tapped.ask({ type: 'stats', settle: true });
      printSummaries(summaries, b0 === undefined ? [r] : [r, ratio('B0/A', a, b0)]);
      const costs = liveThreadCosts(a, b, b0);
      if (costs !== null) console.log(`   tap CPU per request (B - A): ${costs}`);
      console.log(`   tap: ${tapLine(final)}`);
      if (c !== undefined) {
        peerComparison(tag, a, b, c, true, goals);
        if (sink !== undefined) console.log(`   OpenTelemetry: ${(await sink.ask({ type: 'stats' })).sinkSpans} spans received by the OTLP sink`);
      }
      goals.push(
        {
          goal: `(extra) embedded ${tag} at ${PACED_RATE} req/s: p99 ratio (goal's bound ${GOAL.p99Ratio})`,
          value: fmt(r.p99, 3),
          pass: r.p99 <= GOAL.p99Ratio,
        },
        { goal: `(extra) embedded ${tag} at ${PACED_RATE} req/s: server CPU per request ratio`, value: fmt(r.cpu, 2), pass: null },
      );
      if (b0 !== undefined) {
        goals.push({ goal: `(info) embedded ${tag} at ${PACED_RATE} req/s: p99 ratio, capture only (B0/A)`, value: fmt(b0.p99 / a.p99, 3), pass: null });
      }
      report[`paced-${responseBytes}`] = { rate: PACED_RATE, summaries, ratio: r, tap: final.tap };
    }
  } finally {
    await closeAll([plain, tapped, ...(captureOnly === undefined ? [] : [captureOnly]), ...(otel === undefined ? [] : [otel])], handledBy);
    await sink?.close();
  }
  printProfiles(profileRoot, handledBy);
}

async function proxyGroup(stack: PrivateStack, profileRoot: string | undefined, goals: Goal[], report: Record<string, unknown>): Promise<void> {
  const prefix = `bench-${Date.now()}-proxy.`;
  await createTopics(stack, [prefix]);
  const common = { responseBytes: 1024, brokers: stack.endpoints.kafkaBrokers, registryUrl: stack.endpoints.schemaRegistryUrl, topicPrefix: prefix };
  const prof = (name: string): string | undefined => (profileRoot === undefined ? undefined : join(profileRoot, name));
  const upstream = await Child.start('upstream', { mode: 'plain', ...common });
  const proxied = await Child.start('proxy-tap', { mode: 'proxy', ...common, upstreamUrl: upstream.url }, prof('proxy-tap'));
  const bare = await Child.start('proxy-no-tap', { mode: 'proxy', ...common, upstreamUrl: upstream.url, tapEnabled: false }, prof('proxy-no-tap'));
  const handledBy = new Map<string, number>();
  try {
    const summaries = await abGroup(
      'tap proxy, 1 KB JSON response: upstream direct (A) vs through the tap proxy (B); C = proxy with mirroring off',
      [
        { name: 'A upstream direct', target: upstream, servers: [upstream] },
        { name: 'B tap proxy 100%', target: proxied, servers: [proxied, upstream] },
        { name: 'C proxy, tap off', target: bare, servers: [bare, upstream] },
      ],
      kafkaPid(stack),
    );
    const [a, b, c] = summaries as [VariantSummary, VariantSummary, VariantSummary];
    const rb = ratio('B/A (tap proxy vs direct)', a, b);
    const rc = ratio('C/A (forwarding only)', a, c);
    const rbc = ratio('B/C (capture inside the proxy)', c, b);
    const final = await proxied.ask({ type: 'stats', settle: true });
    printSummaries(summaries, [rb, rc, rbc]);
    console.log(`   proxy tap: ${tapLine(final)}`);
    goals.push(
      { goal: `tap proxy: throughput ratio >= ${GOAL.proxyThroughputRatio}`, value: fmt(rb.throughput, 3), pass: rb.throughput >= GOAL.proxyThroughputRatio },
      { goal: 'tap proxy: p99 ratio (reported)', value: fmt(rb.p99, 3), pass: null },
    );
    report.proxy = { summaries, ratios: [rb, rc, rbc], tap: final.tap };
  } finally {
    await closeAll([proxied, bare], handledBy);
    await upstream.close();
  }
  printProfiles(profileRoot, handledBy);
}

async function outageGroup(stack: PrivateStack, goals: Goal[], report: Record<string, unknown>): Promise<void> {
  const prefix = `bench-${Date.now()}-outage.`;
  await createTopics(stack, [prefix]);
  const tapped = await Child.start('tap-outage', {
    mode: 'tap',
    responseBytes: 1024,
    brokers: stack.endpoints.kafkaBrokers,
    registryUrl: stack.endpoints.schemaRegistryUrl,
    topicPrefix: prefix,
    queueMaxBytes: QUEUE_BYTES,
    queueMaxRecords: 100_000,
  });
  const stopAt = (OUTAGE_S * 1_000) / 3;
  console.log(
    `\n== Kafka stopped mid-run: embedded tap, 1 KB, queue bound ${mib(QUEUE_BYTES)}; ${OUTAGE_S} s of load, Kafka SIGTERM at ${fmt(stopAt / 1_000, 1)} s`,
  );
  try {
    await runLoad(tapped.url, WARMUP_S);
    let baseline: ServerStats | undefined;
    let stopped = Number.NaN;
    const load = await runLoad(tapped.url, OUTAGE_S, async (elapsed) => {
      // Retained memory before the outage: a forced full GC, early, outside the "before" window.
      await settle(1_000);
      baseline = await tapped.ask({ type: 'gc' });
      await settle(Math.max(0, stopAt - elapsed()));
      await tapped.ask({ type: 'mark' });
      await stack.stopKafka();
      stopped = elapsed();
    });
    const end = await tapped.ask({ type: 'stats', settle: true });
    const retained = await tapped.ask({ type: 'gc' });
    const base = baseline as ServerStats;
    const before = windowOf(load, 3_000, stopAt);
    const transition = windowOf(load, stopAt, stopped);
    const after = windowOf(load, stopAt, OUTAGE_S * 1_000);
    const down = windowOf(load, stopped, OUTAGE_S * 1_000);
    const row = (name: string, w: ReturnType<typeof windowOf>): void => {
      console.log(
        `   ${name.padEnd(36)} ${fmt(w.rps, 0).padStart(7)} req/s  p50 ${fmt(w.p50, 2)} ms  p99 ${fmt(w.p99, 2)} ms  max ${fmt(w.max, 1)} ms  (${w.responses} responses)`,
      );
    };
    row(`before (3 s .. ${fmt(stopAt / 1_000, 1)} s)`, before);
    row(`stopping (SIGTERM .. exit, ${fmt((stopped - stopAt) / 1_000, 1)} s)`, transition);
    row('Kafka down (exit .. end)', down);
    row('after SIGTERM (stopping + down)', after);
    const t = end.tap;
    if (t === null) throw new Error('the outage child reported no tap stats');
    const dropped = t.transport.dropped;
    const droppedTotal = Object.values(dropped).reduce((x, y) => x + y, 0);
    const accounted = t.transport.sent + droppedTotal + t.transport.queueDepth;
    const exact = end.served === t.captured + t.sampledOut + t.paused && t.captured === accounted && t.captureErrors === 0 && t.inFlight === 0;
    console.log(`   answered by the service: ${end.served}; tap: ${tapLine(end)}`);
    console.log(
      `   accounting: answered ${end.served} = captured ${t.captured} (+ paused ${t.paused}, sampled out ${t.sampledOut}); ` +
        `captured = sent ${t.transport.sent} + dropped ${droppedTotal} (${Object.entries(dropped)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}) + queued ${t.transport.queueDepth} = ${accounted}: ${exact ? 'exact' : 'MISMATCH'}`,
    );
    const heapish = (s: ServerStats): number => s.memory.heapUsed + s.memory.arrayBuffers;
    const growth = heapish(retained) - heapish(base);
    const rssGrowth = end.peak.rss - base.memory.rss;
    console.log(
      `   memory (after forced GC): heap+buffers ${mib(heapish(base))} before -> ${mib(heapish(retained))} with the queue full = +${mib(growth)}; ` +
        `queue holds ${mib(t.transport.queueBytes)} (charged: frame bytes + 256 B per record) of ${mib(QUEUE_BYTES)} bound`,
    );
    console.log(
      `   of which JS heap +${mib(retained.memory.heapUsed - base.memory.heapUsed)}, Buffers (arrayBuffers) +${mib(retained.memory.arrayBuffers - base.memory.arrayBuffers)}; ` +
        `${t.transport.queueDepth} records queued = ${fmt(growth / Math.max(1, t.transport.queueDepth), 0)} B each measured vs ${fmt(t.transport.queueBytes / Math.max(1, t.transport.queueDepth), 0)} B charged`,
    );
    console.log(
      `   RSS: ${mib(base.memory.rss)} before, peak ${mib(end.peak.rss)} while Kafka was stopping/down (+${mib(rssGrowth)}); peak heap used ${mib(end.peak.heapUsed)}; ` +
        `event-loop delay while down p99 ${fmt(end.loopDelay.p99, 1)} ms, max ${fmt(end.loopDelay.max, 0)} ms`,
    );
    const pRatio = after.p99 / before.p99;
    const tRatio = after.rps / before.rps;
    goals.push(
      { goal: `Kafka stopped: p99 ratio (after SIGTERM / before) <= ${GOAL.p99Ratio}`, value: fmt(pRatio, 3), pass: pRatio <= GOAL.p99Ratio },
      { goal: `Kafka stopped: throughput ratio (after / before) >= ${GOAL.throughputRatio}`, value: fmt(tRatio, 3), pass: tRatio >= GOAL.throughputRatio },
      { goal: 'Kafka stopped: p99 ratio of the stopping window alone (SIGTERM .. exit)', value: fmt(transition.p99 / before.p99, 3), pass: null },
      { goal: `Kafka stopped: retained heap+buffers growth <= queue bound ${mib(QUEUE_BYTES)}`, value: mib(growth), pass: growth <= QUEUE_BYTES },
      { goal: 'Kafka stopped: drops counted exactly (answered = sent + dropped + queued)', value: `${end.served} = ${accounted}`, pass: exact },
      { goal: 'Kafka stopped: drops happened (queue filled)', value: String(droppedTotal), pass: droppedTotal > 0 },
    );
    report.outage = {
      stopAtMs: stopAt,
      stoppedAtMs: stopped,
      windows: { before, transition, down, after },
      served: end.served,
      tap: t,
      memory: { baseline: base.memory, retained: retained.memory, peak: end.peak },
      queueBound: QUEUE_BYTES,
    };
  } finally {
    await tapped.close();
  }
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  const startedAt = new Date();
  const machine = `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${mib(os.totalmem())} RAM, node ${process.version}`;
  console.log(
    `tap overhead benchmark, ${startedAt.toISOString()}; ${machine}; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  prepareChildren(repoRoot, !args['no-build']);
  if (only.has('work')) {
    // Calibrated before anything else runs, so both variants get a count measured on a quiet machine.
    const per = 1 / workIterations(1_000);
    console.log(
      `service work: one JSON round trip takes ${fmt(per * 1000, 2)} us here; ${WORK_US.map((us) => `${us} us = ${workIterations(us)}`).join(', ')} round trips per request`,
    );
  }
  const started = performance.now();
  const stack = await startPrivateStack({ repoRoot });
  console.log(
    `private stack up in ${fmt((performance.now() - started) / 1_000, 1)} s: kafka ${stack.endpoints.kafkaBrokers.join(',')}, registry ${stack.endpoints.schemaRegistryUrl}`,
  );

  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      for (const c of children) c.kill();
      await stack.down();
    })();
    return cleaning;
  };
  const abort = (why: string, code: number): void => {
    console.error(`\n${why}: stopping children and the private stack`);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('SIGINT', 130));
  process.once('SIGTERM', () => abort('SIGTERM', 143));
  // Bound on the whole run: generous against the planned time, so a hang cannot outlive the machine's patience.
  const plannedS = 4 * ((WARMUP_S + ROUNDS * DURATION_S + 3) * 2) + (WARMUP_S + ROUNDS * DURATION_S + 3) * 3 + OUTAGE_S + 60;
  const watchdog = setTimeout(() => abort(`watchdog: run exceeded ${Math.round(3 * plannedS)} s`, 1), 3 * plannedS * 1_000);
  watchdog.unref();

  const profileRoot = args['cpu-prof'] ? mkdtempSync(join(os.tmpdir(), 'tap-bench-prof-')) : undefined;
  if (profileRoot !== undefined) console.log(`CPU profiles (every server child, so ratios stay comparable) in ${profileRoot}`);
  const goals: Goal[] = [];
  const report: Record<string, unknown> = { startedAt: startedAt.toISOString(), machine, loadavgAtStart: os.loadavg(), args };
  try {
    if (only.has('embedded') || only.has('paced')) {
      await embeddedGroup(stack, 1024, { saturating: only.has('embedded'), paced: only.has('paced') }, profileRoot, goals, report);
    }
    if (only.has('work')) {
      for (const workUs of WORK_US) await embeddedGroup(stack, 1024, { saturating: true, paced: false }, profileRoot, goals, report, workUs);
    }
    if (only.has('large')) await embeddedGroup(stack, 64 * 1024, { saturating: true, paced: false }, profileRoot, goals, report);
    if (only.has('proxy')) await proxyGroup(stack, profileRoot, goals, report);
    if (only.has('outage')) await outageGroup(stack, goals, report);
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }

  console.log(
    `\n== Goals (${new Date().toISOString()}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; total ${fmt((performance.now() - started) / 1_000, 0)} s)`,
  );
  for (const g of goals) {
    const verdict = g.pass === null ? 'REPORT' : g.pass ? 'PASS' : 'FAIL';
    console.log(`   ${verdict.padEnd(6)} ${g.goal.padEnd(76)} ${g.value}`);
  }
  report.goals = goals;
  if (args.json !== undefined && args.json !== '') {
    const file = join(repoRoot, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`figures written to ${file}`);
  }
  if (profileRoot !== undefined) console.log(`CPU profiles kept in ${profileRoot} (open in Chrome DevTools > Performance)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    for (const c of children) c.kill();
    process.exit(1);
  },
);
