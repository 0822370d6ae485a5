// The background half of the transport: drains the bounded queue in batches and hands them to a
// sink (Kafka in production, a fake in unit tests).
//
// - A partial batch lingers up to `lingerMs` for more records; a full one (records or bytes) goes
//   at once. Closing skips the linger.
// - Each batch gets `sendAttempts` attempts. An attempt is prepare (connect + schema id) then send;
//   after a failed attempt the sink is reset (a fresh producer: an idempotent kafkajs producer that
//   gave up on a request may have written it, and reusing its sequence numbers would make the
//   broker discard the next batch as a duplicate). Non-retriable failures end the batch at once.
// - Every record of a batch is settled exactly once: sent, or dropped as encode_error /
//   send_failed / closed. Records stay charged against the queue bound until then, so the bound
//   covers what is in flight and memory cannot grow while Kafka is down.
import { isContractsError } from '@shadow/contracts';
import type { Batch, BoundedQueue } from './bounded-queue.js';
import type { BatchEvent } from './diagnostics.js';
import type { DropReason } from './types.js';
import { TapError } from '../errors.js';

/**
 * Records prepared between two yields to the event loop. The Kafka transport's records arrive
 * encoded (the sink only stamps their header), so a slice is cheap; the yield bounds what a sink
 * with a costlier encode() could hold the loop for.
 */
const ENCODE_SLICE_RECORDS = 256;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface OutgoingMessage {
  key: string;
  value: Buffer;
}

export interface BatchSink<T> {
  /** Makes the sink ready to send (connect, schema id). Throwing fails the attempt. */
  prepare(): Promise<void>;
  /** Encodes one record; throwing drops it as encode_error. */
  encode(item: T): OutgoingMessage;
  send(messages: OutgoingMessage[]): Promise<void>;
  /** Discards connection state after a failed attempt. Must not throw. */
  reset(error: unknown): Promise<void>;
}

export interface SenderOptions {
  readonly topic: string;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly lingerMs: number;
  readonly maxRecordBytes: number;
  readonly sendAttempts: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
}

export interface SenderHooks {
  sent(records: number, bytes: number): void;
  dropped(reason: DropReason, count: number, detail?: string): void;
  batch(event: BatchEvent): void;
}

interface InFlight<T> {
  readonly batch: Batch<T>;
  settled: boolean;
  /** Records of the batch not yet counted (sent or dropped). */
  remaining: number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Failures that another attempt cannot fix (the batch fails at once). */
function isPermanent(error: unknown): boolean {
  if (isContractsError(error)) return !error.retriable;
  if (error instanceof TapError) return !error.retriable; // e.g. the producer worker died mid-batch
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'KafkaJSProtocolError') {
    return (error as { retriable?: unknown }).retriable === false;
  }
  return false;
}

export class Sender<T> {
  readonly #queue: BoundedQueue<T>;
  readonly #sink: BatchSink<T>;
  readonly #options: SenderOptions;
  readonly #hooks: SenderHooks;
  #loop: Promise<void> | undefined;
  #wakeup: (() => void) | undefined;
  #waitingIdle = false;
  #closing = false;
  #abandoned = false;
  /** Batches taken and not yet settled: at most two (one sending, the next one encoding). */
  readonly #inFlight = new Set<InFlight<T>>();
  /** Wakers of retry backoffs (close() cuts them short). */
  readonly #sleepers = new Set<() => void>();

  constructor(queue: BoundedQueue<T>, sink: BatchSink<T>, options: SenderOptions, hooks: SenderHooks) {
    this.#queue = queue;
    this.#sink = sink;
    this.#options = options;
    this.#hooks = hooks;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      // Not expected: every step is guarded. Keep the transport bounded by settling what is held.
      this.#hooks.dropped('send_failed', this.#queue.clear(), `sender stopped: ${errorMessage(error)}`);
    });
  }

  /** Called after each accepted offer: wakes the sender when it idles or a batch became full. O(1). */
  notify(): void {
    if (this.#wakeup !== undefined && (this.#waitingIdle || this.#batchFull())) this.#wake();
  }

  /**
   * Stops lingering, sends what is held within `timeoutMs`, then settles anything left as `closed`
   * (a batch already handed to Kafka may still arrive there).
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closing = true;
    this.#wake();
    for (const wake of this.#sleepers) wake();
    if (this.#loop !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([this.#loop.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'done') return;
    }
    this.#abandoned = true;
    this.#wake();
    for (const inFlight of this.#inFlight) if (!inFlight.settled) this.#settle(inFlight, 'closed');
    const left = this.#queue.clear();
    if (left > 0) this.#hooks.dropped('closed', left);
  }

  #batchFull(): boolean {
    return this.#queue.length >= this.#options.maxBatchRecords || this.#queue.queuedBytes >= this.#options.maxBatchBytes;
  }

  #wake(): void {
    const wakeup = this.#wakeup;
    this.#wakeup = undefined;
    wakeup?.();
  }

  /** Resolves after `ms` or on wake(), whichever comes first. */
  #wait(ms: number, idle = false): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#waitingIdle = idle;
      this.#wakeup = () => {
        clearTimeout(timer);
        this.#waitingIdle = false;
        resolve();
      };
      if (Number.isFinite(ms)) {
        timer = setTimeout(() => this.#wake(), ms);
        timer.unref();
      }
    });
  }

  /** Resolves after `ms`, or at once when close() begins. Independent of the run loop's wait. */
  #sleep(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.#sleepers.add(wake);
    });
  }

  // Two batches overlap: while one is being produced, the next is taken and prepared (sink.encode,
  // in slices), so preparing does not add to the time per batch. Produce requests
  // still go out one at a time and in order: each batch waits for the previous one to settle
  // before it is sent.
  async #run(): Promise<void> {
    let previous: Promise<void> = Promise.resolve();
    while (!this.#abandoned) {
      if (this.#queue.length === 0) {
        if (this.#closing) break;
        await this.#wait(Number.POSITIVE_INFINITY, true);
        continue;
      }
      if (!this.#closing && !this.#batchFull() && this.#options.lingerMs > 0) {
        await this.#wait(this.#options.lingerMs);
        if (this.#abandoned) break;
      }
      const batch = this.#queue.take(this.#options.maxBatchRecords, this.#options.maxBatchBytes);
      if (batch.items.length === 0) continue;
      const sending = this.#send({ batch, settled: false, remaining: batch.items.length }, previous);
      await previous;
      previous = sending;
    }
    await previous;
  }

  async #send(inFlight: InFlight<T>, previous: Promise<void>): Promise<void> {
    this.#inFlight.add(inFlight);
    const started = performance.now();
    let messages: OutgoingMessage[] | undefined;
    let bytes = 0;
    let droppedEarly = 0;
    let attempts = 0;
    let lastError: unknown;
    while (!inFlight.settled) {
      attempts++;
      try {
        await this.#sink.prepare();
        if (inFlight.settled) break;
        if (messages === undefined) {
          messages = [];
          let sliceEnd = 0;
          for (const item of inFlight.batch.items) {
            if (messages.length + droppedEarly >= sliceEnd) {
              // Encode in slices and let the application's I/O run in between: a whole batch in
              // one go blocked the event loop for milliseconds.
              if (sliceEnd > 0) await yieldToEventLoop();
              if (inFlight.settled) break;
              sliceEnd += ENCODE_SLICE_RECORDS;
            }
            let message: OutgoingMessage;
            try {
              message = this.#sink.encode(item);
            } catch (error) {
              droppedEarly++;
              inFlight.remaining--;
              this.#hooks.dropped('encode_error', 1, errorMessage(error));
              continue;
            }
            if (message.value.length > this.#options.maxRecordBytes) {
              droppedEarly++;
              inFlight.remaining--;
              this.#hooks.dropped('send_failed', 1, `record of ${message.value.length} bytes exceeds maxRecordBytes ${this.#options.maxRecordBytes}`);
              continue;
            }
            bytes += message.value.length;
            messages.push(message);
          }
        }
        await previous; // produce in order, one request at a time
        if (inFlight.settled) break; // close() gave up on it while encoding or waiting
        if (messages.length > 0) await this.#sink.send(messages);
        if (inFlight.settled) break; // close() gave up on it meanwhile; already counted as closed
        inFlight.settled = true;
        this.#queue.release(inFlight.batch);
        if (messages.length > 0) this.#hooks.sent(messages.length, bytes);
        this.#publish('sent', messages.length, bytes, droppedEarly, attempts, started);
        break;
      } catch (error) {
        lastError = error;
        await this.#sink.reset(error);
        if (inFlight.settled) break;
        if (attempts >= this.#options.sendAttempts || isPermanent(error) || this.#abandoned) {
          const failed = inFlight.remaining;
          inFlight.settled = true;
          this.#queue.release(inFlight.batch);
          if (failed > 0) this.#hooks.dropped('send_failed', failed, errorMessage(error));
          this.#publish('failed', failed, bytes, droppedEarly, attempts, started, errorMessage(lastError));
          break;
        }
        const backoff = Math.min(this.#options.retryBackoffMs * 2 ** (attempts - 1), this.#options.retryBackoffMaxMs);
        await this.#sleep(backoff * (0.5 + Math.random() / 2));
      }
    }
    this.#inFlight.delete(inFlight);
  }

  #settle(inFlight: InFlight<T>, reason: DropReason): void {
    inFlight.settled = true;
    this.#queue.release(inFlight.batch);
    if (inFlight.remaining > 0) this.#hooks.dropped(reason, inFlight.remaining);
  }

  #publish(outcome: BatchEvent['outcome'], records: number, bytes: number, dropped: number, attempts: number, started: number, error?: string): void {
    this.#hooks.batch({
      topic: this.#options.topic,
      outcome,
      records,
      bytes,
      dropped,
      attempts,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error }),
    });
  }
}
