import type { ClickHouse } from '../types.js';
import { ClickHouseError } from '../errors.js';
import type { ClickHouseLogger } from '../logger.js';

export interface QueryEndpointLimits {
  /**
   * Most rows a result may have; a larger result fails with TOO_MANY_ROWS_OR_BYTES
   * (`max_result_rows` with `result_overflow_mode='throw'`). A client may ask for fewer, never more.
   * @default 1_000_000
   */
  maxResultRows?: number;
  /**
   * Most bytes a result may have: in the engine's memory (`max_result_bytes`) and as the serialized
   * answer (chDB builds the whole answer in memory before it is sent).
   * @default 104_857_600 (100 MiB)
   */
  maxResultBytes?: number;
  /**
   * Seconds a query may run (`max_execution_time`, TIMEOUT_EXCEEDED). A client may ask for less.
   * @default 30
   */
  maxExecutionTimeSec?: number;
  /**
   * Bytes of memory one query may use in the engine (`max_memory_usage`; beyond it the query fails
   * with MEMORY_LIMIT_EXCEEDED and the process carries on). A client may ask for less, never more.
   * The endpoint's queries together use at most `maxConcurrentQueries` times this.
   * @default 1_073_741_824 (1 GiB)
   */
  maxMemoryBytes?: number;
  /**
   * Queries running at once, counted from the moment a request is authenticated (before its body is
   * read); more fail with TOO_MANY_SIMULTANEOUS_QUERIES (HTTP 503).
   * @default 4
   */
  maxConcurrentQueries?: number;
  /**
   * Largest query text (query parameter plus body, after decompression) in bytes; larger fails with
   * a syntax error, as a server's `max_query_size` does. A compressed body is inflated as a stream
   * that stops at this size.
   * @default 262_144
   */
  maxQueryBytes?: number;
}

/**
 * A narrow write path next to the read-only interface, for records this system must store while
 * another process owns the engine (the gate's audit row in embedded mode). The endpoint answers
 * `POST <path>` only, with the same authentication as queries, a JSON body of at most
 * `maxBodyBytes`, and hands the parsed body to `handle`; it never runs SQL from the request. The
 * owner of the route validates the body (throw a ClickHouseError `CH_BAD_DATA` naming the field: answered
 * 400) and writes it; answers are JSON (`{ error }` on failure).
 */
export interface QueryEndpointRoute {
  /** Absolute path, e.g. '/shadow/gate-runs'; must not be '/', '/ping' or '/replicas_status'. */
  path: string;
  /** @default 1_048_576 (1 MiB) */
  maxBodyBytes?: number;
  /** Stores the parsed JSON body; resolves with what is answered as JSON (status 200). */
  handle(body: unknown): Promise<unknown>;
}

export interface QueryEndpointOptions {
  /**
   * The embedded ClickHouse whose data the endpoint serves (from `createClickHouse`). The endpoint
   * opens its own short-lived connections on the same chDB engine; closing the endpoint does not
   * close this handle.
   */
  clickhouse: ClickHouse;
  /**
   * Interface to listen on. The endpoint has no TLS: keep it on loopback or a private network.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * TCP port; 0 picks a free one (read it from `endpoint.url`). 8123 is ClickHouse's own.
   * @default 8123
   */
  port?: number;
  /**
   * With `password`, the only credentials accepted (basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key`
   * headers or `user`/`password` parameters). Without `password`, any user and password are accepted.
   * @default 'default'
   */
  user?: string;
  /**
   * Required password. Unset: no authentication.
   * @default undefined
   */
  password?: string;
  /** Row, byte, time, concurrency and query-size limits. */
  limits?: QueryEndpointLimits;
  /**
   * `X-ClickHouse-Server-Display-Name` in every answer.
   * @default 'shadow-chdb'
   */
  displayName?: string;
  /** @default undefined */
  logger?: ClickHouseLogger;
  /** Write routes (see QueryEndpointRoute). @default [] */
  routes?: readonly QueryEndpointRoute[];
}

export interface ResolvedQueryEndpointOptions {
  readonly clickhouse: ClickHouse;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly limits: Readonly<Required<QueryEndpointLimits>>;
  readonly displayName: string;
  readonly logger: ClickHouseLogger | undefined;
  readonly routes: ReadonlyMap<string, Readonly<Required<QueryEndpointRoute>>>;
}

export const DEFAULT_QUERY_ENDPOINT_LIMITS: Readonly<Required<QueryEndpointLimits>> = Object.freeze({
  maxResultRows: 1_000_000,
  maxResultBytes: 100 * 1024 * 1024,
  maxExecutionTimeSec: 30,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxConcurrentQueries: 4,
  maxQueryBytes: 256 * 1024,
});

const invalid = (field: string, expected: string, got: unknown) =>
  new ClickHouseError(
    'CH_INVALID_OPTIONS',
    `Invalid query endpoint option "${field}": expected ${expected}; got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`,
  );

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalid(field, 'a positive integer', value);
  return value;
}

const LIMIT_NAMES = Object.keys(DEFAULT_QUERY_ENDPOINT_LIMITS);
const OPTION_NAMES = ['clickhouse', 'host', 'port', 'user', 'password', 'limits', 'displayName', 'logger', 'routes'];
const RESERVED_PATHS = new Set(['/', '/ping', '/replicas_status', '/play', '/dashboard']);

function resolveRoutes(given: unknown): ReadonlyMap<string, Readonly<Required<QueryEndpointRoute>>> {
  const routes = new Map<string, Readonly<Required<QueryEndpointRoute>>>();
  if (given === undefined) return routes;
  if (!Array.isArray(given)) throw invalid('routes', 'an array of { path, handle }', given);
  (given as unknown[]).forEach((raw, i) => {
    const route = raw as Partial<QueryEndpointRoute> | null;
    if (typeof route !== 'object' || route === null) throw invalid(`routes[${i}]`, 'an object { path, handle }', route);
    const { path } = route;
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9_\-./]+$/.test(path) || RESERVED_PATHS.has(path)) {
      throw invalid(`routes[${i}].path`, `an absolute path other than ${[...RESERVED_PATHS].join(', ')}`, path);
    }
    if (routes.has(path)) throw invalid(`routes[${i}].path`, 'a path no other route uses', path);
    if (typeof route.handle !== 'function') throw invalid(`routes[${i}].handle`, 'a function', route.handle);
    const maxBodyBytes = positiveInteger(`routes[${i}].maxBodyBytes`, route.maxBodyBytes, 1024 * 1024);
    routes.set(path, Object.freeze({ path, maxBodyBytes, handle: route.handle.bind(route) }));
  });
  return routes;
}

/** Validates once, applies defaults, freezes. Throws CH_INVALID_OPTIONS naming the field. */
export function resolveQueryEndpointOptions(options: QueryEndpointOptions): ResolvedQueryEndpointOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw invalid(key, `one of ${OPTION_NAMES.join(', ')}`, 'an unknown option');
  }
  const { clickhouse } = options;
  if (typeof clickhouse !== 'object' || clickhouse === null || typeof clickhouse.client !== 'object') {
    throw invalid('clickhouse', 'a handle from createClickHouse()', clickhouse);
  }
  if (clickhouse.mode !== 'embedded') {
    throw invalid('clickhouse', 'an embedded (chDB) handle; in server mode point clients at the server itself', clickhouse.mode);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalid('host', 'a non-empty string', host);
  const port = options.port ?? 8123;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid('port', 'an integer from 0 to 65535', port);
  const user = options.user ?? 'default';
  if (typeof user !== 'string' || user === '') throw invalid('user', 'a non-empty string', user);
  if (options.password !== undefined && typeof options.password !== 'string') throw invalid('password', 'a string', options.password);
  const given = options.limits ?? {};
  for (const key of Object.keys(given)) {
    if (!LIMIT_NAMES.includes(key)) throw invalid(`limits.${key}`, `one of ${LIMIT_NAMES.join(', ')}`, 'an unknown limit');
  }
  const d = DEFAULT_QUERY_ENDPOINT_LIMITS;
  const limits = Object.freeze({
    maxResultRows: positiveInteger('limits.maxResultRows', given.maxResultRows, d.maxResultRows),
    maxResultBytes: positiveInteger('limits.maxResultBytes', given.maxResultBytes, d.maxResultBytes),
    maxExecutionTimeSec: positiveInteger('limits.maxExecutionTimeSec', given.maxExecutionTimeSec, d.maxExecutionTimeSec),
    maxMemoryBytes: positiveInteger('limits.maxMemoryBytes', given.maxMemoryBytes, d.maxMemoryBytes),
    maxConcurrentQueries: positiveInteger('limits.maxConcurrentQueries', given.maxConcurrentQueries, d.maxConcurrentQueries),
    maxQueryBytes: positiveInteger('limits.maxQueryBytes', given.maxQueryBytes, d.maxQueryBytes),
  });
  const displayName = options.displayName ?? 'shadow-chdb';
  if (typeof displayName !== 'string' || !/^[\x20-\x7e]{1,128}$/.test(displayName)) {
    throw invalid('displayName', 'printable ASCII, 1 to 128 characters (it is sent as a header)', displayName);
  }
  const routes = resolveRoutes(options.routes);
  return Object.freeze({ clickhouse, host, port, user, password: options.password, limits, displayName, logger: options.logger, routes });
}
