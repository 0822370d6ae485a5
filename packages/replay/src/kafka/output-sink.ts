// Produces what one processed chunk yields (results, side effects, dead letters) and resolves once
// Kafka acknowledged all of it (acks = all, idempotent producer). Callers commit the chunk's offsets
// only after that: at-least-once. Records are keyed by exchange id with the Java-compatible murmur2
// partitioner, so results land in the same partition number as their exchange.
import { RecordSerde, shadowResultContract, sideEffectContract, subjectFor } from '@shadow/contracts';
import type { SchemaRegistry, ShadowResult, SideEffect, TopicNames } from '@shadow/contracts';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { toReplayError } from '../errors.js';
import type { DeadLetter } from './exchange-decoder.js';

export interface OutputCounts {
  results: number;
  sideEffects: number;
  deadLetters: number;
}

export class OutputSink {
  readonly #producer: Producer;
  readonly #results: RecordSerde<ShadowResult>;
  readonly #effects: RecordSerde<SideEffect>;
  readonly #topics: TopicNames;
  readonly #compression: CompressionTypes;
  readonly counts: OutputCounts = { results: 0, sideEffects: 0, deadLetters: 0 };

  constructor(kafka: Kafka, registry: SchemaRegistry, topics: TopicNames, compression: 'none' | 'gzip' = 'none') {
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    this.#results = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(topics.results) });
    this.#effects = new RecordSerde({ registry, contract: sideEffectContract, subject: subjectFor(topics.sideEffects) });
    this.#topics = topics;
    this.#compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.#results.init(), this.#effects.init()]);
      await this.#producer.connect();
    } catch (error) {
      throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
    }
  }

  async send(results: readonly ShadowResult[], sideEffects: readonly SideEffect[], deadLetters: readonly DeadLetter[]): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    if (results.length > 0) {
      topicMessages.push({ topic: this.#topics.results, messages: results.map((r): Message => ({ key: r.exchangeId, value: this.#results.encodeSync(r) })) });
    }
    if (sideEffects.length > 0) {
      topicMessages.push({ topic: this.#topics.sideEffects, messages: sideEffects.map((e): Message => ({ key: e.exchangeId, value: this.#effects.encodeSync(e) })) });
    }
    if (deadLetters.length > 0) {
      topicMessages.push({ topic: this.#topics.deadLetter, messages: deadLetters.map((d): Message => ({ key: d.key, value: d.value, headers: d.headers })) });
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
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }
}
