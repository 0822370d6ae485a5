// One server per child process for test/bench/tap-overhead.ts, so the load generator never shares
// an event loop (or a CPU profile) with the server it measures. Configured by BENCH_SERVER (JSON),
// driven over the fork IPC channel: it answers `stats`, `gc`, `mark` and `close` messages.
//
// Modes:
// - plain: the small live service (JSON in, JSON of `responseBytes` out), no tap;
// - tap:   the same service with the embedded tap attached (real Kafka transport, 100% sampling;
//          with `discard`, a transport that accepts and drops every capture: what capturing and
//          building the records costs the live thread, without encoding or Kafka);
// - proxy: startTapProxy() in front of an upstream (a `plain` child);
// - otel:  the plain service traced by OpenTelemetry the way teams already pay for per-request
//          instrumentation: sdk-trace-node + instrumentation-http + BatchSpanProcessor + the
//          OTLP/HTTP exporter, every request sampled, spans posted to `otlpUrl` (a `sink` child);
// - sink:  accepts anything and answers 200 `{}` (the OTLP collector stand-in).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createKafkaTransport, createTap } from '@shadow/tap';
import type { ExchangeTransport, KafkaTransport, Tap, TapLogger, TapStats, TransportStats } from '@shadow/tap';
import { attachToServer } from '@shadow/tap/node';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import { procCpuSeconds } from './proc-stat.js';
import { workOnce } from './service-work.js';
import type { TapProxy } from '@shadow/tap-proxy';

export interface ServerConfig {
  mode: 'plain' | 'tap' | 'proxy' | 'otel' | 'sink';
  /** otel mode: the OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces */
  otlpUrl?: string;
  responseBytes: number;
  brokers?: string[];
  registryUrl?: string;
  topicPrefix?: string;
  /** Tap queue bound (tap mode). @default the transport's defaults */
  queueMaxBytes?: number;
  queueMaxRecords?: number;
  /** proxy mode */
  upstreamUrl?: string;
  tapEnabled?: boolean;
  /** Batch compression of the tap's transport. @default the transport's default */
  compression?: 'gzip' | 'none';
  /** JSON round trips the live service does per request as its own work (see serviceWork). @default 0 */
  workIterations?: number;
  /** tap mode: drop every capture in the transport instead of sending it (see the modes above). */
  discard?: boolean;
}

export type ToServer = { type: 'stats'; settle?: boolean } | { type: 'gc' } | { type: 'mark' } | { type: 'close' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface ServerStats {
  type: 'stats';
  /** Requests the service handled (plain and tap modes). */
  served: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /**
   * CPU of the main thread alone (the one running the event loop and the application), user +
   * system, from /proc (10 ms ticks); null where there is no /proc. The rest of cpuUserUs +
   * cpuSystemUs is the other threads: the tap's producer thread, V8's GC helpers, libuv's pool.
   */
  mainThreadCpuUs: number | null;
  /** Event-loop utilisation since start: `idle`/`active` in ms. */
  elu: { idle: number; active: number };
  memory: MemorySample;
  /** Highest value of each field since the last `mark`, sampled every 100 ms. */
  peak: MemorySample;
  /** Event-loop delay since the previous stats/gc/mark reply, in ms: how long work blocked the loop. */
  loopDelay: { p50: number; p99: number; max: number };
  tap: TapStats | null;
  tapEnabled: boolean | null;
  /** sink mode: spans received so far. */
  sinkSpans: number;
}

export type FromServer = { type: 'ready'; port: number } | ServerStats | { type: 'error'; message: string };

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerConfig;

function send(message: FromServer): void {
  process.send?.(message);
}

// Warnings and errors only: an outage produces one aggregated line per 10 s, which is worth seeing.
const noop = (): void => {};
const logger: TapLogger = {
  debug: noop,
  info: noop,
  warn: (obj, msg) => console.error(`[${config.mode} child] warn: ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj, msg) => console.error(`[${config.mode} child] error: ${msg ?? ''} ${JSON.stringify(obj)}`),
};

/** The live service's reply: about `bytes` of JSON that depends on the request. */
function replyBody(bytes: number): (id: unknown) => string {
  const fixed = JSON.stringify({ id: 1234567, status: 'accepted', items: [], pad: '' }).length;
  const pad = 'x'.repeat(Math.max(0, bytes - fixed));
  return (id) => JSON.stringify({ id, status: 'accepted', items: [], pad });
}

/** `iterations` JSON round trips per request (see service-work.ts). */
function serviceWork(iterations: number): () => void {
  if (iterations <= 0) return () => {};
  return () => {
    for (let i = 0; i < iterations; i++) workOnce();
  };
}

let served = 0;
function liveService(responseBytes: number): (req: IncomingMessage, res: ServerResponse) => void {
  const body = replyBody(responseBytes);
  const work = serviceWork(config.workIterations ?? 0);
  return (req, res) => {
    served++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let id: unknown = null;
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id ?? null;
      } catch {
        // not JSON: answered all the same
      }
      work();
      const text = body(id);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The main thread is the task whose id is the process id. */
function mainThreadCpuUs(): number | null {
  const seconds = procCpuSeconds(`self/task/${process.pid}`);
  return seconds === null ? null : seconds * 1e6;
}

/** Accepts every capture and keeps nothing: the tap's capture cost alone. */
function discardingTransport(): ExchangeTransport {
  let accepted = 0;
  const stats = (): TransportStats => ({
    enqueued: accepted,
    sent: 0,
    dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
    queueDepth: 0,
    queueBytes: 0,
    sentBytes: 0,
  });
  return {
    enabled: true,
    offer: () => {
      accepted++;
      return true;
    },
    stats,
    start: () => Promise.resolve(),
    close: () => Promise.resolve(stats()),
  };
}

function memory(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

// 1 ms resolution: a synchronous chunk of work (say, encoding a whole Kafka batch) shows up as delay.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

let peak = memory();
const sampler = setInterval(() => {
  const m = memory();
  peak = {
    rss: Math.max(peak.rss, m.rss),
    heapUsed: Math.max(peak.heapUsed, m.heapUsed),
    external: Math.max(peak.external, m.external),
    arrayBuffers: Math.max(peak.arrayBuffers, m.arrayBuffers),
  };
}, 100);
sampler.unref();

let server: Server | undefined;
let tap: Tap | undefined;
let transport: KafkaTransport | undefined;
let proxy: TapProxy | undefined;

/**
 * OpenTelemetry as its getting-started guide sets it up for node:http, with 100% sampling. The
 * http instrumentation wraps `http.Server.prototype.emit` when `http` is required (through
 * require-in-the-middle), so `http` is required once after registering: the ESM `createServer`
 * used by the service builds servers from that same, now wrapped, prototype.
 */
async function startOpenTelemetry(url: string): Promise<void> {
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { registerInstrumentations }, { HttpInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))] });
  provider.register();
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  createRequire(import.meta.url)('node:http');
  otelShutdown = () => provider.shutdown();
}
let otelShutdown: (() => Promise<void>) | undefined;
/** Spans the sink received (counted from request bodies, roughly: one `spanId` per span). */
let sinkSpans = 0;

async function start(): Promise<number> {
  if (config.mode === 'sink') {
    server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        served++;
        sinkSpans += text.split('"spanId"').length - 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    return listen(server);
  }
  if (config.mode === 'otel') {
    if (config.otlpUrl === undefined) throw new Error('otel mode needs otlpUrl');
    await startOpenTelemetry(config.otlpUrl);
    server = createServer(liveService(config.responseBytes));
    return listen(server);
  }
  if (config.mode === 'plain' || config.mode === 'tap') {
    server = createServer(liveService(config.responseBytes));
    if (config.mode === 'tap' && config.discard === true) {
      tap = createTap({ service: 'bench-live', environment: 'bench', transport: discardingTransport(), sampling: { rate: 1 }, logger });
      attachToServer(tap, server);
      await tap.start();
    } else if (config.mode === 'tap') {
      transport = createKafkaTransport({
        service: 'bench-live',
        brokers: config.brokers ?? [],
        schemaRegistryUrl: config.registryUrl,
        topicPrefix: config.topicPrefix,
        queue: { maxBytes: config.queueMaxBytes, maxRecords: config.queueMaxRecords },
        compression: config.compression,
        logger,
      });
      tap = createTap({ service: 'bench-live', environment: 'bench', transport, sampling: { rate: 1 }, logger });
      attachToServer(tap, server);
      await tap.start();
      const t = transport;
      // The kill switch is unknown (so mirroring is off) until the control topic has been read.
      await until(() => t.enabled, 30_000, 'tap enabled');
    }
    return listen(server);
  }
  proxy = await startTapProxy(
    loadConfig({
      TAP_PROXY_UPSTREAM: config.upstreamUrl,
      TAP_PROXY_PORT: '0',
      TAP_PROXY_ADMIN_PORT: '0',
      SHADOW_SERVICE: 'bench-proxied',
      SHADOW_ENVIRONMENT: 'bench',
      KAFKA_BROKERS: (config.brokers ?? []).join(','),
      SCHEMA_REGISTRY_URL: config.registryUrl,
      SHADOW_TOPIC_PREFIX: config.topicPrefix,
      SHADOW_TAP_ENABLED: config.tapEnabled === false ? 'false' : 'true',
      LOG_LEVEL: 'warn',
    }),
    logger,
  );
  const port = proxy.address.port;
  if (config.tapEnabled !== false) {
    // The proxy's transport is internal: probe until a request is captured rather than paused.
    const p = proxy;
    await until(
      async () => {
        await fetch(`http://127.0.0.1:${port}/probe`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) }).then((r) => r.arrayBuffer());
        return p.tap.stats().captured > 0;
      },
      30_000,
      'proxy tap enabled',
    );
  }
  return port;
}

function currentTap(): Tap | undefined {
  return tap ?? proxy?.tap;
}

async function stats(settle: boolean): Promise<ServerStats> {
  const t = currentTap();
  // Captures are built in a setImmediate after each response: let those finish so counts balance.
  if (settle && t !== undefined) await until(() => t.stats().inFlight === 0, 5_000, 'captures settled');
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const delay = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  loopDelay.reset();
  return {
    type: 'stats',
    served,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    mainThreadCpuUs: mainThreadCpuUs(),
    elu: { idle: elu.idle, active: elu.active },
    memory: memory(),
    peak,
    loopDelay: delay,
    tap: t?.stats() ?? null,
    tapEnabled: transport?.enabled ?? tap?.enabled ?? (proxy === undefined ? null : config.tapEnabled !== false),
    sinkSpans,
  };
}

async function close(): Promise<void> {
  clearInterval(sampler);
  if (proxy !== undefined) await proxy.close();
  if (server !== undefined) {
    const s = server;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  // Bounded: with Kafka down the queue is dropped as `closed` after the timeout.
  if (tap !== undefined) await tap.close(3_000);
  await otelShutdown?.();
}

process.on('message', (message: ToServer) => {
  const reply = async (): Promise<void> => {
    switch (message.type) {
      case 'stats':
        send(await stats(message.settle === true));
        break;
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        send(await stats(false));
        break;
      case 'mark':
        peak = memory();
        send(await stats(false));
        break;
      case 'close':
        await close();
        // process.exit() (not a signal) so --cpu-prof writes its profile.
        process.exit(0);
    }
  };
  reply().catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
process.on('disconnect', () => process.exit(0));

start().then(
  (port) => send({ type: 'ready', port }),
  (error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
