import { ContractsError } from '../errors.js';
import { TOPIC_BASE_NAMES, topicPrefixProblem } from '../topics.js';
import type { TopicRole } from '../topics.js';

/** Options of `ensureTopics` / `checkTopics`. Validated once; a bad value names the field. */
export interface TopicsOptions {
  /**
   * Prefix of every topic name, used verbatim (see `topicNames`).
   * @default ''
   */
  prefix?: string | undefined;
  /**
   * Partitions of the topics joined by exchange id (exchanges, results, sideEffects, progress) and
   * of the dead-letter and labels topics. When it is not given and some of those topics already exist with one
   * consistent count, missing ones are created with that count instead, so they stay joinable.
   * @default 6
   */
  partitions?: number | undefined;
  /**
   * Replication factor of created topics; `checkTopics` also reports existing topics with another
   * factor when it is given. Unset uses the broker's `default.replication.factor`.
   * @default undefined (broker default)
   */
  replicationFactor?: number | undefined;
  /**
   * `retention.ms` of the data topics (exchanges, results, sideEffects, deadLetter, labels, progress) when created.
   * Unset uses the broker's `log.retention.*` (7 days unless configured). The control topic is
   * compacted and never loses a key's latest value.
   * @default undefined (broker default)
   */
  retentionMs?: number | undefined;
  /**
   * The topics to act on.
   * @default every role: exchanges, results, sideEffects, control, deadLetter, labels, progress
   */
  roles?: readonly TopicRole[] | undefined;
  /**
   * Bound on each admin call (connect, metadata, create).
   * @default 30000
   */
  timeoutMs?: number | undefined;
}

export interface ResolvedTopicsOptions {
  readonly prefix: string;
  readonly partitions: number;
  /** False when `partitions` took its default: existing consistent counts then win. */
  readonly partitionsGiven: boolean;
  readonly replicationFactor: number | null;
  readonly retentionMs: number | null;
  readonly roles: readonly TopicRole[];
  readonly timeoutMs: number;
}

export const DEFAULT_PARTITIONS = 6;
export const ALL_TOPIC_ROLES: readonly TopicRole[] = Object.freeze(Object.keys(TOPIC_BASE_NAMES) as TopicRole[]);
const KNOWN = ['prefix', 'partitions', 'replicationFactor', 'retentionMs', 'roles', 'timeoutMs'];

function positiveInt(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `${field} must be an integer in [1, ${max}], got ${String(value)}`);
  }
  return value;
}

export function resolveTopicsOptions(options: TopicsOptions = {}): ResolvedTopicsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'topics options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `${key} is not a known topics option; accepted: ${KNOWN.join(', ')}`);
  }
  const prefix = options.prefix ?? '';
  const prefixProblem = topicPrefixProblem(prefix);
  if (prefixProblem !== null) throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `prefix ${prefixProblem}`);
  const roles = options.roles ?? ALL_TOPIC_ROLES;
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `roles must be a non-empty array of ${ALL_TOPIC_ROLES.join(', ')}`);
  }
  for (const role of roles) {
    if (!ALL_TOPIC_ROLES.includes(role)) {
      throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `roles: "${String(role)}" is not a topic role; accepted: ${ALL_TOPIC_ROLES.join(', ')}`);
    }
  }
  return Object.freeze({
    prefix,
    partitions: options.partitions === undefined ? DEFAULT_PARTITIONS : positiveInt('partitions', options.partitions, 10_000),
    partitionsGiven: options.partitions !== undefined,
    replicationFactor: options.replicationFactor === undefined ? null : positiveInt('replicationFactor', options.replicationFactor, 32),
    retentionMs: options.retentionMs === undefined ? null : positiveInt('retentionMs', options.retentionMs, Number.MAX_SAFE_INTEGER),
    roles: Object.freeze([...new Set(roles)]),
    timeoutMs: options.timeoutMs === undefined ? 30_000 : positiveInt('timeoutMs', options.timeoutMs, 10 * 60_000),
  });
}
