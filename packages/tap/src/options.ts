/**
 * One options object for the whole tap. `resolveTapOptions` merges the defaults, validates every
 * field once and freezes the result, so a bad value fails at start-up with a message naming the
 * field and the accepted values, never on the first request.
 */
import { describeValue, isPlainObject, mustBe, silentLogger } from '@shadow/options';
import type { Logger } from '@shadow/options';
import { TapError } from './errors.js';
import { outboundRecordBytes, resolveOutboundOptions, type OutboundRecorderOptions, type ResolvedOutboundOptions } from './outbound/options.js';
import { parseJsonPath } from './redaction/json-path.js';
import type { KafkaTransportOptions } from './transport/options.js';
import type { ExchangeTransport } from './transport/types.js';

/** The subset of a pino logger the tap uses; pino (and console-like adapters) satisfy it. */
export type TapLogger = Logger;

/** A per-route sampling override. Exactly one of `route` / `pathPrefix`. */
export type RouteSamplingRule =
  | {
      /** Route template as the framework names it (`/users/:id` in Express and Fastify). */
      route: string;
      rate: number;
    }
  | {
      /** Path prefix matched on segment boundaries: `/admin` matches `/admin` and `/admin/x`, not `/administrator`. */
      pathPrefix: string;
      rate: number;
    };

export interface SamplingOptions {
  /**
   * Fraction of requests captured, in [0, 1].
   * @default 1
   */
  rate?: number | undefined;
  /**
   * Request header whose value decides sampling consistently: every request carrying the same
   * value (a user or session id) is in or out together, on every instance and across restarts.
   * Requests without the header are sampled at random at the same rate. `null` samples every
   * request at random.
   * @default null
   */
  keyHeader?: string | null | undefined;
  /**
   * Overrides of `rate` by route template or path prefix. The first matching rule wins.
   * @default []
   */
  routes?: readonly RouteSamplingRule[] | undefined;
}

export interface RedactionOptions {
  /**
   * Header names (any case) whose values are replaced by `[REDACTED]` in requests and responses.
   * Setting this replaces the default list; spread `DEFAULT_REDACTED_HEADERS` to extend it.
   * @default ['authorization', 'cookie', 'set-cookie', 'proxy-authorization']
   */
  headers?: readonly string[] | undefined;
  /**
   * JSON paths whose values are replaced by `"[REDACTED]"` in request and response bodies with a
   * JSON content type, e.g. `$.user.email`, `card.number`, `items[*].ssn`. When paths are set and a
   * JSON body cannot be parsed (truncated, compressed, malformed) the body is withheld.
   * @default []
   */
  jsonPaths?: readonly string[] | undefined;
}

export interface TapOptions {
  /** Logical name of the live service, stamped on every exchange. Required. */
  service: string;
  /** Deployment environment, e.g. `prod`. Required. */
  environment: string;
  /**
   * Kafka transport settings (brokers, schemaRegistryUrl, queue, batch, control, ...): the tap
   * builds `createKafkaTransport({ service, logger, ...kafka })`. Required unless `transport` is
   * given; its fields are validated by the transport and reported as `kafka.<field>`.
   * @default undefined
   */
  kafka?: TapKafkaOptions | undefined;
  /**
   * A ready transport instead of `kafka` (one shared by several taps, or an in-memory one in
   * tests). The tap starts and closes it.
   * @default undefined
   */
  transport?: ExchangeTransport | undefined;
  sampling?: SamplingOptions | undefined;
  redaction?: RedactionOptions | undefined;
  /**
   * Bytes of each body (request and response separately) copied into the exchange. Bodies beyond
   * it are truncated and flagged; their full size is still recorded. 0 captures no body bytes.
   * Both bodies travel in one Kafka record, which the transport caps at `kafka.maxRecordBytes`
   * (default 1,000,000, under the broker's default `message.max.bytes`): with `kafka`, createTap
   * refuses a value whose two bodies (+ 32 KiB for headers) would not fit.
   * @default 262144 (256 KiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * Bound on body bytes held by all captures in flight (requests not yet finished). When it is
   * reached further bytes are not copied and the bodies are flagged as truncated, so a burst of
   * large uploads cannot grow the process beyond this.
   * @default 67108864 (64 MiB)
   */
  maxInFlightBodyBytes?: number | undefined;
  /**
   * Request headers tried in order for the exchange id. `traceparent` contributes its trace-id;
   * any other header its value when it is 1-128 visible ASCII characters. When none yields an id,
   * a UUIDv7 is generated. Client-supplied ids can repeat (retries, one trace id for many calls),
   * which is why the default generates.
   * @default []
   */
  exchangeIdHeaders?: readonly string[] | undefined;
  /**
   * Bound on `close()` when it is called without a timeout.
   * @default 5000
   */
  closeTimeoutMs?: number | undefined;
  /**
   * Structured logger (pino or compatible). Capture errors are logged at most once per 10 s.
   * @default a logger that discards everything
   */
  logger?: TapLogger | undefined;
  /**
   * The live outbound recorder (docs/outbound-recording.md): records the service's outbound HTTP
   * calls made while serving a captured request into `CapturedExchange.outboundCalls`.
   * @default { enabled: false, maxCalls: 32, maxBodyBytes: 65536, maxExchangeBodyBytes: 131072 }
   */
  outbound?: OutboundRecorderOptions | undefined;
}

/** Kafka transport options without the fields the tap fills in (`logger` defaults to the tap's). */
export type TapKafkaOptions = Omit<KafkaTransportOptions, 'service'>;

export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);

export const REDACTED = '[REDACTED]';

export interface ResolvedRouteRule {
  readonly kind: 'route' | 'pathPrefix';
  readonly value: string;
  readonly rate: number;
}

export interface ResolvedTapOptions {
  readonly service: string;
  readonly environment: string;
  /** Exactly one of `transport` / `kafka` is set. */
  readonly transport: ExchangeTransport | null;
  readonly kafka: TapKafkaOptions | null;
  readonly sampling: {
    readonly rate: number;
    /** Lower-case. */
    readonly keyHeader: string | null;
    readonly routes: readonly ResolvedRouteRule[];
  };
  readonly redaction: {
    /** Lower-case, deduplicated. */
    readonly headers: readonly string[];
    readonly jsonPaths: readonly string[];
  };
  readonly maxBodyBytes: number;
  readonly maxInFlightBodyBytes: number;
  /** Lower-case. */
  readonly exchangeIdHeaders: readonly string[];
  readonly closeTimeoutMs: number;
  readonly logger: TapLogger;
  readonly outbound: ResolvedOutboundOptions;
}

const MAX_BODY_LIMIT = 64 * 1024 * 1024;
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** Room for everything but the bodies in one record: headers, URL, fixed fields. */
export const RECORD_HEADROOM_BYTES = 32 * 1024;
/** The Kafka transport's default `maxRecordBytes`. */
const DEFAULT_MAX_RECORD_BYTES = 1_000_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function invalid(field: string, expected: string, got: unknown): TapError {
  return new TapError('TAP_INVALID_OPTION', mustBe(field, expected, got));
}

function checkKeys(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const at = field === '' ? key : `${field}.${key}`;
      throw new TapError('TAP_INVALID_OPTION', `${at} is not a known option; accepted: ${allowed.join(', ')}`);
    }
  }
}

function object(field: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalid(field, 'an object', value);
  checkKeys(field, value, allowed);
  return value;
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 255) {
    throw invalid(field, 'a non-empty string of at most 255 characters', value);
  }
  return value;
}

function rate(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(field, 'a number in [0,1]', value);
  return value;
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function headerName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value)) throw invalid(field, 'an HTTP header name', value);
  return value.toLowerCase();
}

function headerList(field: string, value: unknown, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw invalid(field, 'an array of HTTP header names', value);
  return Object.freeze([...new Set(value.map((item, i) => headerName(`${field}[${i}]`, item)))]);
}

function routeRules(field: string, value: unknown): readonly ResolvedRouteRule[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw invalid(field, 'an array of { route | pathPrefix, rate }', value);
  return Object.freeze(
    value.map((item: unknown, i): ResolvedRouteRule => {
      const at = `${field}[${i}]`;
      if (!isPlainObject(item)) throw invalid(at, 'an object { route | pathPrefix, rate }', item);
      checkKeys(at, item, ['route', 'pathPrefix', 'rate']);
      const hasRoute = item['route'] !== undefined;
      const hasPrefix = item['pathPrefix'] !== undefined;
      if (hasRoute === hasPrefix) {
        throw new TapError('TAP_INVALID_OPTION', `${at} must set exactly one of route, pathPrefix`);
      }
      const kind = hasRoute ? 'route' : 'pathPrefix';
      const text = item[kind];
      if (typeof text !== 'string' || !text.startsWith('/')) throw invalid(`${at}.${kind}`, 'a string starting with "/"', text);
      // A trailing slash on a prefix would make `/admin/` miss `/admin`; segment matching covers both.
      const normalised = kind === 'pathPrefix' && text.length > 1 ? text.replace(/\/+$/, '') : text;
      if (item['rate'] === undefined) throw invalid(`${at}.rate`, 'a number in [0,1]', undefined);
      return Object.freeze({ kind, value: normalised, rate: rate(`${at}.rate`, item['rate'], 1) });
    }),
  );
}

function jsonPaths(field: string, value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw invalid(field, 'an array of JSON paths', value);
  return Object.freeze(
    value.map((item: unknown, i) => {
      const at = `${field}[${i}]`;
      if (typeof item !== 'string') throw invalid(at, 'a JSON path such as "$.user.email" or "items[*].ssn"', item);
      const parsed = parseJsonPath(item);
      if (typeof parsed === 'string') {
        throw new TapError('TAP_INVALID_OPTION', `${at} must be a JSON path such as "$.user.email" or "items[*].ssn": ${parsed}, got ${describeValue(item)}`);
      }
      return item;
    }),
  );
}

function transport(field: string, value: unknown): ExchangeTransport | null {
  if (value === undefined) return null;
  // Any object with the methods: createKafkaTransport returns a class instance, not a plain object.
  const t = value as Record<string, unknown> | null;
  const ok =
    typeof t === 'object' &&
    t !== null &&
    typeof t['offer'] === 'function' &&
    typeof t['stats'] === 'function' &&
    typeof t['start'] === 'function' &&
    typeof t['close'] === 'function' &&
    'enabled' in t;
  if (!ok) throw invalid(field, 'an ExchangeTransport (offer, enabled, stats, start, close)', value);
  return value as unknown as ExchangeTransport;
}

function logger(field: string, value: unknown): TapLogger {
  if (value === undefined) return silentLogger;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    (['debug', 'info', 'warn', 'error'] as const).every((level) => typeof (value as Record<string, unknown>)[level] === 'function');
  if (!ok) throw invalid(field, 'a logger with debug, info, warn and error methods (pino satisfies it)', value);
  return value as TapLogger;
}

const TOP_LEVEL = [
  'service',
  'environment',
  'kafka',
  'transport',
  'sampling',
  'redaction',
  'maxBodyBytes',
  'maxInFlightBodyBytes',
  'exchangeIdHeaders',
  'closeTimeoutMs',
  'logger',
  'outbound',
] as const;

/** Merges defaults, validates and freezes. Throws `TapError` `TAP_INVALID_OPTION` naming the field. */
export function resolveTapOptions(options: TapOptions): ResolvedTapOptions {
  if (!isPlainObject(options)) throw invalid('options', 'an object', options);
  checkKeys('', options, TOP_LEVEL);
  const sampling = object('sampling', options.sampling, ['rate', 'keyHeader', 'routes']);
  const redaction = object('redaction', options.redaction, ['headers', 'jsonPaths']);
  const keyHeader = sampling['keyHeader'];
  const maxBodyBytes = integer('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0, MAX_BODY_LIMIT);
  const injected = transport('transport', options.transport);
  const outbound = resolveOutboundOptions('outbound', options.outbound);
  const kafka = options.kafka;
  if (kafka !== undefined && !isPlainObject(kafka)) throw invalid('kafka', 'an object of Kafka transport options', kafka);
  if (injected === null && kafka === undefined) {
    throw new TapError('TAP_INVALID_OPTION', 'kafka must be set ({ brokers, schemaRegistryUrl, ... }) unless a transport is given');
  }
  if (kafka !== undefined) {
    const limit = typeof kafka['maxRecordBytes'] === 'number' ? kafka['maxRecordBytes'] : DEFAULT_MAX_RECORD_BYTES;
    if (2 * maxBodyBytes + RECORD_HEADROOM_BYTES + outboundRecordBytes(outbound) > limit) {
      if (outbound.enabled && 2 * maxBodyBytes + RECORD_HEADROOM_BYTES <= limit) {
        throw new TapError(
          'TAP_INVALID_OPTION',
          `outbound.maxExchangeBodyBytes + outbound.maxCalls * 4096 must be at most ${limit - 2 * maxBodyBytes - RECORD_HEADROOM_BYTES} so that the recorded calls fit kafka.maxRecordBytes (${limit}) next to both bodies (maxBodyBytes ${maxBodyBytes}), got ${outboundRecordBytes(outbound)}`,
        );
      }
      throw new TapError(
        'TAP_INVALID_OPTION',
        `maxBodyBytes must be at most ${Math.floor((limit - RECORD_HEADROOM_BYTES) / 2)} so that both bodies and the headers fit kafka.maxRecordBytes (${limit}), got ${maxBodyBytes}`,
      );
    }
  }
  if (injected !== null && kafka !== undefined) {
    throw new TapError(
      'TAP_INVALID_OPTION',
      'kafka and transport are exclusive: set kafka to have the tap build its Kafka transport, or transport to bring one',
    );
  }

  return Object.freeze({
    service: nonEmptyString('service', options.service),
    environment: nonEmptyString('environment', options.environment),
    transport: injected,
    kafka: kafka === undefined ? null : Object.freeze({ ...kafka }),
    sampling: Object.freeze({
      rate: rate('sampling.rate', sampling['rate'], 1),
      keyHeader: keyHeader === undefined || keyHeader === null ? null : headerName('sampling.keyHeader', keyHeader),
      routes: routeRules('sampling.routes', sampling['routes']),
    }),
    redaction: Object.freeze({
      headers: headerList('redaction.headers', redaction['headers'], DEFAULT_REDACTED_HEADERS),
      jsonPaths: jsonPaths('redaction.jsonPaths', redaction['jsonPaths']),
    }),
    maxBodyBytes,
    maxInFlightBodyBytes: integer('maxInFlightBodyBytes', options.maxInFlightBodyBytes, 64 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    exchangeIdHeaders: headerList('exchangeIdHeaders', options.exchangeIdHeaders, Object.freeze([])),
    closeTimeoutMs: integer('closeTimeoutMs', options.closeTimeoutMs, 5000, 1, 10 * 60 * 1000),
    logger: logger('logger', options.logger),
    outbound,
  });
}
