// The Kafka side of the transport, in a worker thread (see worker-sink.ts for the main side): the
// producer, the start-up topic check and the kill-switch watcher. No kafkajs code runs on the
// application's thread.
//
// kafkajs builds a whole produce request synchronously (partitioning with murmur2, record encoding
// with long.js varints) and allocates heavily while doing it; on the application's event loop that
// cost ~27 µs per record plus GC and blocked the loop for milliseconds per batch. Here it runs on
// its own thread and heap. The main thread sends records already Avro-encoded, as one transferred
// ArrayBuffer per batch. The kill-switch watcher (a kafkajs consumer long-polling the control
// topic) lives here too: on the application's thread its fetch loop and the young objects it left
// behind were the lead suspect of the tap's p99 at moderate load (docs/benchmarks.md).
//
// Plain JavaScript on purpose: `new Worker(new URL('./producer-worker.js', import.meta.url))` must
// load it unchanged from src (vitest, no TypeScript transform in a worker) and from dist (tsc
// copies it there through allowJs). The watcher (@shadow/contracts) and the topic check are
// TypeScript modules: from dist they are plain .js files; from src (tests, the bench, tsx) the main
// side sets `fromSource`, and this worker registers tsx before importing them (worker-sink.ts passes
// the `@shadow/source` export condition so @shadow/contracts resolves to its source as well).
//
// Protocol (all requests carry an id; each gets exactly one `done` reply with the same id):
//   main -> worker  { type: 'connect' | 'reset' | 'close', id }
//                   { type: 'send', id, buffer: ArrayBuffer, bounds: ArrayBuffer }
//                   buffer holds key 0, value 0, key 1, value 1, ... back to back; bounds is a
//                   Uint32Array of [end of key i, end of value i] pairs
//                   { type: 'topic', id, request: TopicCheckRequest }       -> result: TopicCheckResult
//                   { type: 'watch', id, service, topic, startTimeoutMs }   starts the kill-switch watcher
//   worker -> main  { type: 'done', id, result?, error?: { name, message, code, retriable } }
//                   { type: 'log', level, obj, msg }
//                   { type: 'control', event: ControlEvent }                each kill-switch or sampling change
// The producer settings are the same as the in-thread KafkaSink's (kafka-sink.ts).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { gzip, unzip } from 'node:zlib';
// kafkajs is CommonJS: CompressionCodecs is not among the names Node's ESM loader detects.
import kafkajs from 'kafkajs';
import { createMurmur2Partitioner } from './partitioner.js';

const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;
const config = workerData;
const port = parentPort;
if (port === null) throw new Error('producer-worker.js must run in a worker thread');

if (config.fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { ControlWatcher } = await import('@shadow/contracts');
const { checkExchangeTopic } = await import('./topic-check.js');

/** The TransportLogger the watcher and topic check log through: lines go to the main thread's logger. */
const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj, msg) => port.postMessage({ type: 'log', level, obj, msg })]));

// This thread yields to the application's: when the CPUs are contended, the kernel runs the event
// loop first and the producer catches up in the gaps (the queue absorbs the difference). Linux
// threads are tasks with their own nice value; /proc/thread-self names this one. Elsewhere, or if
// refused, the thread keeps the process's priority.
if (config.producerThreadNice > 0) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, config.producerThreadNice);
  } catch (error) {
    port.postMessage({ type: 'log', level: 'debug', obj: { err: String(error) }, msg: 'shadow tap producer thread keeps the process priority' });
  }
}

const kafka = new Kafka({
  ...config.kafka,
  clientId: config.clientId,
  brokers: config.brokers,
  connectionTimeout: config.connectionTimeoutMs,
  requestTimeout: config.requestTimeoutMs,
  retry: { retries: config.kafkaRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
  logLevel: logLevel.WARN,
  // kafkajs logs every failed connection at ERROR; the main thread writes these at debug.
  logCreator:
    () =>
    ({ namespace, log }) => {
      const { message, ...rest } = log;
      port.postMessage({ type: 'log', level: 'debug', obj: { kafkajs: namespace, ...rest }, msg: message });
    },
});
const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;

// kafkajs' GZIP codec uses zlib's default level 6. Level 1 costs about a third of the CPU per
// record for a ratio within a few percent on JSON captures; the level is an option (gzipLevel).
// The codec table is global to this kafkajs instance, which only this worker uses.
const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);
CompressionCodecs[CompressionTypes.GZIP] = () => ({
  compress: (encoder) => gzipAsync(encoder.buffer, { level: config.gzipLevel }),
  decompress: (buffer) => unzipAsync(buffer),
});

let producer;
let connecting;
const retiring = new Set();

function retire(old) {
  const done = old
    .disconnect()
    .catch(() => undefined)
    .finally(() => retiring.delete(done));
  retiring.add(done);
}

function connect() {
  connecting ??= (async () => {
    const fresh = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // kafkajs requires it for idempotence
      allowAutoTopicCreation: false,
      createPartitioner: createMurmur2Partitioner, // Java-compatible murmur2, as kafkajs' DefaultPartitioner
      retry: { retries: config.kafkaRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    try {
      await fresh.connect();
    } catch (error) {
      retire(fresh);
      throw error;
    }
    producer = fresh;
    return fresh;
  })().finally(() => {
    connecting = undefined;
  });
  return connecting;
}

async function send(buffer, boundsBuffer) {
  const bounds = new Uint32Array(boundsBuffer);
  const messages = new Array(bounds.length / 2);
  let start = 0;
  for (let i = 0; i < messages.length; i++) {
    const keyEnd = bounds[2 * i];
    const valueEnd = bounds[2 * i + 1];
    // Views of the transferred buffer: no copy.
    messages[i] = { key: Buffer.from(buffer, start, keyEnd - start), value: Buffer.from(buffer, keyEnd, valueEnd - keyEnd) };
    start = valueEnd;
  }
  const current = producer ?? (await connect());
  await current.send({ topic: config.topic, messages, acks: -1, timeout: config.requestTimeoutMs, compression });
}

let watcher;

function watch(request) {
  if (watcher !== undefined) return;
  watcher = new ControlWatcher({ kafka, service: request.service, topic: request.topic, startTimeoutMs: request.startTimeoutMs, logger });
  watcher.onChange((event) => port.postMessage({ type: 'control', event }));
  watcher.start();
}

function reset() {
  const old = producer;
  producer = undefined;
  if (old !== undefined) retire(old);
}

async function handle(request) {
  switch (request.type) {
    case 'connect':
      if (producer === undefined) await connect();
      return;
    case 'send':
      return send(request.buffer, request.bounds);
    case 'reset':
      reset();
      return;
    case 'topic':
      return checkExchangeTopic(kafka, request.request);
    case 'watch':
      watch(request);
      return;
    case 'close':
      reset();
      await Promise.all([...retiring, watcher?.close()]);
      return;
    default:
      throw new Error(`unknown request ${String(request.type)}`);
  }
}

port.on('message', (request) => {
  handle(request).then(
    (result) => port.postMessage({ type: 'done', id: request.id, result }),
    (error) => {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({
        type: 'done',
        id: request.id,
        error: {
          name: e.name,
          message: e.message,
          code: typeof e.code === 'string' ? e.code : undefined,
          retriable: typeof e.retriable === 'boolean' ? e.retriable : undefined,
        },
      });
    },
  );
});
