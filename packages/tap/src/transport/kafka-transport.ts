// The Kafka transport of the tap: `offer()` after each response, everything else in the background.
//
// offer() is synchronous and never throws: the live service must not notice the tap, even when
// Kafka, the registry or the capture itself misbehaves. It refuses at once (no work) when the
// queue is full, else encodes the capture into the record arena (one Avro frame, a few µs for a
// 1 KB exchange) and queues the frame. Encoding here rather than in the sender keeps queued
// records compact and exactly accounted, and lets the capture's objects die young.
// A capture that cannot be accepted is dropped and counted under exactly one DropReason; drops
// are aggregated into one warning per interval and published on diagnostics_channel.
//
// start() settles what the tap needs before the first request it serves: the topic exists (or is
// created, or start() rejects with TAP_TOPIC_MISSING), the kill-switch state has been read, the
// producer is connected. All of it runs on the producer worker thread; no kafkajs code runs on the
// application's thread unless the kafka settings cannot cross threads (stats().path says which).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CapturedExchange, ControlEvent, ControlSampling, ControlState } from '@shadow/contracts';
import { capturedExchangeContract, createSchemaRegistry, partitionKey, RecordSerde, subjectFor } from '@shadow/contracts';
import { Kafka, logLevel } from 'kafkajs';
import type { logCreator } from 'kafkajs';
import { isTapError, TapError } from '../errors.js';
import { BoundedQueue } from './bounded-queue.js';
import { batchChannel, controlChannel, dropChannel, samplingChannel } from './diagnostics.js';
import type { DropEvent } from './diagnostics.js';
import { KafkaSink } from './kafka-sink.js';
import type { KafkaTransportOptions, ResolvedKafkaTransportOptions, TransportLogger } from './options.js';
import { resolveKafkaTransportOptions } from './options.js';
import { QUEUED_RECORD_OVERHEAD, RecordArena } from './record-arena.js';
import { Sender } from './sender.js';
import type { OutgoingMessage } from './sender.js';
import type { DropReason, ExchangeTransport, TransportPath, TransportStats } from './types.js';
import { WarnLimiter } from './warn-limiter.js';
import { WorkerSink, workerConfigFor } from './worker-sink.js';

export interface KafkaTransport extends ExchangeTransport {
  /** Kill-switch state from the control topic (`active` when control is off). */
  readonly controlState: ControlState;
  /** The local switch (option and SHADOW_TAP_ENABLED combined). */
  readonly locallyEnabled: boolean;
  /**
   * Counts captures the caller skipped because `enabled` was false, as `paused` drops, so skipping
   * the capture work entirely still shows in the metrics. O(1), never throws.
   */
  countPaused(count?: number): void;
}

// kafkajs logs every failed connection attempt at ERROR; during an outage that is a flood. Its
// lines go to debug, and the transport's own aggregated warnings carry the last error instead.
function kafkaLogBridge(logger: TransportLogger): logCreator {
  return () =>
    ({ namespace, log }) => {
      const { message, ...rest } = log;
      logger.debug({ kafkajs: namespace, ...rest }, message);
    };
}

/** Encoded records are packed into slabs of this size (see record-arena.ts). */
const ARENA_SLAB_BYTES = 256 * 1024;

let patched: boolean | undefined;
/** Whether the installed kafkajs carries infra/patches/kafkajs@2.2.4.patch (read once). */
export function kafkajsPatched(): boolean {
  if (patched === undefined) {
    try {
      const require = createRequire(import.meta.url);
      patched = readFileSync(require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js'), 'utf8').includes('encodeRecordsWithoutHeaders');
    } catch {
      patched = false;
    }
  }
  return patched;
}

function sleep(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function emptyDrops(): Record<DropReason, number> {
  return { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 };
}

class KafkaTransportImpl implements KafkaTransport {
  readonly #o: ResolvedKafkaTransportOptions;
  readonly #queue: BoundedQueue<OutgoingMessage>;
  readonly #serde: RecordSerde<CapturedExchange>;
  readonly #arena: RecordArena;
  /** The producer runs on a worker thread unless the kafka settings cannot cross threads. */
  readonly #sink: KafkaSink | WorkerSink;
  readonly #sender: Sender<OutgoingMessage>;
  /** The kill-switch state as the watcher (on the worker, or in-thread) last reported it. */
  #controlState: ControlState;
  #controlKnown: (() => void) | undefined;
  /** The control topic's sampling rate for this service, as the watcher last reported it. */
  #sampling: ControlSampling | null = null;
  readonly #samplingListeners = new Set<(sampling: ControlSampling | null) => void>();
  #topicOutcome: TransportPath['topic'] = null;
  readonly #warn: WarnLimiter;
  readonly #dropped = emptyDrops();
  #enqueued = 0;
  #sent = 0;
  #sentBytes = 0;
  #enabled: boolean;
  #starting: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<TransportStats> | undefined;

  constructor(options: KafkaTransportOptions) {
    const o = resolveKafkaTransportOptions(options);
    this.#o = o;
    let registry = o.registry;
    if (registry === null) {
      try {
        registry = createSchemaRegistry({ url: o.schemaRegistryUrl as string, clientId: o.clientId, timeoutMs: o.requestTimeoutMs });
      } catch (error) {
        throw new TapError('TAP_INVALID_OPTION', `schemaRegistryUrl: ${(error as Error).message}`, { cause: error });
      }
    }
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(o.topic), autoRegister: o.autoRegister });
    this.#serde = serde;
    this.#arena = new RecordArena(ARENA_SLAB_BYTES);
    this.#queue = new BoundedQueue(o.queue.maxRecords, o.queue.maxBytes);
    const workerConfig = workerConfigFor(o);
    if (workerConfig === false) {
      // Only this fallback runs kafkajs on the application's thread.
      const kafka = new Kafka({
        ...o.kafka,
        clientId: o.clientId,
        brokers: [...o.brokers],
        connectionTimeout: o.connectionTimeoutMs,
        requestTimeout: o.requestTimeoutMs,
        retry: { retries: o.kafkaRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
        logLevel: logLevel.WARN,
        logCreator: kafkaLogBridge(o.logger),
      });
      this.#sink = new KafkaSink(kafka, serde, o);
    } else {
      this.#sink = new WorkerSink(serde, o, workerConfig);
    }
    this.#warn = new WarnLimiter(o.logger, o.warnIntervalMs, 'shadow tap dropped captures');
    this.#sender = new Sender(
      this.#queue,
      this.#sink,
      {
        topic: o.topic,
        maxBatchRecords: o.batch.maxRecords,
        maxBatchBytes: o.batch.maxBytes,
        lingerMs: o.batch.lingerMs,
        maxRecordBytes: o.maxRecordBytes,
        sendAttempts: o.sendAttempts,
        retryBackoffMs: o.retryBackoffMs,
        retryBackoffMaxMs: o.retryBackoffMaxMs,
      },
      {
        sent: (records, bytes) => {
          this.#sent += records;
          this.#sentBytes += bytes;
        },
        dropped: (reason, count, detail) => this.#drop(reason, count, detail),
        batch: (event) => {
          if (batchChannel.hasSubscribers) batchChannel.publish(event);
        },
      },
    );
    this.#controlState = o.control === null ? 'active' : 'unknown';
    this.#enabled = false;
    this.#recomputeEnabled();
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get controlState(): ControlState {
    return this.#controlState;
  }

  get locallyEnabled(): boolean {
    return this.#o.locallyEnabled;
  }

  #recomputeEnabled(): void {
    this.#enabled = !this.#closed && this.#o.locallyEnabled && this.#controlState === 'active';
  }

  offer(exchange: CapturedExchange): boolean {
    try {
      if (this.#closed) return this.#drop('closed', 1);
      if (!this.#enabled) return this.#drop('paused', 1);
      // A full queue (Kafka slow or down) refuses before any encoding work: the frame is at least
      // as large as the two bodies.
      const least = exchange.requestBody.length + exchange.responseBody.length + QUEUED_RECORD_OVERHEAD;
      if (!this.#queue.hasRoom(least)) return this.#drop('queue_full', 1);
      let message: OutgoingMessage;
      try {
        message = { key: partitionKey(exchange.exchangeId), value: this.#arena.encode(this.#serde, exchange) };
      } catch (error) {
        return this.#drop('encode_error', 1, error instanceof Error ? error.message : String(error));
      }
      if (message.value.length > this.#o.maxRecordBytes) {
        return this.#drop('send_failed', 1, `record of ${message.value.length} bytes exceeds maxRecordBytes ${this.#o.maxRecordBytes}`);
      }
      if (!this.#queue.push(message, message.value.length + QUEUED_RECORD_OVERHEAD)) return this.#drop('queue_full', 1);
      this.#enqueued++;
      this.#sender.notify();
      return true;
    } catch (error) {
      // Only a malformed capture gets here (e.g. a body that is not a Buffer); it could not be encoded.
      try {
        return this.#drop('encode_error', 1, error instanceof Error ? error.message : String(error));
      } catch {
        return false;
      }
    }
  }

  countPaused(count = 1): void {
    try {
      this.#drop('paused', count);
    } catch {
      // a logger that throws must not reach the request path
    }
  }

  #drop(reason: DropReason, count: number, detail?: string): false {
    this.#dropped[reason] += count;
    if (dropChannel.hasSubscribers) dropChannel.publish({ reason, count } satisfies DropEvent);
    // Pauses and shutdown are intended, not worth a warning.
    if (reason !== 'paused' && reason !== 'closed') this.#warn.note(reason, count, detail);
    return false;
  }

  stats(): TransportStats {
    return {
      enqueued: this.#enqueued,
      sent: this.#sent,
      dropped: { ...this.#dropped },
      queueDepth: this.#queue.chargedCount,
      queueBytes: this.#queue.chargedBytes,
      sentBytes: this.#sentBytes,
      path: {
        kafkaThread: this.#sink instanceof WorkerSink ? 'worker' : 'application',
        kafkajsPatched: kafkajsPatched(),
        topic: this.#topicOutcome,
      },
    };
  }

  /**
   * Resolves once the topic is checked, the kill-switch state read and the producer connected, or
   * after startTimeoutMs with what is ready then (logged). Rejects only with TAP_TOPIC_MISSING
   * (nothing is started then: call start() again once the topic exists). Idempotent.
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    // Switched off locally, nothing can be sent for the life of this transport: no producer
    // thread, no connection, no topic check.
    if (!this.#o.locallyEnabled) {
      this.#sender.start();
      return;
    }
    const o = this.#o;
    const bound = sleep(o.startTimeoutMs);
    try {
      const topic = this.#sink.checkTopic({ topic: o.topic, prefix: o.topicPrefix, createTopic: o.createTopic, brokers: o.brokers });
      const checked = await Promise.race([
        topic.then(
          (result) => result,
          (error: unknown) => error as Error,
        ),
        bound.promise.then(() => 'timeout' as const),
      ]);
      if (checked === 'timeout' || checked instanceof Error) {
        if (isTapError(checked) && checked.code === 'TAP_TOPIC_MISSING') {
          if (this.#sink instanceof WorkerSink) await this.#sink.suspend();
          throw checked;
        }
        this.#topicOutcome = 'unchecked';
        o.logger.error(
          { topic: o.topic, brokers: o.brokers, err: checked === 'timeout' ? `no answer within ${o.startTimeoutMs} ms` : checked.message },
          'shadow tap could not check its topic at start; captures queue (bounded) and are retried',
        );
      } else {
        this.#topicOutcome = checked.created ? 'created' : 'exists';
        if (checked.created) o.logger.info({ topic: checked.topic, partitions: checked.partitions }, 'shadow tap created its topic (createTopic)');
      }
      if (this.#closed) return;
      const known =
        this.#controlState !== 'unknown'
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#controlKnown = resolve;
            });
      if (o.control !== null) {
        this.#sink.watchControl({ service: o.service, topic: o.control.topic, startTimeoutMs: o.control.startTimeoutMs }, (event) => this.#onControl(event));
      }
      this.#sender.start();
      // Warm up (schema id, producer connection) so the first batch does not pay for it; failures
      // here are only early news: the sender retries per batch.
      const prepared = this.#sink.prepare().catch((error: unknown) => {
        o.logger.warn(
          { err: error instanceof Error ? error.message : String(error), topic: o.topic },
          'shadow tap transport not ready yet; captures queue (bounded) and are retried',
        );
      });
      const ready = await Promise.race([Promise.all([known, prepared]).then(() => true), bound.promise.then(() => false)]);
      if (!ready) {
        o.logger.error(
          { topic: o.topic, controlState: this.#controlState, startTimeoutMs: o.startTimeoutMs },
          `shadow tap start() gave up waiting after ${o.startTimeoutMs} ms; ${this.#controlState === 'unknown' ? 'not mirroring until the kill-switch state is read' : 'the producer connects in the background'}`,
        );
      }
    } finally {
      bound.cancel();
    }
  }

  onSampling(listener: (sampling: ControlSampling | null) => void): void {
    this.#samplingListeners.add(listener);
    listener(this.#sampling);
  }

  #onControl(event: ControlEvent): void {
    if (event.kind === 'sampling') {
      this.#sampling = event.current;
      for (const listener of this.#samplingListeners) {
        try {
          listener(event.current);
        } catch (error) {
          this.#o.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shadow tap sampling listener threw');
        }
      }
      if (samplingChannel.hasSubscribers) samplingChannel.publish(event);
      return;
    }
    this.#controlState = event.state;
    this.#recomputeEnabled();
    // The watcher (on the worker or in this thread) knows nothing of the tap's channel: published here.
    if (controlChannel.hasSubscribers) controlChannel.publish(event);
    if (event.state !== 'unknown') {
      this.#controlKnown?.();
      this.#controlKnown = undefined;
    }
  }

  close(timeoutMs: number = this.#o.closeTimeoutMs): Promise<TransportStats> {
    this.#closing ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      this.#closed = true;
      this.#recomputeEnabled();
      await this.#sender.close(timeoutMs);
      this.#controlKnown?.();
      const rest = this.#sink.close().catch((error: unknown) => {
        this.#o.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'shadow tap transport disconnect failed');
      });
      // Disconnecting shares the bound; what does not finish in time completes in the background.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        rest,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
      // A producer worker still disconnecting past the bound is ended, so it cannot keep the process alive.
      if (this.#sink instanceof WorkerSink) await this.#sink.terminate();
      this.#warn.flush();
      const stats = this.stats();
      this.#o.logger.info({ ...stats }, 'shadow tap transport closed');
      return stats;
    })();
    return this.#closing;
  }
}

/**
 * Creates the Kafka transport. Options are validated here (TAP_INVALID_OPTION names the field);
 * nothing connects until start().
 */
export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  return new KafkaTransportImpl(options);
}
