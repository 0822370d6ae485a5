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
const LEGAL_PREFIX = /^[a-zA-Z0-9._-]*$/;

/** The longest topic prefix: every prefixed name must stay within Kafka's 249 characters. */
export const MAX_TOPIC_PREFIX_LENGTH = MAX_TOPIC_LENGTH - Math.max(...Object.values(TOPIC_BASE_NAMES).map((name) => name.length));

/**
 * The one rule for a topic prefix (Kafka's topic-name rules): ASCII letters, digits, `.`, `_`, `-`,
 * at most MAX_TOPIC_PREFIX_LENGTH characters, `''` for none. Returns what is wrong, or null. Every
 * boundary that takes a prefix (service config, CLI flags, package options) checks it with this.
 */
export function topicPrefixProblem(prefix: unknown): string | null {
  if (typeof prefix !== 'string') return `must be a string, got ${prefix === null ? 'null' : typeof prefix}`;
  if (!LEGAL_PREFIX.test(prefix))
    return `may only contain ASCII letters, digits, ".", "_" and "-", got ${JSON.stringify(prefix.length > 60 ? `${prefix.slice(0, 60)}...` : prefix)}`;
  if (prefix.length > MAX_TOPIC_PREFIX_LENGTH)
    return `is ${prefix.length} characters, at most ${MAX_TOPIC_PREFIX_LENGTH} (it would make topic names longer than ${MAX_TOPIC_LENGTH}, Kafka's limit)`;
  return null;
}

// One resolution per prefix per process: every caller of topicNames(p) gets the same frozen object.
const resolved = new Map<string, TopicNames>();
const MAX_RESOLVED = 1_000;

/**
 * Topic names, optionally prefixed for multi-tenant or test isolation: `topicNames('t-1.')`
 * gives `t-1.shadow.exchanges.v1`. The prefix is used verbatim (include your own separator);
 * CONTRACTS_INVALID_ARGUMENT when it breaks topicPrefixProblem's rule.
 */
export function topicNames(prefix = ''): TopicNames {
  const hit = resolved.get(prefix);
  if (hit !== undefined) return hit;
  const problem = topicPrefixProblem(prefix);
  if (problem !== null) throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `topic prefix ${problem}`);
  const names = {} as Record<TopicRole, string>;
  for (const role of Object.keys(TOPIC_BASE_NAMES) as TopicRole[]) names[role] = `${prefix}${TOPIC_BASE_NAMES[role]}`;
  if (resolved.size >= MAX_RESOLVED) resolved.clear();
  const frozen = Object.freeze(names);
  resolved.set(prefix, frozen);
  return frozen;
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
