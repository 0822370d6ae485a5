import { silentLogger } from '@shadow/options';
import type { Kafka } from 'kafkajs';
import { ContractsError } from '../errors.js';
import { topics } from '../topics.js';
import type { ControlLogger } from './types.js';

export interface ControlWatcherOptions {
  /** kafkajs client to create the consumer and admin from. Required. */
  kafka: Kafka;
  /** Service whose entries (besides `*`) this watcher obeys: a tap's service, a replayer's first key. Required. */
  service: string;
  /** Further names whose entries this watcher obeys too (a replayer's other `killSwitch.keys`). @default [] */
  otherServices?: readonly string[] | undefined;
  /** @default topics.control (`shadow.control.v1`) */
  topic?: string | undefined;
  /**
   * How long the state may stay `unknown` (topic not yet read to its end) before the watcher
   * reports `active` anyway, logging an error. @default 15000
   */
  startTimeoutMs?: number | undefined;
  /** Consumer group id prefix; each watcher adds `<service>.<host>.<pid>.<random>`. @default 'shadow-tap-control' */
  groupIdPrefix?: string | undefined;
  /** Fetch long-poll wait; changes arrive as soon as written, this only paces idle polls. @default 1000 */
  maxWaitTimeMs?: number | undefined;
  /** First reconnect pause after a failure, doubling up to 30 s. @default 1000 */
  retryBackoffMs?: number | undefined;
  /** What the log line of a state change says it is about, e.g. `shadow tap mirroring`. @default 'shadow tap mirroring' */
  subject?: string | undefined;
  /** @default a logger that discards everything */
  logger?: ControlLogger | undefined;
}

export interface ResolvedControlWatcherOptions {
  readonly kafka: Kafka;
  readonly service: string;
  readonly services: readonly string[];
  readonly topic: string;
  readonly startTimeoutMs: number;
  readonly groupIdPrefix: string;
  readonly maxWaitTimeMs: number;
  readonly retryBackoffMs: number;
  readonly subject: string;
  readonly logger: ControlLogger;
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `control.${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function str(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `control.${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveControlWatcherOptions(options: ControlWatcherOptions): ResolvedControlWatcherOptions {
  if (typeof options.kafka?.consumer !== 'function') {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'control.kafka must be a kafkajs Kafka client');
  }
  const service = str('service', options.service ?? null, '');
  const others = (options.otherServices ?? []).map((s, i) => str(`otherServices[${i}]`, s, ''));
  return Object.freeze({
    kafka: options.kafka,
    service,
    services: Object.freeze([...new Set([service, ...others])]),
    topic: str('topic', options.topic, topics.control),
    startTimeoutMs: int('startTimeoutMs', options.startTimeoutMs, 15_000, 0, 600_000),
    groupIdPrefix: str('groupIdPrefix', options.groupIdPrefix, 'shadow-tap-control'),
    maxWaitTimeMs: int('maxWaitTimeMs', options.maxWaitTimeMs, 1_000, 10, 60_000),
    retryBackoffMs: int('retryBackoffMs', options.retryBackoffMs, 1_000, 10, 60_000),
    subject: str('subject', options.subject, 'shadow tap mirroring'),
    logger: options.logger ?? silentLogger,
  });
}
