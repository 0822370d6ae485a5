// The Kafka side of the sender with the producer on a worker thread (producer-worker.js).
//
// The main thread keeps what needs the registry client: the schema id lookup, and the records'
// Avro frames (encoded when offered, see kafka-transport.ts; the header is stamped here once the
// id is known). Each batch's keys and frames are copied into one unpooled buffer whose ArrayBuffer
// is transferred (not cloned) to the worker, with a transferred array of offsets. The worker owns
// kafkajs and answers each request once; the sender's accounting therefore stays on this thread.
//
// The worker also checks the exchanges topic at start() and runs the kill-switch watcher (see
// producer-worker.js); state changes come back as messages and are re-published here, on the
// application's thread, where diagnostics_channel subscribers live.
//
// A worker that dies (crash, out of memory) fails the request in flight with a non-retriable
// TAP_TRANSPORT_FAILED, so its batch counts as send_failed at once (it may or may not have reached
// Kafka); the next prepare() starts a fresh worker. A watching worker is restarted at once, so the
// kill switch keeps being obeyed (the last known state holds meanwhile).
import { Worker } from 'node:worker_threads';
import type { CapturedExchange, ControlEvent, RecordSerde } from '@shadow/contracts';
import { TAP_ERROR_CODES, TapError } from '../errors.js';
import type { TapErrorCode } from '../errors.js';
import type { ResolvedKafkaTransportOptions } from './options.js';
import type { BatchSink, OutgoingMessage } from './sender.js';
import type { TopicCheckRequest, TopicCheckResult } from './topic-check.js';
import { withTimeout } from './with-timeout.js';

const WORKER_URL = new URL('./producer-worker.js', import.meta.url);
/**
 * Running from TypeScript source (vitest, tsx, the bench): the worker must register tsx to import
 * the watcher and topic check, and resolve workspace packages to their source too.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const SOURCE_CONDITION = '--conditions=@shadow/source';

/** What start() asks the Kafka side besides the producer: the topic check and the kill-switch watcher. */
export interface ControlWatchRequest {
  readonly service: string;
  readonly topic: string;
  readonly startTimeoutMs: number;
}

interface WireError {
  name: string;
  message: string;
  code?: string | undefined;
  retriable?: boolean | undefined;
}

type FromWorker =
  | { type: 'done'; id: number; result?: unknown; error?: WireError }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg?: string }
  | { type: 'control'; event: ControlEvent };

interface Pending {
  /** Only a `send` may have reached Kafka when the worker dies. */
  readonly type: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** The worker's error, rebuilt so the sender's retry rules (name, retriable) apply unchanged. */
function fromWire(wire: WireError): Error {
  if (wire.code !== undefined && (TAP_ERROR_CODES as readonly string[]).includes(wire.code)) {
    return new TapError(wire.code as TapErrorCode, wire.message, wire.retriable === undefined ? {} : { retriable: wire.retriable });
  }
  const error = new Error(wire.message) as Error & { retriable?: boolean };
  error.name = wire.name;
  if (wire.retriable !== undefined) error.retriable = wire.retriable;
  return error;
}

/** The kafkajs client settings the worker needs; false when they cannot cross threads (functions). */
export function workerConfigFor(o: ResolvedKafkaTransportOptions): Record<string, unknown> | false {
  const config = {
    kafka: o.kafka,
    clientId: o.clientId,
    brokers: [...o.brokers],
    connectionTimeoutMs: o.connectionTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    kafkaRetries: o.kafkaRetries,
    topic: o.topic,
    compression: o.compression,
    gzipLevel: o.gzipLevel,
    producerThreadNice: o.producerThreadNice,
    fromSource: FROM_SOURCE,
  };
  try {
    structuredClone(config);
    return config;
  } catch {
    return false; // e.g. a socketFactory or a SASL callback
  }
}

export class WorkerSink implements BatchSink<OutgoingMessage> {
  readonly #serde: RecordSerde<CapturedExchange>;
  readonly #options: ResolvedKafkaTransportOptions;
  readonly #config: Record<string, unknown>;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closing = false;
  #crashes = 0;
  #watch: { request: ControlWatchRequest; onChange: (event: ControlEvent) => void } | undefined;

  readonly #workerUrl: URL;

  /** `workerUrl` is for tests (a worker that crashes on demand). */
  constructor(serde: RecordSerde<CapturedExchange>, options: ResolvedKafkaTransportOptions, config: Record<string, unknown>, workerUrl: URL = WORKER_URL) {
    this.#serde = serde;
    this.#options = options;
    this.#config = config;
    this.#workerUrl = workerUrl;
  }

  #spawn(): Worker {
    const execArgv = FROM_SOURCE && !process.execArgv.includes(SOURCE_CONDITION) ? [...process.execArgv, SOURCE_CONDITION] : undefined;
    const worker = new Worker(this.#workerUrl, execArgv === undefined ? { workerData: this.#config } : { workerData: this.#config, execArgv });
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'log') {
        this.#options.logger[message.level](message.obj, message.msg);
        return;
      }
      if (message.type === 'control') {
        this.#watch?.onChange(message.event);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error === undefined) pending.resolve(message.result);
      else pending.reject(fromWire(message.error));
    });
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) => this.#lost(worker, new Error(`exited with code ${code}`)));
    return worker;
  }

  /** The worker died: fail what it held (counted as send_failed by the sender); restart on demand. */
  #lost(worker: Worker, cause: Error): void {
    if (this.#worker !== worker) return; // already handled (error is followed by exit)
    this.#worker = undefined;
    const failed = [...this.#pending.values()];
    this.#pending.clear();
    if (this.#closing) {
      // terminate() past close()'s bound: the sender already counted these batches as closed.
      for (const pending of failed) pending.reject(new TapError('TAP_CLOSED', 'producer worker terminated by close()', { cause }));
      return;
    }
    this.#crashes++;
    this.#options.logger.error(
      { err: cause.message, crashes: this.#crashes, topic: this.#options.topic },
      'shadow tap producer worker died; its batch in flight counts as send_failed and a new worker starts on the next batch',
    );
    // A batch handed over may or may not have reached Kafka: not retried. Anything else (connect,
    // reset) sent nothing and may be tried again on a new worker.
    const message = `producer worker died: ${cause.message}`;
    for (const pending of failed) pending.reject(new TapError('TAP_TRANSPORT_FAILED', message, { cause, retriable: pending.type !== 'send' }));
    if (this.#watch !== undefined) {
      // A worker that dies again at once (it cannot even load) must not spin: back off.
      const timer = setTimeout(
        () => {
          if (!this.#closing && this.#worker === undefined) this.#startWatching();
        },
        Math.min(30_000, 1_000 * this.#crashes),
      );
      timer.unref();
    }
  }

  #startWatching(): void {
    if (this.#watch === undefined) return;
    this.#request({ type: 'watch', ...this.#watch.request }).catch((error: unknown) => {
      this.#options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'shadow tap kill-switch watcher not started');
    });
  }

  /** Starts the kill-switch watcher on the worker; `onChange` gets every state change. Once. */
  watchControl(request: ControlWatchRequest, onChange: (event: ControlEvent) => void): void {
    if (this.#watch !== undefined || this.#closing) return;
    this.#watch = { request, onChange };
    this.#startWatching();
  }

  /** The start-up topic check (and creation, when allowed), on the worker. */
  async checkTopic(request: TopicCheckRequest): Promise<TopicCheckResult> {
    return (await this.#request({ type: 'topic', request })) as TopicCheckResult;
  }

  #request(message: { type: string; [key: string]: unknown }, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.#closing && message.type !== 'close') {
      // The sender may still finish an abandoned attempt after close(): never start a worker then.
      return Promise.reject(new TapError('TAP_CLOSED', 'transport closed'));
    }
    this.#worker ??= this.#spawn();
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { type: message.type, resolve, reject });
      try {
        this.#worker?.postMessage({ ...message, id }, transfer);
      } catch (error) {
        this.#pending.delete(id);
        reject(error);
      }
    });
  }

  async prepare(): Promise<void> {
    if (this.#serde.schemaId === undefined) await this.#withTimeout(this.#serde.init(), 'schema registry lookup');
    await this.#request({ type: 'connect' });
  }

  /** See KafkaSink: bounds a registry client passed in without its own timeout. */
  #withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
    return withTimeout(work, 2 * this.#options.requestTimeoutMs, what);
  }

  /** Frames encoded before the schema id was known get their header now (prepare() resolved it). */
  encode(message: OutgoingMessage): OutgoingMessage {
    this.#serde.stampWireHeader(message.value);
    return message;
  }

  send(messages: OutgoingMessage[]): Promise<void> {
    // The frames are views into the transport's arena slabs, shared with records still queued:
    // transferring a slab would detach them. So each batch is copied, keys and values back to back,
    // into one unpooled buffer that is transferred with its offsets: nothing is cloned per record
    // (a structured clone of 500 key strings cost ~1.5 µs per record).
    let total = 0;
    for (const m of messages) total += m.value.length + 3 * m.key.length; // UTF-8 needs at most 3 bytes per UTF-16 unit
    const batch = Buffer.allocUnsafeSlow(total);
    const bounds = new Uint32Array(2 * messages.length);
    let offset = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as OutgoingMessage;
      offset += batch.write(m.key, offset, 'utf8');
      bounds[2 * i] = offset;
      offset += m.value.copy(batch, offset);
      bounds[2 * i + 1] = offset;
    }
    const buffer = batch.buffer as ArrayBuffer;
    return this.#request({ type: 'send', buffer, bounds: bounds.buffer }, [buffer, bounds.buffer]).then(() => undefined);
  }

  async reset(): Promise<void> {
    // A fresh producer in the worker (see sender.ts for why). A dead worker has none to reset.
    if (this.#worker === undefined) return;
    await this.#request({ type: 'reset' }).catch(() => undefined);
  }

  /** Disconnects the worker's producers, then ends the worker. */
  async close(): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    try {
      await this.#request({ type: 'close' });
    } catch {
      // a dead worker has nothing to disconnect
    } finally {
      await this.terminate();
    }
  }

  /**
   * Ends an idle worker that watches nothing (start() rejected: the topic is missing), so it does
   * not keep the process alive; the next request starts a fresh one. Not a close.
   */
  async suspend(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined || this.#watch !== undefined || this.#pending.size > 0) return;
    this.#worker = undefined;
    await worker.terminate();
  }

  /** Ends the worker at once (close() past its bound). */
  async terminate(): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    await worker.terminate();
  }
}
