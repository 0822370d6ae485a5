// The replayer obeys the same kill switch as the tap: the compacted control topic
// (docs/contracts.md "Kill switch"). @shadow/tap does not export its ControlWatcher, so this is a
// small reader of the same topic with the same rules: a pause of `*` or of one of this replayer's
// keys (default `shadow-replayer`) wins; the state is `unknown` (treated as paused) until the topic
// was read to the end offsets seen at start, or `startTimeoutMs` passed (then active, logged).
//
// Each watcher has its own consumer group that never commits, so every instance reads the whole
// (compacted) topic at start and every change after it.
import { randomUUID } from 'node:crypto';
import { createTopicsAndWait, topicSpec } from '@shadow/contracts';
import type { Consumer, Kafka } from 'kafkajs';
import type { ReplayLogger } from '../logger.js';
import { errorMessage, silentLogger } from '../logger.js';

export type KillSwitchState = 'active' | 'paused' | 'unknown';

/** What the replayer needs from a kill switch; the tap's ControlWatcher has the same shape. */
export interface KillSwitch {
  readonly state: KillSwitchState;
  onChange(listener: (event: { state: KillSwitchState }) => void): () => void;
}

export interface ControlTopicSwitchOptions {
  kafka: Kafka;
  /** The control topic (`topicNames(prefix).control`). */
  topic: string;
  /** Keys besides `*` this replayer obeys. @default ['shadow-replayer'] */
  keys?: readonly string[] | undefined;
  /** @default 15000 */
  startTimeoutMs?: number | undefined;
  logger?: ReplayLogger | undefined;
}

/** An always-active switch (tests, or operators who opt out). */
export const ALWAYS_ACTIVE: KillSwitch = Object.freeze({ state: 'active' as const, onChange: () => () => undefined });

export class ControlTopicSwitch implements KillSwitch {
  readonly #o: Required<Pick<ControlTopicSwitchOptions, 'kafka' | 'topic'>> & { keys: readonly string[]; startTimeoutMs: number; logger: ReplayLogger };
  readonly #entries = new Map<string, string>();
  readonly #listeners = new Set<(event: { state: KillSwitchState }) => void>();
  #state: KillSwitchState = 'unknown';
  #known = false;
  #consumer: Consumer | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: ControlTopicSwitchOptions) {
    this.#o = { kafka: options.kafka, topic: options.topic, keys: options.keys ?? ['shadow-replayer'], startTimeoutMs: options.startTimeoutMs ?? 15_000, logger: options.logger ?? silentLogger };
  }

  get state(): KillSwitchState {
    return this.#state;
  }

  onChange(listener: (event: { state: KillSwitchState }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts reading in the background; resolves once the consumer runs (not once caught up). */
  async start(): Promise<void> {
    const { kafka, topic } = this.#o;
    this.#timer = setTimeout(() => {
      if (this.#known) return;
      this.#known = true;
      this.#o.logger.error({ topic }, 'kill-switch topic not read in time; replaying without knowing its state');
      this.#recompute();
    }, this.#o.startTimeoutMs);
    this.#timer.unref();
    const admin = kafka.admin();
    let pending = new Map<number, number>();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) {
        // No control topic: nobody ever paused anything. Create it (compacted, like the tap's watcher
        // does) so a pause written later is seen; without the right to create it, replay unwatched.
        try {
          // The one control-topic spec (compacted, tombstone retention), and a wait on metadata rather
          // than kafkajs' waitForLeaders, which can throw on a busy broker after creating the topic.
          await createTopicsAndWait(admin, [topicSpec('control', topic, { partitions: 1 })], 30_000);
        } catch (error) {
          this.#known = true;
          this.#recompute();
          this.#o.logger.warn({ topic, err: errorMessage(error) }, 'kill-switch topic absent and not created; replaying without watching it');
          return;
        }
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      pending = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const caughtUp = (): void => {
      if (!this.#known && pending.size === 0) {
        this.#known = true;
        this.#recompute();
      }
    };
    const consumer = kafka.consumer({ groupId: `shadow-replayer-control.${randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 });
    this.#consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = pending.get(payload.partition);
      if (end !== undefined && Number(payload.lastOffset) + 1 >= end) {
        pending.delete(payload.partition);
        caughtUp();
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8');
          if (key === undefined) continue;
          if (m.value === null) {
            this.#entries.delete(key);
            continue;
          }
          try {
            const parsed = JSON.parse(m.value.toString('utf8')) as { mirroring?: unknown };
            if (parsed.mirroring === 'paused' || parsed.mirroring === 'active') this.#entries.set(key, parsed.mirroring);
          } catch (error) {
            this.#o.logger.warn({ topic, key, err: errorMessage(error) }, 'ignoring invalid control message');
          }
        }
        this.#recompute();
      },
    });
    caughtUp();
  }

  #recompute(): void {
    if (!this.#known || this.#closed) return;
    const paused = ['*', ...this.#o.keys].some((k) => this.#entries.get(k) === 'paused');
    const state: KillSwitchState = paused ? 'paused' : 'active';
    if (state === this.#state) return;
    this.#state = state;
    this.#o.logger.info({ state }, `replay ${state} (kill switch)`);
    for (const l of this.#listeners) l({ state });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#consumer?.disconnect().catch(() => undefined);
  }
}

/** Resolves when the switch is active; calls `tick` (e.g. a heartbeat) every `everyMs` while waiting. */
export async function waitWhilePaused(killSwitch: KillSwitch, stopped: () => boolean, tick: () => Promise<void>, everyMs = 500): Promise<void> {
  while (killSwitch.state !== 'active' && !stopped()) {
    await new Promise((r) => setTimeout(r, everyMs));
    await tick();
  }
}
