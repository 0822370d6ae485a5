// Options of the Kafka transport: merged with defaults, validated once at construction (a bad value
// fails with TAP_INVALID_OPTION naming the field and the accepted values), then frozen.
import type { SchemaRegistry } from '@shadow/contracts';
import { topicNames, topicPrefixProblem } from '@shadow/contracts';
import { mustBe, silentLogger } from '@shadow/options';
import type { Logger } from '@shadow/options';
import type { KafkaConfig } from 'kafkajs';
import { TapError } from '../errors.js';
import { isLocalStack } from './topic-check.js';

/** The subset of a pino logger the transport uses (`(obj, msg)` signature). */
export type TransportLogger = Logger;

export const TRANSPORT_COMPRESSIONS = ['gzip', 'none'] as const;
export type TransportCompression = (typeof TRANSPORT_COMPRESSIONS)[number];

/** Environment variable of the local switch: `false`/`0`/`off`/`no` turns mirroring off. */
export const LOCAL_SWITCH_ENV = 'SHADOW_TAP_ENABLED';

export interface KafkaTransportOptions {
  /** Logical service name; the kill-switch key this tap obeys (besides `*`). Required. */
  service: string;
  /** Kafka bootstrap brokers, `host:port`. Required. */
  brokers: readonly string[];
  /** Confluent-compatible schema registry base URL. Required unless `registry` is given. */
  schemaRegistryUrl?: string | undefined;
  /** An existing registry client to share (it caches schemas). @default a client for `schemaRegistryUrl` */
  registry?: SchemaRegistry | undefined;
  /** Register the exchange schema when the subject lacks it. @default true */
  autoRegister?: boolean | undefined;
  /** kafkajs client id. @default `shadow-tap-<service>` */
  clientId?: string | undefined;
  /**
   * Extra kafkajs client settings (TLS, SASL, a socket factory). Retries and timeouts are the
   * transport's own (below) because kafkajs' defaults can hold a batch for minutes on a dead broker.
   * @default {}
   */
  kafka?: Pick<KafkaConfig, 'ssl' | 'sasl' | 'socketFactory'> | undefined;
  /** Prefix for every topic name (see `topicNames`). @default '' */
  topicPrefix?: string | undefined;
  /** Exchanges topic. @default topicNames(topicPrefix).exchanges, i.e. `shadow.exchanges.v1` */
  topic?: string | undefined;
  /**
   * What start() does when Kafka says the exchanges topic does not exist: create it as
   * `shadow topics ensure` would (partition count of the topics it is joined with, else 6), or
   * reject with TAP_TOPIC_MISSING naming the topic and that command. On by default only for a
   * local stack, recognised by every broker being a loopback address (localhost, 127.x, ::1):
   * production topics are provisioned deliberately, with their partition count and retention.
   * @default true when every broker is a loopback address, else false
   */
  createTopic?: boolean | undefined;
  /**
   * Bound on start(). start() resolves once the topic is checked, the kill-switch state has been
   * read from the control topic and the producer is connected, or after this long with what it
   * has then (logged): an unread kill switch means not mirroring until it is read or
   * `control.startTimeoutMs` passes. It rejects before the bound only with TAP_TOPIC_MISSING.
   * @default 15000
   */
  startTimeoutMs?: number | undefined;
  queue?:
    | {
        /** Records held (queued + in flight). @default 10000 */
        maxRecords?: number | undefined;
        /** Estimated bytes held (queued + in flight); bodies dominate. @default 67108864 (64 MiB) */
        maxBytes?: number | undefined;
      }
    | undefined;
  batch?:
    | {
        /** Records per produce request. @default 500 */
        maxRecords?: number | undefined;
        /**
         * Estimated bytes per produce request. Kept under the broker's default `message.max.bytes`
         * (1 MiB, which bounds a per-partition record batch). @default 786432 (768 KiB)
         */
        maxBytes?: number | undefined;
        /** How long a partial batch waits for more records. @default 50 */
        lingerMs?: number | undefined;
      }
    | undefined;
  /** Encoded records larger than this are dropped (`send_failed`), not sent to fail the batch. @default 1000000 */
  maxRecordBytes?: number | undefined;
  /** Batch compression; GZIP is built into kafkajs, other codecs are not. @default 'gzip' */
  compression?: TransportCompression | undefined;
  /**
   * zlib level of GZIP batches, 1 (fastest) to 9. kafkajs' own default is 6; on JSON captures
   * level 1 costs about a third of the CPU for a ratio a few percent lower. Applies to the
   * producer worker; the in-thread fallback (kafka settings that cannot cross threads) keeps
   * kafkajs' codec. @default 1
   */
  gzipLevel?: number | undefined;
  /**
   * Nice value (0-19) of the producer worker thread, on Linux: when CPUs are contended the kernel
   * runs the application's event loop first; the queue absorbs the producer's delay. 0 keeps the
   * process's priority. Ignored elsewhere and for the in-thread fallback. @default 10
   */
  producerThreadNice?: number | undefined;
  /** Attempts per batch (each with a fresh producer) before its records count as `send_failed`. @default 3 */
  sendAttempts?: number | undefined;
  /** Retries inside one attempt (kafkajs retry; idempotent, so no duplicates). @default 2 */
  kafkaRetries?: number | undefined;
  /** Broker request timeout. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** TCP connect timeout per broker. @default 3000 */
  connectionTimeoutMs?: number | undefined;
  /** First pause between attempts; doubles up to `retryBackoffMaxMs`. @default 250 */
  retryBackoffMs?: number | undefined;
  /** @default 5000 */
  retryBackoffMaxMs?: number | undefined;
  /**
   * Local switch; wins over the control topic. Mirroring is off when this is false OR the
   * `SHADOW_TAP_ENABLED` environment variable is `false`/`0`/`off`/`no`.
   * @default true
   */
  enabled?: boolean | undefined;
  /**
   * Kill switch on the compacted control topic. `false` disables watching (local switch only).
   * @default { topic: topicNames(topicPrefix).control, startTimeoutMs: 15000 }
   */
  control?:
    | false
    | {
        /** @default topicNames(topicPrefix).control, i.e. `shadow.control.v1` */
        topic?: string | undefined;
        /**
         * Until the control topic has been read to its end the tap does not mirror (a pause in force
         * must not leak captures at start-up). If that takes longer than this, the tap mirrors anyway
         * and logs an error. @default 15000
         */
        startTimeoutMs?: number | undefined;
      }
    | undefined;
  /** Default bound of close() when called without one. @default 5000 */
  closeTimeoutMs?: number | undefined;
  /** Drop and failure warnings are aggregated and logged at most once per this interval. @default 10000 */
  warnIntervalMs?: number | undefined;
  /** @default a logger that discards everything */
  logger?: TransportLogger | undefined;
  /** Environment read for the local switch (tests inject their own). @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface ResolvedKafkaTransportOptions {
  readonly service: string;
  readonly brokers: readonly string[];
  readonly schemaRegistryUrl: string | null;
  readonly registry: SchemaRegistry | null;
  readonly autoRegister: boolean;
  readonly clientId: string;
  readonly kafka: Pick<KafkaConfig, 'ssl' | 'sasl' | 'socketFactory'>;
  readonly topic: string;
  /** The prefix the topic names came from ('' when none). */
  readonly topicPrefix: string;
  readonly createTopic: boolean;
  readonly startTimeoutMs: number;
  readonly queue: { readonly maxRecords: number; readonly maxBytes: number };
  readonly batch: { readonly maxRecords: number; readonly maxBytes: number; readonly lingerMs: number };
  readonly maxRecordBytes: number;
  readonly compression: TransportCompression;
  readonly gzipLevel: number;
  readonly producerThreadNice: number;
  readonly sendAttempts: number;
  readonly kafkaRetries: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Option and environment combined. */
  readonly locallyEnabled: boolean;
  readonly control: { readonly topic: string; readonly startTimeoutMs: number } | null;
  readonly closeTimeoutMs: number;
  readonly warnIntervalMs: number;
  readonly logger: TransportLogger;
}

function fail(field: string, expected: string, got: unknown): never {
  throw new TapError('TAP_INVALID_OPTION', mustBe(field, expected, got));
}

function int(field: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function str(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'a non-empty string', value);
  return value;
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(field, 'true or false', value);
  return value;
}

const OFF = new Set(['false', '0', 'off', 'no']);
const ON = new Set(['true', '1', 'on', 'yes', '']);

/** Reads the local switch from the environment; an unrecognised value fails start-up. */
export function localSwitchFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const raw = env[LOCAL_SWITCH_ENV];
  if (raw === undefined) return true;
  const value = raw.trim().toLowerCase();
  if (OFF.has(value)) return false;
  if (ON.has(value)) return true;
  return fail(LOCAL_SWITCH_ENV, 'one of true, false, 1, 0, on, off, yes, no', raw);
}

export function resolveKafkaTransportOptions(options: KafkaTransportOptions): ResolvedKafkaTransportOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const service = str('service', options.service);
  if (!Array.isArray(options.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => typeof b === 'string' && b.trim() !== '')) {
    fail('brokers', 'a non-empty array of host:port strings', options.brokers);
  }
  if (options.registry === undefined && options.schemaRegistryUrl === undefined) {
    throw new TapError('TAP_INVALID_OPTION', 'schemaRegistryUrl must be set (or a registry client passed as registry)');
  }
  const schemaRegistryUrl = options.schemaRegistryUrl === undefined ? null : str('schemaRegistryUrl', options.schemaRegistryUrl);
  const compression = options.compression ?? 'gzip';
  if (!(TRANSPORT_COMPRESSIONS as readonly string[]).includes(compression)) {
    fail('compression', `one of ${TRANSPORT_COMPRESSIONS.join(', ')}`, compression);
  }
  const prefixProblem = topicPrefixProblem(options.topicPrefix ?? '');
  if (prefixProblem !== null) throw new TapError('TAP_INVALID_OPTION', `topicPrefix ${prefixProblem}`);
  const names = topicNames(options.topicPrefix ?? '');
  const topic = options.topic === undefined ? names.exchanges : str('topic', options.topic);
  const queue = {
    maxRecords: int('queue.maxRecords', options.queue?.maxRecords, 10_000, 1, 10_000_000),
    maxBytes: int('queue.maxBytes', options.queue?.maxBytes, 64 * 1024 * 1024, 1024),
  };
  const batch = {
    maxRecords: int('batch.maxRecords', options.batch?.maxRecords, 500, 1, 100_000),
    maxBytes: int('batch.maxBytes', options.batch?.maxBytes, 768 * 1024, 1024),
    lingerMs: int('batch.lingerMs', options.batch?.lingerMs, 50, 0, 60_000),
  };
  const retryBackoffMs = int('retryBackoffMs', options.retryBackoffMs, 250, 0, 60_000);
  const retryBackoffMaxMs = int('retryBackoffMaxMs', options.retryBackoffMaxMs, 5_000, 0, 300_000);
  if (retryBackoffMaxMs < retryBackoffMs) fail('retryBackoffMaxMs', `at least retryBackoffMs (${retryBackoffMs})`, retryBackoffMaxMs);
  let control: ResolvedKafkaTransportOptions['control'];
  if (options.control === false) {
    control = null;
  } else {
    if (options.control !== undefined && (typeof options.control !== 'object' || options.control === null)) {
      fail('control', 'false or an object', options.control);
    }
    control = Object.freeze({
      topic: options.control?.topic === undefined ? names.control : str('control.topic', options.control.topic),
      startTimeoutMs: int('control.startTimeoutMs', options.control?.startTimeoutMs, 15_000, 0, 600_000),
    });
  }
  const logger = options.logger ?? silentLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function') fail(`logger.${level}`, 'a function', logger[level]);
  }

  return Object.freeze({
    service,
    brokers: Object.freeze([...options.brokers]),
    schemaRegistryUrl,
    registry: options.registry ?? null,
    autoRegister: bool('autoRegister', options.autoRegister, true),
    clientId: options.clientId === undefined ? `shadow-tap-${service}` : str('clientId', options.clientId),
    kafka: Object.freeze({ ...(options.kafka ?? {}) }),
    topic,
    topicPrefix: options.topicPrefix ?? '',
    createTopic: bool('createTopic', options.createTopic, isLocalStack(options.brokers)),
    startTimeoutMs: int('startTimeoutMs', options.startTimeoutMs, 15_000, 0, 600_000),
    queue: Object.freeze(queue),
    batch: Object.freeze(batch),
    maxRecordBytes: int('maxRecordBytes', options.maxRecordBytes, 1_000_000, 1024),
    compression,
    gzipLevel: int('gzipLevel', options.gzipLevel, 1, 1, 9),
    producerThreadNice: int('producerThreadNice', options.producerThreadNice, 10, 0, 19),
    sendAttempts: int('sendAttempts', options.sendAttempts, 3, 1, 100),
    kafkaRetries: int('kafkaRetries', options.kafkaRetries, 2, 1, 100),
    requestTimeoutMs: int('requestTimeoutMs', options.requestTimeoutMs, 10_000, 100, 600_000),
    connectionTimeoutMs: int('connectionTimeoutMs', options.connectionTimeoutMs, 3_000, 100, 600_000),
    retryBackoffMs,
    retryBackoffMaxMs,
    locallyEnabled: bool('enabled', options.enabled, true) && localSwitchFromEnv(options.env ?? process.env),
    control,
    closeTimeoutMs: int('closeTimeoutMs', options.closeTimeoutMs, 5_000, 0, 600_000),
    warnIntervalMs: int('warnIntervalMs', options.warnIntervalMs, 10_000, 0, 3_600_000),
    logger,
  });
}
