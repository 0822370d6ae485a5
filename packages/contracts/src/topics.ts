// Topic names, partition keys and subject names live here and nowhere else.
//
// Every record about one exchange is keyed by its exchange id. Producers use the Java-compatible
// murmur2 partitioner (kafkajs `Partitioners.DefaultPartitioner`, the Java client's default), so
// one exchange lands in the same partition number on every topic with the same partition count:
// the joiner can then consume exchanges, results and side effects partition by partition.
import { ContractsError } from './errors.js';

/** Base names of the topics, without prefix. The `.v1` suffix changes only with a new, incompatible contract. */
export const TOPIC_BASE_NAMES = Object.freeze({
  /** CapturedExchange records from the tap. */
  exchanges: 'shadow.exchanges.v1',
  /** ShadowResult records from the replayer. */
  results: 'shadow.results.v1',
  /** SideEffect records from the live side and the replayer's mocks. */
  sideEffects: 'shadow.side-effects.v1',
  /** Kill switch: compacted, JSON values, key = service name or `*`. Not Avro. */
  control: 'shadow.control.v1',
  /**
   * Records a consumer could not process (bad magic byte, unknown schema id, truncated Avro, ...):
   * the original key and value bytes, the reason and the source topic/partition/offset in headers.
   */
  deadLetter: 'shadow.dead-letter.v1',
  /**
   * Label records (ground truth arriving later: a chargeback, a click), keyed by exchange id with
   * the joined topics' partition count; the joiner lands them in the `labels` table.
   */
  labels: 'shadow.labels.v1',
  /**
   * ReplayProgress records: which exchanges a replayer passed and sent to each challenger (live
   * shadowing), where a historical run started and ended. Written to an explicit partition, the
   * exchanges partition they describe, so it has the joined topics' partition count; the joiner
   * consumes it with them (an exchange is unmatched only when a replayer was expected to replay it).
   */
  progress: 'shadow.replay-progress.v1',
});

export type TopicRole = keyof typeof TOPIC_BASE_NAMES;
export type TopicNames = Readonly<Record<TopicRole, string>>;

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;

/**
 * Topic names, optionally prefixed for multi-tenant or test isolation: `topicNames('t-1.')`
 * gives `t-1.shadow.exchanges.v1`. The prefix is used verbatim (include your own separator).
 */
export function topicNames(prefix = ''): TopicNames {
  if (prefix !== '' && !LEGAL_TOPIC.test(prefix)) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT',
      `topic prefix "${prefix}" may only contain ASCII letters, digits, ".", "_" and "-"`);
  }
  const names = {} as Record<TopicRole, string>;
  for (const role of Object.keys(TOPIC_BASE_NAMES) as TopicRole[]) {
    const name = `${prefix}${TOPIC_BASE_NAMES[role]}`;
    if (name.length > MAX_TOPIC_LENGTH) {
      throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `topic prefix "${prefix}" makes "${name}" longer than ${MAX_TOPIC_LENGTH} characters`);
    }
    names[role] = name;
  }
  return Object.freeze(names);
}

/** The unprefixed topic names. */
export const topics: TopicNames = topicNames();

/**
 * The Kafka record key for every record about one exchange: the exchange id's UTF-8 bytes.
 * Throws CONTRACTS_INVALID_ARGUMENT for an empty id (an empty key would put every such record
 * on one partition and break the per-exchange join).
 */
export function partitionKey(exchangeId: string): string {
  if (typeof exchangeId !== 'string' || exchangeId.length === 0) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'exchangeId must be a non-empty string to be used as a partition key');
  }
  return exchangeId;
}

/** Registry subject of a topic's values: Confluent TopicNameStrategy, `<topic>-value`. */
export function subjectFor(topic: string): string {
  if (!LEGAL_TOPIC.test(topic)) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `"${topic}" is not a legal Kafka topic name`);
  }
  return `${topic}-value`;
}
