// Watches the compacted control topic and delivers what it says for one service: its mirroring
// state (the kill switch) and its sampling rate, obeyed by every tap (on its producer worker thread)
// and every replayer. Records of kinds this version does not know are skipped (control-record.ts),
// so a new kind adds a parser, a getter and an event here, and no caller learns anything about Kafka.
//
// Design: every watcher uses its own consumer group (`<prefix>.<service>.<host>.<pid>.<random>`)
// with autoCommit off and fromBeginning on. Each instance therefore reads every entry at start
// (the compacted topic holds the latest value per key) and receives changes as soon as they are
// written: fetches long-poll, so a change arrives in well under a second. kafkajs has no
// group-less assign(), which is why a group is needed at all. The groups cost nothing lasting:
// they never commit offsets, so the coordinator forgets them once empty; close() also deletes the
// group explicitly, so only crashed instances leave one behind until that cleanup.
//
// Until the topic has been read to the end offsets seen at start the state is `unknown`, which
// the tap and the replayer treat as paused: a pause in force must not leak while they start.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { parseControlKey, parseControlValue, parseSamplingValue } from './control-record.js';
import { effectiveSampling, effectiveState } from './control-state.js';
import { ensureControlTopic } from './control-topic.js';
import type { ControlWatcherOptions, ResolvedControlWatcherOptions } from './options.js';
import { resolveControlWatcherOptions } from './options.js';
import type { ControlEvent, ControlMessage, ControlSampling, ControlState, ControlStateEvent, SamplingEvent, SamplingMessage } from './types.js';

const MAX_BACKOFF_MS = 30_000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class ControlWatcher {
  readonly groupId: string;
  readonly #o: ResolvedControlWatcherOptions;
  readonly #entries = new Map<string, ControlMessage>();
  /** Sampling entries by service (or `*`), not by key. */
  readonly #sampling = new Map<string, SamplingMessage>();
  #samplingOwn: ControlSampling | null = null;
  readonly #listeners = new Set<(event: ControlEvent) => void>();
  readonly #skippedKinds = new Set<string>();
  #state: ControlState = 'unknown';
  #caughtUp = false;
  #failedOpen = false;
  #closed = false;
  #connectedOnce = false;
  #run: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #endSession: (() => void) | undefined;
  #wakeSleep: (() => void) | undefined;

  constructor(options: ControlWatcherOptions) {
    this.#o = resolveControlWatcherOptions(options);
    const host = hostname().replace(/[^a-zA-Z0-9._-]/g, '_');
    this.groupId = `${this.#o.groupIdPrefix}.${this.#o.service}.${host}.${process.pid}.${randomUUID().slice(0, 8)}`;
  }

  /** `unknown` until the topic was read to its end (or startTimeoutMs passed), then active/paused. */
  get state(): ControlState {
    return this.#state;
  }

  /** True once the control topic has been read to the end offsets seen at start. */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** Every mirroring entry read so far, by key (service or `*`); what `shadow status` lists. */
  get entries(): ReadonlyMap<string, ControlMessage> {
    return new Map(this.#entries);
  }

  /** Every sampling entry read so far, by service (or `*`). */
  get samplingEntries(): ReadonlyMap<string, SamplingMessage> {
    return new Map(this.#sampling);
  }

  /** The control rate of this watcher's services (own entry over `*`), null while none or not yet known. */
  get sampling(): ControlSampling | null {
    return this.#samplingOwn;
  }

  /**
   * The control rate for any service (own entry over `*`), or null; what a replayer asks per
   * exchange. A map lookup, no copy. Null until the topic was read (the replayer is paused then).
   */
  samplingRateOf(service: string): ControlSampling | null {
    if (!this.#caughtUp && !this.#failedOpen) return null;
    const own = this.#sampling.get(service);
    if (own !== undefined) return { rate: own.sampling.rate, key: service, message: own };
    const all = this.#sampling.get('*');
    return all === undefined ? null : { rate: all.sampling.rate, key: '*', message: all };
  }

  /** Calls `listener` on every change (mirroring state, sampling rate); returns the unsubscribe function. */
  onChange(listener: (event: ControlEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts watching in the background; never waits for Kafka. Idempotent. */
  start(): void {
    if (this.#run !== undefined || this.#closed) return;
    if (this.#o.startTimeoutMs === 0) {
      this.#failOpen();
    } else {
      this.#startTimer = setTimeout(() => this.#failOpen(), this.#o.startTimeoutMs);
      this.#startTimer.unref();
    }
    this.#run = this.#loop();
  }

  /** Stops watching, leaves and deletes the consumer group (best effort). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      clearTimeout(this.#startTimer);
      this.#wakeSleep?.();
      this.#endSession?.();
      await this.#run;
      if (!this.#connectedOnce) return;
      const admin = this.#o.kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([this.groupId]);
      } catch (error) {
        this.#o.logger.debug({ groupId: this.groupId, err: errorMessage(error) }, 'control consumer group not deleted; Kafka removes it once empty');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    })();
    return this.#closing;
  }

  #failOpen(): void {
    if (this.#caughtUp || this.#closed) return;
    this.#failedOpen = true;
    if (this.#o.startTimeoutMs > 0) {
      this.#o.logger.error(
        { topic: this.#o.topic, startTimeoutMs: this.#o.startTimeoutMs },
        `${this.#o.subject}: control topic not read in time; going on without knowing the kill switch state`,
      );
    }
    this.#recompute('timeout');
  }

  async #loop(): Promise<void> {
    let backoff = this.#o.retryBackoffMs;
    while (!this.#closed) {
      try {
        await this.#session();
        backoff = this.#o.retryBackoffMs;
      } catch (error) {
        if (this.#closed) return;
        this.#o.logger.warn(
          { topic: this.#o.topic, err: errorMessage(error), retryInMs: backoff },
          `${this.#o.subject}: control topic watcher failed; retrying`,
        );
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      timer.unref();
      this.#wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #session(): Promise<void> {
    const { kafka, topic } = this.#o;
    const admin = kafka.admin();
    /** partition -> end offset that must be read before the state is known */
    let pending: Map<number, number>;
    await admin.connect();
    try {
      try {
        await ensureControlTopic(admin, topic);
      } catch (error) {
        this.#o.logger.debug({ topic, err: errorMessage(error) }, 'control topic not created (may exist or lack permission)');
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      pending = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (this.#closed) return;

    const consumer: Consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.#o.maxWaitTimeMs,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    const ended = new Promise<void>((resolve, reject) => {
      this.#endSession = resolve;
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
    ended.catch(() => undefined); // a crash after close() must not become an unhandled rejection
    const markCaughtUp = (): void => {
      if (!this.#caughtUp && pending.size === 0) {
        this.#caughtUp = true;
        clearTimeout(this.#startTimer);
        this.#recompute('topic');
      }
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = pending.get(payload.partition);
      if (end !== undefined && Number(payload.lastOffset) + 1 >= end) {
        pending.delete(payload.partition);
        markCaughtUp();
      }
    });
    try {
      await consumer.connect();
      this.#connectedOnce = true;
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          // Apply the whole batch before deciding, so replaying history does not flap the state.
          for (const message of batch.messages) this.#apply(message);
          this.#recompute('topic');
        },
      });
      markCaughtUp();
      if (!this.#closed) await ended;
    } finally {
      this.#endSession = undefined;
      await consumer.disconnect().catch(() => undefined);
    }
  }

  #apply(message: KafkaMessage): void {
    const key = message.key?.toString('utf8');
    if (key === undefined) return;
    const address = parseControlKey(key);
    if (!address.known) {
      if (!this.#skippedKinds.has(address.kind)) {
        this.#skippedKinds.add(address.kind);
        this.#o.logger.debug({ topic: this.#o.topic, key, kind: address.kind }, 'skipping control records of a kind this version does not know');
      }
      return;
    }
    if (address.kind === 'sampling') {
      const parsed = parseSamplingValue(message.value);
      if (!parsed.ok) {
        this.#o.logger.warn({ topic: this.#o.topic, key, offset: message.offset, err: parsed.error }, 'ignoring invalid control message');
        return;
      }
      if (parsed.message === null) this.#sampling.delete(address.service);
      else this.#sampling.set(address.service, parsed.message);
      return;
    }
    const parsed = parseControlValue(message.value);
    if (!parsed.ok) {
      this.#o.logger.warn({ topic: this.#o.topic, key, offset: message.offset, err: parsed.error }, 'ignoring invalid control message');
      return;
    }
    if (parsed.message === null) this.#entries.delete(key);
    else this.#entries.set(key, parsed.message);
  }

  #emit(event: ControlEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#o.logger.error({ err: errorMessage(error) }, 'control state listener threw');
      }
    }
  }

  #recomputeSampling(cause: SamplingEvent['cause']): void {
    const current = effectiveSampling(this.#sampling, this.#o.services);
    const previous = this.#samplingOwn;
    if (current?.rate === previous?.rate && current?.key === previous?.key) return;
    this.#samplingOwn = current;
    this.#o.logger.info(
      {
        service: this.#o.service,
        rate: current?.rate ?? null,
        previous: previous?.rate ?? null,
        key: current?.key ?? null,
        reason: current?.message.reason,
        by: current?.message.by,
      },
      current === null ? `${this.#o.subject}: sampling back to configuration` : `${this.#o.subject}: sampling rate ${current.rate} from the control topic`,
    );
    this.#emit({ kind: 'sampling', service: this.#o.service, current, previous, cause });
  }

  #recompute(cause: ControlStateEvent['cause']): void {
    if (!this.#caughtUp && !this.#failedOpen) return;
    // Sampling first: a tap told to resume at a new rate must not send one batch at the old one.
    this.#recomputeSampling(cause);
    const effective = effectiveState(this.#entries, this.#o.services);
    const previous = this.#state;
    if (effective.state === previous) return;
    this.#state = effective.state;
    const event: ControlStateEvent = {
      kind: 'mirroring',
      service: this.#o.service,
      state: effective.state,
      previous,
      key: effective.key,
      message: effective.message,
      cause,
    };
    this.#o.logger.info(
      { service: event.service, state: event.state, previous, key: event.key, reason: event.message?.reason, by: event.message?.by, at: event.message?.at },
      `${this.#o.subject} ${event.state}`,
    );
    this.#emit(event);
  }
}

/** Creates a watcher; call start() to begin. */
export function createControlWatcher(options: ControlWatcherOptions): ControlWatcher {
  return new ControlWatcher(options);
}
