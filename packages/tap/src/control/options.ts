import { topics } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import { TapError } from '../errors.js';
import type { TransportLogger } from '../transport/options.js';
import { silentTransportLogger } from '../transport/options.js';

export interface ControlWatcherOptions {
  /** kafkajs client to create the consumer and admin from. Required. */
  kafka: Kafka;
  /** Service whose entry (besides `*`) this watcher obeys. Required. */
  service: string;
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
  /** @default a logger that discards everything */
  logger?: TransportLogger | undefined;
}

export interface ResolvedControlWatcherOptions {
  readonly kafka: Kafka;
  readonly service: string;
  readonly topic: string;
  readonly startTimeoutMs: number;
  readonly groupIdPrefix: string;
  readonly maxWaitTimeMs: number;
  readonly retryBackoffMs: number;
  readonly logger: TransportLogger;
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TapError('TAP_INVALID_OPTION', `control.${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function str(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TapError('TAP_INVALID_OPTION', `control.${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveControlWatcherOptions(options: ControlWatcherOptions): ResolvedControlWatcherOptions {
  if (typeof options.kafka?.consumer !== 'function') {
    throw new TapError('TAP_INVALID_OPTION', 'control.kafka must be a kafkajs Kafka client');
  }
  return Object.freeze({
    kafka: options.kafka,
    service: str('service', options.service ?? null, ''),
    topic: str('topic', options.topic, topics.control),
    startTimeoutMs: int('startTimeoutMs', options.startTimeoutMs, 15_000, 0, 600_000),
    groupIdPrefix: str('groupIdPrefix', options.groupIdPrefix, 'shadow-tap-control'),
    maxWaitTimeMs: int('maxWaitTimeMs', options.maxWaitTimeMs, 1_000, 10, 60_000),
    retryBackoffMs: int('retryBackoffMs', options.retryBackoffMs, 1_000, 10, 60_000),
    logger: options.logger ?? silentTransportLogger,
  });
}
