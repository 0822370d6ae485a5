// Produces what one processed chunk yields (results, side effects, dead letters, progress records)
// and resolves once Kafka acknowledged all of it (acks = all, idempotent producer). Callers commit
// the chunk's offsets only after that: at-least-once. Records are keyed by exchange id with the
// Java-compatible murmur2 partitioner, so results land in the same partition number as their
// exchange; progress records name their partition explicitly (the exchanges partition they
// describe) and go in the same request, after the results they account for.
import { RecordSerde, replayProgressContract, shadowResultContract, sideEffectContract, subjectFor } from '@shadow/contracts';
import type { ReplayProgress, SchemaRegistry, ShadowResult, SideEffect, TopicNames } from '@shadow/contracts';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { toReplayError } from '../errors.js';
import type { DeadLetter } from './exchange-decoder.js';

export interface OutputCounts {
  results: number;
  sideEffects: number;
  deadLetters: number;
  progress: number;
}

export class OutputSink {
  readonly #producer: Producer;
  readonly #results: RecordSerde<ShadowResult>;
  readonly #effects: RecordSerde<SideEffect>;
  /** null: the progress topic is not there; progress records are dropped (see progressTopicUsable). */
  #progress: RecordSerde<ReplayProgress> | null;
  readonly #topics: TopicNames;
  readonly #compression: CompressionTypes;
  readonly counts: OutputCounts = { results: 0, sideEffects: 0, deadLetters: 0, progress: 0 };

  constructor(kafka: Kafka, registry: SchemaRegistry, topics: TopicNames, compression: 'none' | 'gzip' = 'none') {
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.#results = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(topics.results) });
    this.#effects = new RecordSerde({ registry, contract: sideEffectContract, subject: subjectFor(topics.sideEffects) });
    this.#progress = new RecordSerde({ registry, contract: replayProgressContract, subject: subjectFor(topics.progress) });
    this.#topics = topics;
    this.#compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  /** Whether progress records are produced (false once `withoutProgress` was called). */
  get progressEnabled(): boolean {
    return this.#progress !== null;
  }

  /** Call before start() when the progress topic is missing: progress records are then dropped. */
  withoutProgress(): void {
    this.#progress = null;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.#results.init(), this.#effects.init(), this.#progress?.init()]);
      await this.#producer.connect();
    } catch (error) {
      throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
    }
  }

  async send(
    results: readonly ShadowResult[],
    sideEffects: readonly SideEffect[],
    deadLetters: readonly DeadLetter[],
    progress: readonly ReplayProgress[] = [],
  ): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    if (results.length > 0) {
      topicMessages.push({ topic: this.#topics.results, messages: results.map((r): Message => ({ key: r.exchangeId, value: this.#results.encodeSync(r) })) });
    }
    if (sideEffects.length > 0) {
      topicMessages.push({
        topic: this.#topics.sideEffects,
        messages: sideEffects.map((e): Message => ({ key: e.exchangeId, value: this.#effects.encodeSync(e) })),
      });
    }
    if (deadLetters.length > 0) {
      topicMessages.push({ topic: this.#topics.deadLetter, messages: deadLetters.map((d): Message => ({ key: d.key, value: d.value, headers: d.headers })) });
    }
    const serde = this.#progress;
    const sentProgress = serde === null ? 0 : progress.length;
    if (serde !== null && progress.length > 0) {
      topicMessages.push({
        topic: this.#topics.progress,
        messages: progress.map((p): Message => ({ key: p.runId ?? p.replayer, value: serde.encodeSync(p), partition: p.partition })),
      });
    }
    if (topicMessages.length === 0) return;
    try {
      await this.#producer.sendBatch({ topicMessages, acks: -1, compression: this.#compression });
    } catch (error) {
      throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
    }
    this.counts.results += results.length;
    this.counts.sideEffects += sideEffects.length;
    this.counts.deadLetters += deadLetters.length;
    this.counts.progress += sentProgress;
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }
}

/**
 * Whether progress records can be written: the progress topic exists with the exchanges topic's
 * partition count. Otherwise the replay still runs and pairs, and the returned sentence says what
 * is lost (the joiner then counts the exchanges as not replayed and a run cannot be waited for).
 */
export async function progressTopicProblem(
  admin: ReturnType<Kafka['admin']>,
  exchangesTopic: string,
  progressTopic: string,
  existing: ReadonlySet<string>,
): Promise<string | null> {
  const lost = 'the joiner will count the replayed exchanges as not replayed (no unmatched rows) and cannot tell when a run has landed';
  if (!existing.has(progressTopic)) return `topic ${progressTopic} does not exist: ${lost}; create it with \`shadow topics ensure\``;
  const { topics } = await admin.fetchTopicMetadata({ topics: [exchangesTopic, progressTopic] });
  const count = (name: string): number => topics.find((t) => t.name === name)?.partitions.length ?? 0;
  if (count(progressTopic) !== count(exchangesTopic)) {
    return `topic ${progressTopic} has ${count(progressTopic)} partitions, the exchanges topic ${exchangesTopic} ${count(exchangesTopic)}: ${lost}; recreate it with ${count(exchangesTopic)}`;
  }
  return null;
}
