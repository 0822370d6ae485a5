// A read-only HTTP endpoint that speaks ClickHouse's HTTP interface, served by the process that owns
// the embedded chDB engine (chDB allows one engine per process, so other processes, analysts' tools
// and the report or gate in another process, cannot open the data themselves).
//
// Why it is built this way:
// - Each request runs on its own short-lived chDB connection (about 1 ms to open). chdb applies
//   settings with SET on the connection, so a shared connection would carry one client's settings
//   into the next request; a fresh one starts clean every time.
// - Allow lists at every input, nothing passed through as text: every URL parameter and setting is
//   on a list with a typed validator (settings-allow-list.ts) and what reaches the engine is built
//   from the parsed value; the query is parsed by the engine itself (formatQuerySingleLine of the
//   text as hex digits) and its canonical form is checked (query-policy.ts: statements, functions,
//   table functions, databases, SETTINGS clauses, formats) and run; `param_*` values are bound as
//   typed parameters (query-parameters.ts). Then the engine runs it with `readonly=2` (writes and DDL
//   fail in the engine too; 2 rather than 1 so that allowed settings can still be sent).
// - Bounds on everything a client can grow: rows, bytes and time of a result, memory per query
//   (`max_memory_usage`, so the endpoint's queries together use at most concurrency x that), the
//   number of queries, the query text, and the request body, inflated as a stream that stops at the
//   limit (request-body.ts). The concurrency slot is taken before the body is read.
// - Answers carry what clients read (X-ClickHouse-* headers, Content-Type per format, errors as
//   `Code: N. DB::Exception: ...` with X-ClickHouse-Exception-Code and the server's HTTP status), and
//   `compress=1` (the JDBC driver's default) is answered with ClickHouse's own block compression.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { promisify } from 'node:util';
import { brotliCompress, deflate, gzip } from 'node:zlib';
import type { ClickHouseSettings } from '@clickhouse/client';
import { createClickHouse } from '../clickhouse.js';
import { isClickHouseError } from '../errors.js';
import type { ClickHouse } from '../types.js';
import { loadEngineCatalog } from './engine-catalog.js';
import { contentTypeOf, credentialsOf } from './http-protocol.js';
import { NATIVE_BLOCK_SIZE, nativeCompressedBlock, nativeCompressedLength } from './native-compression.js';
import { NativeTranscodeError, nativeForRevision, REVISION_WITH_CUSTOM_SERIALIZATION } from './native-revision.js';
import { resolveQueryEndpointOptions } from './options.js';
import type { QueryEndpointOptions, QueryEndpointRoute, ResolvedQueryEndpointOptions } from './options.js';
import { boundParameterValue } from './query-parameters.js';
import { allowedOutputFormat, checkCanonicalQuery, formatRefusal, READABLE_METADATA_DATABASES } from './query-policy.js';
import { BodyError, readBoundedBody } from './request-body.js';
import { exceptionText, httpStatusOf, serverException, serverExceptionOf } from './server-exception.js';
import type { ServerException } from './server-exception.js';
import { checkRequestParameters, LIMIT_SETTINGS, shown } from './settings-allow-list.js';
import type { RequestParameters, SettingValue } from './settings-allow-list.js';
import type { QueryEndpoint, QueryEndpointStats } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_FORMAT = 'TabSeparated';
/** How long a client may take to send its request (headers and body) once connected. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Settings of the endpoint's connections, replacing the factory's project defaults with a server's
 * defaults: clients of the endpoint expect what a ClickHouse server answers.
 */
const SERVER_LIKE_SETTINGS: ClickHouseSettings = {
  date_time_output_format: 'simple',
  output_format_json_quote_64bit_integers: 1,
};

const codecs = {
  gzip: promisify(gzip),
  deflate: promisify(deflate),
  br: promisify(brotliCompress),
} as const;
type Codec = keyof typeof codecs;

/** A failure answered as a ClickHouse exception (status from its code). */
class Refusal extends Error {
  constructor(
    readonly exception: ServerException,
    /** The request body was not read to its end: answer, then close the connection. */
    readonly bodyUnread = false,
    /** A limit the query ran into (counted as failed), rather than a refusal before it ran. */
    readonly failed = false,
  ) {
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
  const engine = await loadEngineCatalog(config.clickhouse.client);
  const stats: { -readonly [K in keyof QueryEndpointStats]: QueryEndpointStats[K] } = {
    queries: 0,
    refused: 0,
    failed: 0,
    running: 0,
  };
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      config.logger?.error({ err }, 'query endpoint: unexpected failure');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://endpoint');
    const params = url.searchParams;
    // The id is echoed in a header: one that cannot be is refused (by the parameter check), and the
    // refusal carries a fresh id.
    const askedId = params.get('query_id') ?? headerOf(req, 'x-clickhouse-query-id');
    const queryId = askedId !== undefined && /^[\x21-\x7e]{1,128}$/.test(askedId) ? askedId : randomUUID();
    const ctx: RequestContext = { queryId, params };
    const path = url.pathname;
    if (path === '/ping' || path === '/replicas_status' || (path === '/' && req.method === 'GET' && !params.has('query'))) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, ctx, refusal(1, 'UNSUPPORTED_METHOD', `HTTP method ${req.method ?? ''} is not allowed on ${path}`), 405);
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
      if (err instanceof Refusal) {
        if (err.failed) stats.failed += 1;
        else stats.refused += 1;
        config.logger?.info({ queryId: ctx.queryId, code: err.exception.type, reason: err.exception.message }, 'query endpoint: request refused');
        return sendError(res, ctx, err);
      }
      stats.failed += 1;
      return sendError(res, ctx, new Refusal(serverExceptionOf(err)));
    }
  }

  async function runQuery(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    // Everything that can be checked without the body is, before a slot is taken or a byte read.
    const checked = checkRequestParameters(ctx.params, engine, config);
    if (!checked.ok) throw new Refusal(serverException(checked.refusal.code, checked.refusal.type, checked.refusal.message), true);
    const request = checked.parameters;
    try {
      authenticate(config, credentialsOf(req, ctx.params));
    } catch (err) {
      throw err instanceof Refusal ? new Refusal(err.exception, true) : err;
    }
    if (headerOf(req, 'x-clickhouse-query-id') !== undefined && !/^[\x21-\x7e]{1,128}$/.test(headerOf(req, 'x-clickhouse-query-id') ?? '')) {
      throw new Refusal(
        serverException(36, 'BAD_ARGUMENTS', 'Header X-ClickHouse-Query-Id expects printable ASCII without spaces, at most 128 characters'),
        true,
      );
    }
    const database = (request.protocol.get('database') as string | undefined) ?? headerOf(req, 'x-clickhouse-database') ?? config.clickhouse.database;
    if (database !== config.clickhouse.database) throw new Refusal(await databaseRefusal(config.clickhouse, database), true);
    const askedFormat = (request.protocol.get('default_format') as string | undefined) ?? headerOf(req, 'x-clickhouse-format');
    if (askedFormat !== undefined && allowedOutputFormat(askedFormat, engine) === undefined) throw new Refusal(formatRefusal(askedFormat, engine), true);

    if (stats.running >= config.limits.maxConcurrentQueries) {
      throw new Refusal(
        serverException(202, 'TOO_MANY_SIMULTANEOUS_QUERIES', `Too many simultaneous queries. Maximum: ${config.limits.maxConcurrentQueries}`),
        true,
      );
    }
    stats.running += 1;
    let output: Buffer;
    let format: string;
    let summary: Record<string, string>;
    const started = process.hrtime.bigint();
    try {
      const text = await queryText(req, request);
      const connection = await createClickHouse({
        mode: 'embedded',
        path: config.clickhouse.location,
        database,
        ensureDatabase: false,
        // Room for the text as hex digits (twice its size) in the parse, and for the canonical text.
        clickhouseSettings: { ...SERVER_LIKE_SETTINGS, max_query_size: String(2 * config.limits.maxQueryBytes + 65_536) },
      });
      try {
        const canonical = await canonicalize(connection, text);
        const verdict = checkCanonicalQuery(canonical.sql, { database, existingDatabases: canonical.databases, catalog: engine, options: config });
        if (!verdict.ok) throw new Refusal(verdict.error);
        format = verdict.format ?? (askedFormat === undefined ? DEFAULT_FORMAT : (allowedOutputFormat(askedFormat, engine) as string));
        const queryParams = boundParameters(request, verdict.parameterTypes);
        stats.queries += 1;
        config.logger?.debug({ queryId: ctx.queryId, sql: verdict.sql }, 'query endpoint: running');
        const result = await connection.client.exec({
          query: verdict.sql,
          query_id: ctx.queryId,
          clickhouse_settings: engineSettings(request.settings, format, config),
          ...(Object.keys(queryParams).length > 0 ? { query_params: queryParams } : {}),
        });
        output = await collect(result.stream, config.limits.maxResultBytes);
        const revision = Number(request.protocol.get('client_protocol_version') ?? 0);
        if (format.toLowerCase() === 'native' && revision >= REVISION_WITH_CUSTOM_SERIALIZATION) {
          try {
            output = nativeForRevision(output, revision);
          } catch (err) {
            if (err instanceof NativeTranscodeError) throw new Refusal(serverException(48, 'NOT_IMPLEMENTED', err.message), false, true);
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
      throw new Refusal(
        serverException(
          396,
          'TOO_MANY_ROWS_OR_BYTES',
          `Limit for result exceeded: the answer is ${output.length} bytes, max bytes: ${config.limits.maxResultBytes}`,
        ),
        false,
        true,
      );
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
    if (request.protocol.get('compress') === true) {
      // Block by block, yielding between blocks: the checksums are computed on this thread (about
      // 15 MB/s), and the process also runs the joiner, whose consumer must not stall for seconds.
      headers['Content-Length'] = String(nativeCompressedLength(output.length));
      res.writeHead(200, headers);
      for (let at = 0; at < output.length; at += NATIVE_BLOCK_SIZE) {
        if (res.destroyed) return;
        res.write(nativeCompressedBlock(output.subarray(at, at + NATIVE_BLOCK_SIZE)));
        await setImmediatePromise();
      }
      res.end();
      return;
    } else if (request.protocol.get('enable_http_compression') === true) {
      const codec = acceptedCodec(req);
      if (codec) {
        payload = await codecs[codec](output);
        headers['Content-Encoding'] = codec;
      }
    }
    headers['Content-Length'] = String(payload.length);
    res.writeHead(200, headers);
    res.end(payload);
  }

  /** The query: the `query` parameter and the body (decoded, bounded), joined by a newline. */
  async function queryText(req: IncomingMessage, request: RequestParameters): Promise<string> {
    const limit = config.limits.maxQueryBytes;
    const fromUrl = (request.protocol.get('query') as string | undefined) ?? '';
    let body: Buffer;
    try {
      body = await readBoundedBody(req, { maxBytes: limit, native: request.protocol.get('decompress') === true });
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      if (err.reason === 'too-large') throw new Refusal(serverException(62, 'SYNTAX_ERROR', err.message), true);
      if (err.reason === 'unsupported-encoding') throw new Refusal(serverException(48, 'NOT_IMPLEMENTED', err.message), true);
      throw new Refusal(serverException(271, 'CANNOT_DECOMPRESS', err.message), true);
    }
    if (Buffer.byteLength(fromUrl) + body.length > limit) throw new Refusal(serverException(62, 'SYNTAX_ERROR', `Max query size exceeded (${limit} bytes)`));
    const text = [fromUrl, body.toString('utf8')].filter((part) => part.trim() !== '').join('\n');
    if (text.trim() === '') throw new Refusal(serverException(62, 'SYNTAX_ERROR', 'Empty query'));
    return text;
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
      text = (await readBoundedBody(req, { maxBytes: route.maxBodyBytes, native: false })).toString('utf8');
    } catch (err) {
      res.shouldKeepAlive = false;
      if (err instanceof BodyError && err.reason === 'too-large')
        return answer(413, { error: `the body of ${route.path} may have at most ${route.maxBodyBytes} bytes` });
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
    // The body may be unread (refused before or while reading it): close rather than read the rest.
    if (err.bodyUnread) res.shouldKeepAlive = false;
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

function acceptedCodec(req: IncomingMessage): Codec | undefined {
  const accepted = (req.headers['accept-encoding'] ?? '').split(',').map((e) => e.split(';')[0]?.trim().toLowerCase() ?? '');
  return (['gzip', 'deflate', 'br'] as const).find((c) => accepted.includes(c));
}

/**
 * Has the engine parse the query and render it canonically. The text reaches the engine as hex digits
 * the endpoint wrote (`unhex('...')`), which no client text can break out of; a bound parameter
 * would do too, but chdb runs bound queries one at a time process-wide, so every request would wait
 * behind any slow parameterized query. The same round trip lists the databases, to tell `db.table`
 * from `table.column`.
 */
async function canonicalize(connection: ClickHouse, text: string): Promise<{ sql: string; databases: ReadonlySet<string> }> {
  const hex = Buffer.from(text, 'utf8').toString('hex');
  let row: { sql: string; databases: string[] } | undefined;
  try {
    const rs = await connection.client.query({
      query: `SELECT formatQuerySingleLine(unhex('${hex}')) AS sql, (SELECT groupArray(name) FROM system.databases) AS databases`,
      format: 'JSONEachRow',
    });
    [row] = await rs.json<{ sql: string; databases: string[] }>();
  } catch (err) {
    // The parser's error about the client's text, without the wrapper query it was parsed in.
    const exception = serverExceptionOf(err);
    throw new Refusal(serverException(exception.code, exception.type, exception.message.replace(/[.:]?\s*In scope SELECT formatQuerySingleLine[\s\S]*$/, '')));
  }
  return { sql: row?.sql ?? '', databases: new Set(row?.databases ?? []) };
}

/** Why `database` is refused: it does not exist (81, as a server says) or it is not readable here (497). */
async function databaseRefusal(owner: ClickHouse, database: string): Promise<ServerException> {
  if (IDENTIFIER.test(database)) {
    const rs = await owner.client.query({
      query: 'SELECT name FROM system.databases WHERE name = {name:String}',
      query_params: { name: database },
      format: 'JSONEachRow',
    });
    if ((await rs.json()).length > 0) {
      return serverException(
        497,
        'ACCESS_DENIED',
        `Not enough privileges: database ${database} is not readable on this endpoint; queries run in ${owner.database} (and may read ${READABLE_METADATA_DATABASES.join(', ')} and some system tables)`,
      );
    }
  }
  return serverException(81, 'UNKNOWN_DATABASE', `Database ${shown(database)} does not exist`);
}

/**
 * The settings a query runs with, all built here: the client's validated ones, then the endpoint's
 * limits. `readonly` comes last: chdb turns each setting into a SET on the connection, in this order.
 */
export function engineSettings(fromUrl: ReadonlyMap<string, SettingValue>, format: string, config: ResolvedQueryEndpointOptions): ClickHouseSettings {
  const limit = (name: keyof typeof LIMIT_SETTINGS) => (fromUrl.get(name) as number | undefined) ?? LIMIT_SETTINGS[name](config);
  return {
    ...Object.fromEntries(fromUrl),
    max_result_rows: String(limit('max_result_rows')),
    max_result_bytes: String(limit('max_result_bytes')),
    result_overflow_mode: (fromUrl.get('result_overflow_mode') as 'throw' | 'break' | undefined) ?? 'throw',
    max_execution_time: limit('max_execution_time'),
    timeout_overflow_mode: 'throw',
    max_memory_usage: String(limit('max_memory_usage')),
    default_format: format,
    readonly: '2',
  } as ClickHouseSettings;
}

/** Each declared parameter's value for chdb's binding (see query-parameters.ts); unused ones are dropped. */
function boundParameters(request: RequestParameters, types: ReadonlyMap<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, type] of types) {
    const raw = request.queryParams.get(name);
    if (raw === undefined) continue; // the engine names the missing parameter
    const bound = boundParameterValue(name, raw, type);
    if (!bound.ok) throw new Refusal(serverException(457, 'BAD_QUERY_PARAMETER', bound.message));
    out[name] = bound.value;
  }
  return out;
}

/** The engine's answer, refused as soon as it passes `maxBytes`. */
async function collect(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) {
      throw new Refusal(
        serverException(396, 'TOO_MANY_ROWS_OR_BYTES', `Limit for result exceeded: the answer has more than ${maxBytes} bytes, max bytes: ${maxBytes}`),
        false,
        true,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
