// The Kafka side of the sender with the producer on the application's thread: an idempotent kafkajs
// producer and the exchange serde, plus the start-up topic check and the kill-switch watcher. Used
// only when the kafka settings cannot be sent to the producer worker (worker-sink.ts), e.g. a
// socketFactory or SASL callback; producer-worker.js mirrors it. Stats say which path was taken.
//
// A producer that failed an attempt is discarded, not reused (see sender.ts for why), and a new one
// is connected on the next attempt; that is also how capture resumes after an outage without a
// restart. Timeouts and retries are short and explicit so a dead broker costs seconds per
// attempt, not kafkajs' default minutes.
import { ControlWatcher } from '@shadow/contracts';
import type { CapturedExchange, ControlEvent, RecordSerde } from '@shadow/contracts';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { ResolvedKafkaTransportOptions } from './options.js';
import type { BatchSink, OutgoingMessage } from './sender.js';
import type { TopicCheckRequest, TopicCheckResult } from './topic-check.js';
import { checkExchangeTopic } from './topic-check.js';
import type { ControlWatchRequest } from './worker-sink.js';
import { withTimeout } from './with-timeout.js';

export class KafkaSink implements BatchSink<OutgoingMessage> {
  readonly #kafka: Kafka;
  readonly #serde: RecordSerde<CapturedExchange>;
  readonly #options: ResolvedKafkaTransportOptions;
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;
  /** Producers being disconnected in the background; close() waits for them. */
  readonly #retiring = new Set<Promise<void>>();
  #watcher: ControlWatcher | undefined;

  constructor(kafka: Kafka, serde: RecordSerde<CapturedExchange>, options: ResolvedKafkaTransportOptions) {
    this.#kafka = kafka;
    this.#serde = serde;
    this.#options = options;
  }

  checkTopic(request: TopicCheckRequest): Promise<TopicCheckResult> {
    return checkExchangeTopic(this.#kafka, request);
  }

  watchControl(request: ControlWatchRequest, onChange: (event: ControlEvent) => void): void {
    if (this.#watcher !== undefined) return;
    this.#watcher = new ControlWatcher({ kafka: this.#kafka, ...request, logger: this.#options.logger });
    this.#watcher.onChange(onChange);
    this.#watcher.start();
  }

  async prepare(): Promise<void> {
    if (this.#serde.schemaId === undefined) await this.#withTimeout(this.#serde.init(), 'schema registry lookup');
    if (this.#producer === undefined) await this.#connect();
  }

  /**
   * A registry that hangs must fail the attempt, not stall the sender. Clients from
   * createSchemaRegistry time out per request already (and retry); this also bounds a client
   * passed in as `registry` without a timeout.
   */
  #withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
    return withTimeout(work, 2 * this.#options.requestTimeoutMs, what);
  }

  #connect(): Promise<Producer> {
    this.#connecting ??= (async () => {
      const producer = this.#kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1, // kafkajs requires it for idempotence
        allowAutoTopicCreation: false,
        // kafkajs' DefaultPartitioner places keys exactly as the worker's partitioner.js (tested); that
        // plain-JS module cannot be imported here: packages compiling this source without allowJs would fail.
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: this.#options.kafkaRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      try {
        await producer.connect();
      } catch (error) {
        this.#retire(producer);
        throw error;
      }
      this.#producer = producer;
      return producer;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Frames encoded before the schema id was known get their header now (prepare() resolved it). */
  encode(message: OutgoingMessage): OutgoingMessage {
    this.#serde.stampWireHeader(message.value);
    return message;
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    const producer = this.#producer ?? (await this.#connect());
    await producer.send({
      topic: this.#options.topic,
      messages,
      acks: -1,
      timeout: this.#options.requestTimeoutMs,
      compression: this.#options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    });
  }

  async reset(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer !== undefined) this.#retire(producer);
  }

  #retire(producer: Producer): void {
    const done = producer
      .disconnect()
      .catch(() => undefined)
      .finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
  }

  /** Disconnects the current producer and waits for retired ones. */
  async close(): Promise<void> {
    await this.reset();
    await Promise.all([...this.#retiring, this.#watcher?.close()]);
  }
}
