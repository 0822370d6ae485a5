// The producer side of the labels topic, for users' code (a chargeback handler, a click pipeline)
// and for the joiner's `POST /labels`: the topic stays the one source of truth, the joiner lands it.
import { assertLabel, labelContract, partitionKey, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { Label, SchemaRegistry } from '@shadow/contracts';
import { Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { LabelInput } from './types.js';

export interface PublishLabelsOptions {
  /** Prefix of every topic name (topicNames(prefix)). @default '' */
  topicPrefix?: string;
  /** `source` of labels that do not name one. @default '' */
  source?: string;
  /** Clock for a missing observedTimeMs. @default Date.now */
  now?: () => number;
}

export interface LabelPublisher {
  /** Validates every label first (none is sent when one is invalid), then produces them, acks=all. */
  publish(labels: readonly LabelInput[]): Promise<{ published: number }>;
  close(): Promise<void>;
}

/** Completes and checks one input; throws CONTRACTS_INVALID_ARGUMENT naming the index and field. */
function toLabel(input: LabelInput, index: number, options: PublishLabelsOptions, now: number): Label {
  const label: Label = {
    exchangeId: input.exchangeId,
    name: input.name,
    value: input.value,
    observedTimeMs: input.observedTimeMs ?? now,
    source: input.source ?? options.source ?? '',
  };
  try {
    return assertLabel(label);
  } catch (err) {
    (err as Error).message = `labels[${index}]: ${(err as Error).message}`;
    throw err;
  }
}

/** A long-lived publisher (one producer, the schema registered once). */
export function createLabelPublisher(kafka: Kafka, registry: SchemaRegistry, options: PublishLabelsOptions = {}): LabelPublisher {
  const topic = topicNames(options.topicPrefix ?? '').labels;
  const serde = new RecordSerde({ registry, contract: labelContract, subject: subjectFor(topic) });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const connected = (): Promise<Producer> => {
    connecting ??= (async () => {
      // murmur2 like every producer of the joined topics: a label lands on its exchange's partition.
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true });
      await p.connect();
      producer = p;
      return p;
    })();
    connecting.catch(() => {
      connecting = undefined;
    });
    return connecting;
  };
  return {
    async publish(inputs) {
      const now = (options.now ?? Date.now)();
      const labels = inputs.map((input, i) => toLabel(input, i, options, now));
      if (labels.length === 0) return { published: 0 };
      await serde.init();
      const messages = labels.map((l) => ({ key: partitionKey(l.exchangeId), value: serde.encodeSync(l) }));
      const p = await connected();
      await p.send({ topic, acks: -1, messages });
      return { published: labels.length };
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
      connecting = undefined;
    },
  };
}

/** One-shot: publishes `labels` to the labels topic and disconnects. */
export async function publishLabels(
  kafka: Kafka,
  registry: SchemaRegistry,
  labels: readonly LabelInput[],
  options: PublishLabelsOptions = {},
): Promise<{ published: number }> {
  const publisher = createLabelPublisher(kafka, registry, options);
  try {
    return await publisher.publish(labels);
  } finally {
    await publisher.close();
  }
}
