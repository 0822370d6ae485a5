// Lands the labels topic (ground truth arriving later: a chargeback, a click) in the `labels`
// table. It runs inside the joiner process because embedded chDB allows one engine per process and
// the joiner owns it; it has its own consumer group so a burst of labels never stalls the pair
// join's co-partitioned consumption, and the pair join never delays labels.
//
// Delivery: at least once. A fetched batch (one partition) is decoded, inserted, and only then its
// offsets are committed; a crash between insert and commit re-inserts the same rows, which the
// table's key (exchange_id, name) and argMax-by-observation reads count once. A record that is not
// a usable label goes to the dead-letter topic with the reason, and the partition moves on.
import { hostname } from 'node:os';
import { ensureCommandFor, labelContract, labelProblems, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { Label } from '@shadow/contracts';
import { Partitioners } from 'kafkajs';
import type { Consumer, EachBatchPayload, Producer } from 'kafkajs';
import { JoinError, toJoinError } from '../errors.js';
import type { InsertFn } from '../writer/batch-writer.js';
import { labelRow } from './label-rows.js';
import type { LabelIngesterOptions, ResolvedLabelIngesterOptions } from './options.js';
import { resolveLabelIngesterOptions } from './options.js';
import type { LabelIngesterStats, LabelRow } from './types.js';

export interface LabelIngester {
  /** Checks the topics exist, joins the group and starts landing. Rejects naming a missing topic. */
  start(): Promise<void>;
  /** Stops consuming (the batch in hand lands and commits first). Idempotent. */
  close(): Promise<void>;
  stats(): LabelIngesterStats;
  readonly topic: string;
}

export function createLabelIngester(options: LabelIngesterOptions): LabelIngester {
  return new KafkaLabelIngester(resolveLabelIngesterOptions(options));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class KafkaLabelIngester implements LabelIngester {
  readonly topic: string;
  readonly #o: ResolvedLabelIngesterOptions;
  readonly #deadLetterTopic: string;
  readonly #serde: RecordSerde<Label>;
  readonly #insert: InsertFn;
  readonly #stats: LabelIngesterStats = { received: 0, landed: 0, deadLettered: 0, retries: 0, lastLandedMs: null };
  #consumer: Consumer | undefined;
  #producer: Producer | undefined;
  #closing: Promise<void> | undefined;

  constructor(o: ResolvedLabelIngesterOptions) {
    this.#o = o;
    const names = topicNames(o.topicPrefix);
    this.topic = names.labels;
    this.#deadLetterTopic = names.deadLetter;
    this.#serde = new RecordSerde({ registry: o.registry, contract: labelContract, subject: subjectFor(names.labels), autoRegister: false });
    const client = o.clickhouse.client;
    this.#insert =
      o.insert ??
      (async (table, rows) => {
        await client.insert({ table, values: rows as object[], format: 'JSONEachRow' });
      });
  }

  stats(): LabelIngesterStats {
    return { ...this.#stats };
  }

  async start(): Promise<void> {
    const admin = this.#o.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [this.topic, this.#deadLetterTopic].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new JoinError(
          'JOIN_TOPIC_MISSING',
          `labels: topic ${missing.join(', ')} does not exist; create it with \`${ensureCommandFor(this.#o.topicPrefix)}\``,
        );
      }
    } finally {
      await admin.disconnect();
    }
    this.#producer = this.#o.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await this.#producer.connect();
    const consumer = this.#o.kafka.consumer({
      groupId: this.#o.groupId,
      sessionTimeout: this.#o.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.#o.sessionTimeoutMs / 10),
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.#o.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'labels consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: this.#o.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#onBatch(payload),
    });
    this.#o.logger.info({ topic: this.topic, groupId: this.#o.groupId, table: this.#o.table }, 'labels ingester started');
  }

  async #onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const last = batch.messages[batch.messages.length - 1];
    if (last === undefined) return;
    const rows: LabelRow[] = [];
    const now = Date.now();
    for (const message of batch.messages) {
      if (message.value === null) continue;
      this.#stats.received += 1;
      let label: Label;
      try {
        label = await this.#serde.decode(message.value);
      } catch (err) {
        const error = toJoinError(err);
        // Registry unreachable: not the record's fault; kafkajs re-delivers the batch.
        if (error.retriable || (error.cause as { retriable?: boolean } | undefined)?.retriable === true) throw error;
        await this.#deadLetter(batch.partition, message.offset, message.key, message.value, 'undecodable', error.message);
        continue;
      }
      const problems = labelProblems(label);
      if (problems.length > 0) {
        await this.#deadLetter(batch.partition, message.offset, message.key, message.value, 'invalid_label', `invalid label: ${problems.join('; ')}`);
        continue;
      }
      rows.push(labelRow(label, now));
    }
    if (rows.length > 0) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.#insert(this.#o.table, rows);
          break;
        } catch (err) {
          // Without a running consumer the batch is dropped uncommitted and re-read later.
          if (!isRunning() || isStale()) throw toJoinError(err, 'JOIN_INSERT_FAILED');
          const error = toJoinError(err, 'JOIN_INSERT_FAILED');
          this.#stats.retries += 1;
          this.#o.hooks.onRetry?.(error, attempt);
          this.#o.logger.warn({ err: error, attempt, rows: rows.length }, 'labels insert failed; retrying');
          await sleep(Math.min(this.#o.retryMaxMs, this.#o.retryInitialMs * 2 ** (attempt - 1)));
          await heartbeat();
        }
      }
      this.#stats.landed += rows.length;
      this.#stats.lastLandedMs = Date.now();
      this.#o.hooks.onLanded?.(rows.length);
    }
    resolveOffset(last.offset);
    try {
      await this.#consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
    } catch (err) {
      throw toJoinError(err, 'JOIN_COMMIT_FAILED');
    }
    await heartbeat();
  }

  async #deadLetter(
    partition: number,
    offset: string,
    key: Buffer | null,
    value: Buffer,
    kind: 'undecodable' | 'invalid_label',
    reason: string,
  ): Promise<void> {
    this.#stats.deadLettered += 1;
    this.#o.hooks.onDeadLetter?.(this.topic, kind);
    this.#o.logger.warn({ topic: this.topic, partition, offset, reason }, 'label record sent to the dead-letter topic');
    await this.#producer?.send({
      topic: this.#deadLetterTopic,
      messages: [
        {
          key,
          value,
          headers: {
            'shadow-dlq-reason': reason.slice(0, 1000),
            'shadow-dlq-source': `${this.topic}/${partition}/${offset}`,
            'shadow-dlq-by': `joiner-labels@${hostname()}`,
          },
        },
      ],
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#consumer?.disconnect();
      await this.#producer?.disconnect();
    })();
    return this.#closing;
  }
}
