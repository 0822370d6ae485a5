// A read-only HTTP endpoint that speaks ClickHouse's HTTP interface, served by the process that owns
// the embedded chDB engine (chDB allows one engine per process, so other processes, analysts' tools
// and the report or gate in another process, cannot open the data themselves).
//
// Why it is built this way:
// - Each request runs on its own short-lived chDB connection (about 1 ms to open). chdb applies
//   settings with SET on the connection, so a shared connection would carry one client's settings
//   into the next request; a fresh one starts clean every time.
// - Two lines of defence: the token-level guard (sql-guard.ts) admits only reading statements, and
//   every query runs with `readonly=2` (the engine refuses writes and DDL itself; 2 rather than 1 so
//   that clients can still send ordinary settings, while the guard keeps the limits' settings fixed).
// - Answers carry what clients read (X-ClickHouse-* headers, Content-Type per format, errors as
//   `Code: N. DB::Exception: ...` with X-ClickHouse-Exception-Code and the server's HTTP status), and
//   `compress=1` (the JDBC driver's default) is answered with ClickHouse's own block compression.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, deflate, gunzip, gzip, inflate } from 'node:zlib';
import type { ClickHouseSettings } from '@clickhouse/client';
import { createClickHouse } from '../clickhouse.js';
import { isClickHouseError } from '../errors.js';
import { contentTypeOf, credentialsOf, NON_SETTING_PARAMS } from './http-protocol.js';
import { nativeCompress } from './native-compression.js';
import { NativeTranscodeError, nativeForRevision, REVISION_WITH_CUSTOM_SERIALIZATION } from './native-revision.js';
import { resolveQueryEndpointOptions } from './options.js';
import type { QueryEndpointOptions, QueryEndpointRoute, ResolvedQueryEndpointOptions } from './options.js';
import { exceptionText, httpStatusOf, serverException, serverExceptionOf } from './server-exception.js';
import type { ServerException } from './server-exception.js';
import { checkReadOnlyQuery } from './sql-guard.js';
import type { QueryEndpoint, QueryEndpointStats } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_FORMAT = 'TabSeparated';

/**
 * Settings of the endpoint's connections, replacing the factory's project defaults with a server's
 * defaults: clients of the endpoint expect what a ClickHouse server answers.
 */
const SERVER_LIKE_SETTINGS: ClickHouseSettings = {
  date_time_output_format: 'simple',
  output_format_json_quote_64bit_integers: 1,
};

const codecs = {
  gzip: { compress: promisify(gzip), decompress: promisify(gunzip) },
  deflate: { compress: promisify(deflate), decompress: promisify(inflate) },
  br: { compress: promisify(brotliCompress), decompress: promisify(brotliDecompress) },
} as const;
type Codec = keyof typeof codecs;
const isCodec = (name: string): name is Codec => Object.hasOwn(codecs, name);

/** A failure answered as a ClickHouse exception (status from its code). */
class Refusal extends Error {
  constructor(readonly exception: ServerException) {
    super(exception.message);
  }
}
const refusal = (code: number, type: string, message: string) => new Refusal(serverException(code, type, message));

interface RequestContext {
  readonly queryId: string;
  readonly params: URLSearchParams;
}

/**
 * Starts the endpoint and resolves once it listens. Options are validated first (CH_INVALID_OPTIONS
 * naming the field). `close()` stops accepting requests and waits for running queries.
 */
export async function createQueryEndpoint(options: QueryEndpointOptions): Promise<QueryEndpoint> {
  const config = resolveQueryEndpointOptions(options);
  const engine = await engineFacts(config);
  const stats: { -readonly [K in keyof QueryEndpointStats]: QueryEndpointStats[K] } = {
    queries: 0, refused: 0, failed: 0, running: 0,
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      config.logger?.error({ err }, 'query endpoint: unexpected failure');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://endpoint');
    const params = url.searchParams;
    // The id is echoed in a header: anything that cannot be one is replaced rather than break the answer.
    const askedId = params.get('query_id') ?? headerOf(req, 'x-clickhouse-query-id');
    const queryId = askedId !== undefined && /^[\x21-\x7e]{1,128}$/.test(askedId) ? askedId : randomUUID();
    const ctx: RequestContext = { queryId, params };
    const path = url.pathname;
    if (path === '/ping' || path === '/replicas_status' || (path === '/' && req.method === 'GET' && !params.has('query'))) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, ctx, refusal(1, 'UNSUPPORTED_METHOD', `HTTP method ${req.method ?? ''} is not allowed on ${path}`), 405);
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', ...commonHeaders(ctx) });
      res.end('Ok.\n');
      return;
    }
    const route = config.routes.get(path);
    if (route !== undefined) return handleRoute(req, res, ctx, route);
    if (path !== '/') {
      req.resume();
      return sendError(res, ctx, refusal(1, 'UNSUPPORTED_METHOD', `There is no handle ${path}. Use / for queries or /ping for health checks`), 404);
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      return sendError(res, ctx, refusal(1, 'UNSUPPORTED_METHOD', `HTTP method ${req.method ?? ''} is not supported; use GET or POST`), 405);
    }
    try {
      await runQuery(req, res, ctx);
    } catch (err) {
      if (err instanceof Refusal) return sendError(res, ctx, err);
      stats.failed += 1;
      return sendError(res, ctx, new Refusal(serverExceptionOf(err)));
    }
  }

  async function runQuery(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const { params } = ctx;
    authenticate(config, credentialsOf(req, params));
    const body = await readBody(req, config.limits.maxQueryBytes);
    const text = [params.get('query') ?? '', body].filter((part) => part.trim() !== '').join('\n');
    const verdict = checkReadOnlyQuery(text);
    if (!verdict.ok) {
      stats.refused += 1;
      config.logger?.info({ queryId: ctx.queryId, code: verdict.error.type }, 'query endpoint: query refused');
      throw new Refusal(verdict.error);
    }
    const format = verdict.format ?? params.get('default_format') ?? headerOf(req, 'x-clickhouse-format') ?? DEFAULT_FORMAT;
    const database = params.get('database') ?? headerOf(req, 'x-clickhouse-database') ?? config.clickhouse.database;
    if (!IDENTIFIER.test(database)) throw refusal(81, 'UNKNOWN_DATABASE', `Database ${database} does not exist`);
    const settings = settingsOf(params, format, config);
    const queryParams = queryParamsOf(params);

    if (stats.running >= config.limits.maxConcurrentQueries) {
      throw refusal(202, 'TOO_MANY_SIMULTANEOUS_QUERIES', `Too many simultaneous queries. Maximum: ${config.limits.maxConcurrentQueries}`);
    }
    stats.running += 1;
    stats.queries += 1;
    const started = process.hrtime.bigint();
    let output: Buffer;
    let summary: Record<string, string>;
    try {
      const connection = await createClickHouse({
        mode: 'embedded',
        path: config.clickhouse.location,
        database,
        ensureDatabase: false,
        clickhouseSettings: SERVER_LIKE_SETTINGS,
      });
      try {
        const result = await connection.client.exec({
          query: verdict.statement,
          query_id: ctx.queryId,
          clickhouse_settings: settings,
          ...(Object.keys(queryParams).length > 0 ? { query_params: queryParams } : {}),
        });
        output = await collect(result.stream);
        const revision = Number(params.get('client_protocol_version') ?? 0);
        if (format.toLowerCase() === 'native' && revision >= REVISION_WITH_CUSTOM_SERIALIZATION) {
          try {
            output = nativeForRevision(output, revision);
          } catch (err) {
            if (err instanceof NativeTranscodeError) throw refusal(48, 'NOT_IMPLEMENTED', err.message);
            throw err;
          }
        }
        summary = { ...(result.summary as Record<string, string> | undefined) };
      } finally {
        await connection.close();
      }
    } finally {
      stats.running -= 1;
    }
    if (output.length > config.limits.maxResultBytes) {
      // The engine measures blocks in memory, where a constant column is tiny; the answer is bounded too.
      stats.failed += 1;
      throw refusal(396, 'TOO_MANY_ROWS_OR_BYTES', `Limit for result exceeded: the answer is ${output.length} bytes, max bytes: ${config.limits.maxResultBytes}`);
    }
    summary.elapsed_ns = String(process.hrtime.bigint() - started);
    summary.result_bytes = String(output.length);

    const headers: Record<string, string> = {
      ...commonHeaders(ctx),
      'Content-Type': contentTypeOf(format),
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Summary': JSON.stringify(summary),
    };
    let payload = output;
    if (params.get('compress') === '1') {
      payload = nativeCompress(output);
    } else if (params.get('enable_http_compression') === '1') {
      const codec = acceptedCodec(req);
      if (codec) {
        payload = await codecs[codec].compress(output);
        headers['Content-Encoding'] = codec;
      }
    }
    headers['Content-Length'] = String(payload.length);
    res.writeHead(200, headers);
    res.end(payload);
  }

  /** A write route: POST, same credentials as queries, bounded JSON body, answered in JSON. */
  async function handleRoute(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, route: Readonly<Required<QueryEndpointRoute>>): Promise<void> {
    const answer = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { ...commonHeaders(ctx), 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
    };
    if (req.method !== 'POST') {
      req.resume();
      return answer(405, { error: `HTTP method ${req.method ?? ''} is not allowed on ${route.path}; use POST with a JSON body` });
    }
    try {
      authenticate(config, credentialsOf(req, ctx.params));
    } catch (err) {
      req.resume();
      return answer(403, { error: err instanceof Error ? err.message : String(err) });
    }
    let text: string;
    try {
      text = await readBody(req, route.maxBodyBytes);
    } catch (err) {
      if (err instanceof Refusal && err.exception.code === 62) return answer(413, { error: `the body of ${route.path} may have at most ${route.maxBodyBytes} bytes` });
      return answer(400, { error: err instanceof Error ? err.message : String(err) });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return answer(400, { error: `the body of ${route.path} is not JSON: ${err instanceof Error ? err.message : String(err)}` });
    }
    try {
      const result = await route.handle(body);
      config.logger?.info({ queryId: ctx.queryId, path: route.path }, 'query endpoint: route stored a record');
      return answer(200, result ?? { ok: true });
    } catch (err) {
      if (isClickHouseError(err) && err.code === 'CH_BAD_DATA') return answer(400, { error: err.message });
      config.logger?.error({ err, path: route.path }, 'query endpoint: route failed');
      const retriable = isClickHouseError(err) && err.retriable;
      return answer(retriable ? 503 : 500, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  function commonHeaders(ctx: RequestContext): Record<string, string> {
    return {
      'X-ClickHouse-Query-Id': ctx.queryId,
      'X-ClickHouse-Timezone': engine.timezone,
      'X-ClickHouse-Server-Display-Name': config.displayName,
      'Keep-Alive': 'timeout=10',
    };
  }

  function sendError(res: ServerResponse, ctx: RequestContext, err: Refusal, status?: number): void {
    const { exception } = err;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = exceptionText(exception, engine.version);
    res.writeHead(status ?? httpStatusOf(exception.code), {
      ...commonHeaders(ctx),
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(exception.code),
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  config.logger?.info({ url, database: config.clickhouse.database, limits: config.limits }, 'query endpoint listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= closeServer(server);
    return closing;
  };
  return Object.freeze({
    url,
    port,
    stats: (): QueryEndpointStats => ({ ...stats }),
    close,
    [Symbol.asyncDispose]: close,
  });
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

/** Version and time zone of the engine, for error texts and X-ClickHouse-Timezone. */
async function engineFacts(config: ResolvedQueryEndpointOptions): Promise<{ version: string; timezone: string }> {
  const rs = await config.clickhouse.client.query({ query: 'SELECT version() AS version, timezone() AS timezone', format: 'JSONEachRow' });
  const [row] = await rs.json<{ version: string; timezone: string }>();
  return { version: row?.version ?? 'unknown', timezone: row?.timezone ?? 'UTC' };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authenticate(config: ResolvedQueryEndpointOptions, given: { user: string; password: string }): void {
  if (config.password === undefined) return;
  const userOk = sameSecret(given.user, config.user);
  const passwordOk = sameSecret(given.password, config.password);
  if (!userOk || !passwordOk) {
    throw refusal(516, 'AUTHENTICATION_FAILED', `${given.user}: Authentication failed: password is incorrect, or there is no user with such name`);
  }
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  if (req.headers['content-encoding'] === undefined && req.method === 'GET') {
    req.resume();
    return '';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw refusal(62, 'SYNTAX_ERROR', `Max query size exceeded (${maxBytes} bytes)`);
    }
    chunks.push(chunk);
  }
  let raw = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding']?.toLowerCase().trim();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    if (!isCodec(encoding)) throw refusal(48, 'NOT_IMPLEMENTED', `Content-Encoding ${encoding} is not supported; use gzip, deflate or br`);
    raw = await codecs[encoding].decompress(raw);
    if (raw.length > maxBytes) throw refusal(62, 'SYNTAX_ERROR', `Max query size exceeded (${maxBytes} bytes)`);
  }
  return raw.toString('utf8');
}

function acceptedCodec(req: IncomingMessage): Codec | undefined {
  const accepted = (req.headers['accept-encoding'] ?? '').split(',').map((e) => e.split(';')[0]?.trim().toLowerCase() ?? '');
  return (['gzip', 'deflate', 'br'] as const).find((c) => accepted.includes(c));
}

/** Requested value of a limit setting, bounded by the endpoint's (0 and absent mean "the endpoint's"). */
function bounded(params: URLSearchParams, name: string, max: number): number {
  const raw = params.get(name);
  if (raw === null) return max;
  const requested = Number(raw);
  if (!Number.isFinite(requested) || requested < 0) throw refusal(72, 'CANNOT_PARSE_NUMBER', `Cannot parse ${name}=${raw}`);
  return requested === 0 ? max : Math.min(Math.ceil(requested), max);
}

const LIMIT_SETTINGS = new Set(['max_result_rows', 'max_result_bytes', 'max_execution_time', 'result_overflow_mode', 'readonly']);

function settingsOf(params: URLSearchParams, format: string, config: ResolvedQueryEndpointOptions): ClickHouseSettings {
  const settings: Record<string, string> = {};
  for (const [name, value] of params) {
    if (NON_SETTING_PARAMS.has(name) || name.startsWith('param_') || LIMIT_SETTINGS.has(name)) continue;
    if (!IDENTIFIER.test(name)) throw refusal(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
    if (['allow_ddl', 'max_memory_usage', 'max_rows_to_read', 'max_bytes_to_read', 'timeout_overflow_mode'].includes(name)) continue;
    settings[name] = value;
  }
  const { limits } = config;
  // `readonly` comes last: chdb turns each setting into a SET on the connection, in this order.
  return {
    ...settings,
    max_result_rows: String(bounded(params, 'max_result_rows', limits.maxResultRows)),
    max_result_bytes: String(bounded(params, 'max_result_bytes', limits.maxResultBytes)),
    result_overflow_mode: 'throw',
    max_execution_time: bounded(params, 'max_execution_time', limits.maxExecutionTimeSec),
    timeout_overflow_mode: 'throw',
    default_format: format,
    readonly: '2',
  } as ClickHouseSettings;
}

function queryParamsOf(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) if (name.startsWith('param_')) out[name.slice(6)] = value;
  return out;
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
