// Live shadowing: a consumer group over the exchanges topic. Each batch is cut into chunks
// (processChunk): dispatch, produce results, wait for acks, commit. eachBatch with autoCommit off
// rather than eachMessage: a chunk's results go out in one produce request and one commit instead of
// one per message, and the offset committed is always the one after the last message whose
// results Kafka acknowledged.
//
// Shutdown (close): no new chunk starts; the chunk in flight finishes (its requests complete or
// time out), is produced and committed; then the consumer leaves the group.
import { randomUUID } from 'node:crypto';
import { topicNames, topicPrefixProblem } from '@shadow/contracts';
import type { SideEffect, TopicNames } from '@shadow/contracts';
import type { Consumer } from 'kafkajs';
import { resolveChallengers } from '../challenger/options.js';
import type { KillSwitch } from '../control/kill-switch.js';
import { ALWAYS_ACTIVE, waitWhilePaused } from '../control/kill-switch.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import type { DispatcherStats } from '../dispatch/types.js';
import { ReplayError, toReplayError } from '../errors.js';
import { processChunk } from '../kafka/chunk-processor.js';
import { ExchangeDecoder } from '../kafka/exchange-decoder.js';
import type { OutputCounts } from '../kafka/output-sink.js';
import { OutputSink, progressTopicProblem } from '../kafka/output-sink.js';
import type { ReplayLogger } from '../logger.js';
import { errorMessage, silentLogger } from '../logger.js';
import { ReplaySampler } from '../sampling/replay-sampler.js';
import type { LiveShadowOptions } from './options.js';

export interface LiveShadowStats {
  dispatch: DispatcherStats;
  output: OutputCounts;
  deadLettered: Record<string, number>;
  /** partition -> messages behind the high watermark after the last batch */
  lag: Record<number, number>;
  paused: boolean;
  running: boolean;
}

export class LiveShadow {
  readonly topics: TopicNames;
  readonly groupId: string;
  readonly #o: LiveShadowOptions;
  readonly #dispatcher: Dispatcher;
  readonly #decoder: ExchangeDecoder;
  readonly #sink: OutputSink;
  readonly #killSwitch: KillSwitch;
  readonly #logger: ReplayLogger;
  readonly #chunkSize: number;
  readonly #deadLettered: Record<string, number> = {};
  readonly #lag: Record<number, number> = {};
  #sandboxEffects: SideEffect[] = [];
  #consumer: Consumer | undefined;
  #stopping = false;
  #running = false;
  #closing: Promise<void> | undefined;

  constructor(options: LiveShadowOptions) {
    this.#o = options;
    const prefixProblem = topicPrefixProblem(options.topicPrefix ?? '');
    if (prefixProblem !== null) throw new ReplayError('REPLAY_INVALID_OPTION', `topicPrefix ${prefixProblem}`);
    this.topics = topicNames(options.topicPrefix ?? '');
    this.groupId = options.groupId ?? 'shadow-replayer';
    this.#logger = options.logger ?? silentLogger;
    this.#chunkSize = options.chunkSize ?? 256;
    if (!Number.isInteger(this.#chunkSize) || this.#chunkSize < 1)
      throw new ReplayError('REPLAY_INVALID_OPTION', `chunkSize must be a positive integer, got ${String(options.chunkSize)}`);
    this.#dispatcher = new Dispatcher({
      challengers: resolveChallengers(options.challengers),
      ordering: options.ordering,
      sampler: options.sampling === undefined ? undefined : new ReplaySampler(options.sampling),
      samplingControl: options.samplingControl,
      hooks: options.hooks,
      redactHeaders: options.redactHeaders,
      onResult: options.onResult,
      logger: this.#logger,
    });
    this.#decoder = new ExchangeDecoder(options.registry, this.topics.exchanges, `replayer:${this.groupId}`);
    this.#sink = new OutputSink(options.kafka, options.registry, this.topics, options.compression);
    this.#killSwitch = options.killSwitch ?? ALWAYS_ACTIVE;
  }

  get running(): boolean {
    return this.#running;
  }

  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** Queues a side effect reported by the sandbox; it is produced with the next chunk. */
  publishSideEffect(effect: SideEffect): void {
    this.#sandboxEffects.push(effect);
  }

  stats(): LiveShadowStats {
    return {
      dispatch: this.#dispatcher.stats(),
      output: { ...this.#sink.counts },
      deadLettered: { ...this.#deadLettered },
      lag: { ...this.#lag },
      paused: this.#killSwitch.state !== 'active',
      running: this.#running,
    };
  }

  /** Connects, joins the group and starts replaying; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { kafka } = this.#o;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [this.topics.exchanges, this.topics.results, this.topics.sideEffects, this.topics.deadLetter].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new ReplayError(
          'REPLAY_TOPIC_MISSING',
          `topic(s) ${missing.join(', ')} do not exist; create them first (ensureTopics from @shadow/contracts, or the shadow CLI)`,
        );
      }
      // Without the progress topic the replay still pairs; the joiner only loses "expected" (logged).
      const problem = await progressTopicProblem(admin, this.topics.exchanges, this.topics.progress, existing);
      if (problem !== null) {
        this.#logger.warn({ topic: this.topics.progress }, `replaying without progress records: ${problem}`);
        this.#sink.withoutProgress();
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await this.#sink.start();
    const consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 1024 * 1024,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#logger.error({ err: errorMessage(payload.error), restart: payload.restart }, 'replayer consumer crashed');
      if (!payload.restart) this.#running = false;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topics.exchanges, fromBeginning: this.#o.startFrom === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.#o.partitionsConsumedConcurrently ?? 4,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          const { topic, partition } = batch;
          const messages = batch.messages;
          for (let i = 0; i < messages.length; i += this.#chunkSize) {
            if (this.#stopping || !isRunning() || isStale()) return;
            await waitWhilePaused(this.#killSwitch, () => this.#stopping || !isRunning(), heartbeat);
            if (this.#stopping || !isRunning() || isStale()) return;
            await processChunk(messages.slice(i, i + this.#chunkSize), {
              topic,
              expectedTopic: this.topics.exchanges,
              partition,
              decoder: this.#decoder,
              dispatcher: this.#dispatcher,
              sink: this.#sink,
              liveSideEffects: this.#o.liveSideEffects,
              takeSandboxEffects: () => this.#sandboxEffects.splice(0),
              heartbeat,
              commit: async (offset) => {
                await consumer.commitOffsets([{ topic, partition, offset }]);
                // The fetch position follows resolved offsets; resolve only what is committed.
                resolveOffset((BigInt(offset) - 1n).toString());
              },
              onDeadLetter: (d) => {
                this.#deadLettered[d.code] = (this.#deadLettered[d.code] ?? 0) + 1;
                this.#o.onDeadLetter?.(d);
              },
              replayer: this.groupId,
              logger: this.#logger,
            });
            const lastOffset = messages[Math.min(i + this.#chunkSize, messages.length) - 1]?.offset;
            if (lastOffset !== undefined) {
              const lag = Math.max(0, Number(batch.highWatermark) - Number(lastOffset) - 1);
              this.#lag[partition] = lag;
              this.#o.onLag?.(topic, partition, lag);
            }
          }
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      await this.#sink.close();
      throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
    }
    this.#running = true;
    this.#logger.info(
      { groupId: this.groupId, topic: this.topics.exchanges, challengers: this.#dispatcher.challengers.map((c) => c.id), instance: randomUUID().slice(0, 8) },
      'live shadowing started',
    );
  }

  /** Drains: the chunk in flight completes, is produced and committed; then disconnects. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopping = true;
      // disconnect() waits for the running eachBatch calls to return.
      await this.#consumer?.disconnect().catch((error: unknown) => this.#logger.warn({ err: errorMessage(error) }, 'consumer disconnect failed'));
      const leftover = this.#sandboxEffects.splice(0);
      if (leftover.length > 0) await this.#sink.send([], leftover, []).catch(() => undefined);
      await this.#sink.close();
      await this.#dispatcher.close();
      this.#running = false;
      this.#logger.info({ output: this.#sink.counts }, 'live shadowing stopped');
    })();
    return this.#closing;
  }
}
