/**
 * The live outbound recorder: which outbound HTTP calls belong to which captured request, and what
 * they sent and received, observed without changing either.
 *
 * Correlation: the capture engine enters an `OutboundScope` as the AsyncLocalStorage store of a
 * captured request (`enter`, an `enterWith` from the request listener, so the handler and every
 * async continuation it creates carry it). A client call reads the store when it starts, which is
 * synchronous with the application code that made it; everything after that is tied to the call's
 * request object, not to async context.
 *
 * Observation, through `node:diagnostics_channel`:
 * - undici (global fetch, and undici from npm when it shares the channels): `undici:request:create`
 *   starts a call (origin, method, path, headers), `undici:request:headers` gives status and
 *   headers, `undici:request:trailers` ends it, `undici:request:error` fails it. undici 6 (Node 20)
 *   publishes no body chunks, so the request's own `onBodySent` / `onData` hooks are wrapped on
 *   the instance: each wrapper copies (bounded) and calls the original with the same arguments,
 *   returning its result (a `false` from onData still pauses the socket).
 * - node:http / node:https clients: the call starts at the application's first `write` / `end`
 *   on the request (client-writes.ts: Node 20 has no channel at construction, and its
 *   `http.client.request.start` comes after the body was sent), which also gives the request body
 *   as the application writes it; `http.client.request.start` starts it otherwise;
 *   `http.client.response.finish` (published when the response head arrived, before any body)
 *   records status and headers and wraps the response's `push`, which Node's parser calls with
 *   every body chunk and `null` at the end whether or not, and however, the application reads (a
 *   'data' listener would switch the stream to flowing mode and could lose bytes the application
 *   reads later); `http.client.request.error` fails it. 'close' listeners (which change nothing)
 *   end calls that stop without either.
 * Every handler runs inside try/catch: a failure is reported through `fail` and never reaches the
 * application.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ByteBudget } from '../capture/body-recorder.js';
import { requestHeaderRecord, type HeaderRecord } from '../capture/headers.js';
import { observeClientWrites } from './client-writes.js';
import type { ResolvedOutboundOptions } from './options.js';
import { OutboundScope, type PendingCall, type ScopeHost } from './scope.js';

export interface OutboundRecorderDeps {
  readonly options: ResolvedOutboundOptions;
  readonly inFlightBudget: ByteBudget;
  /** Counts and logs a failure inside the recorder. */
  readonly fail: (error: unknown) => void;
  /** Counts calls not recorded. */
  readonly countDropped: (count: number) => void;
}

type Method = (...args: unknown[]) => unknown;
type Listener = (message: unknown, name: string | symbol) => void;

/** The fields of undici's core Request the recorder reads (undici 6 and 7). */
interface UndiciRequest {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  headers?: unknown;
  onBodySent?: unknown;
  onData?: unknown;
}

export class OutboundRecorder implements ScopeHost {
  readonly options: ResolvedOutboundOptions;
  readonly inFlightBudget: ByteBudget;
  private readonly storage = new AsyncLocalStorage<OutboundScope>();
  private readonly undiciCalls = new WeakMap<object, PendingCall>();
  /** null: seen outside any scope (or not recorded), ignore it from then on. */
  private readonly httpCalls = new WeakMap<object, PendingCall | null>();
  private readonly subscriptions: [string, Listener][];
  private readonly stopObservingWrites: () => void;
  private disposed = false;

  constructor(private readonly deps: OutboundRecorderDeps) {
    this.options = deps.options;
    this.inFlightBudget = deps.inFlightBudget;
    this.subscriptions = [
      ['undici:request:create', (m) => this.guard(() => this.onUndiciCreate(m))],
      ['undici:request:headers', (m) => this.guard(() => this.onUndiciHeaders(m))],
      ['undici:request:trailers', (m) => this.guard(() => this.onUndiciEnd(m, null))],
      ['undici:request:error', (m) => this.guard(() => this.onUndiciEnd(m, errorText((m as { error?: unknown }).error)))],
      ['http.client.request.start', (m) => this.guard(() => this.onHttpStart(m))],
      ['http.client.response.finish', (m) => this.guard(() => this.onHttpResponse(m))],
      ['http.client.request.error', (m) => this.guard(() => this.onHttpError(m))],
    ];
    for (const [name, listener] of this.subscriptions) diagnostics.subscribe(name, listener);
    this.stopObservingWrites = observeClientWrites((request, chunk, encoding) => {
      this.guard(() => this.onHttpWrite(request, chunk, encoding));
    });
  }

  countDropped(count: number): void {
    this.deps.countDropped(count);
  }

  /** A new scope for one captured request, entered for the rest of the request's execution. */
  enter(): OutboundScope {
    const scope = new OutboundScope(this);
    this.storage.enterWith(scope);
    return scope;
  }

  /**
   * Leaves any scope for a request that is not captured. A keep-alive connection runs its requests
   * in one async resource, so a scope entered for the previous request would otherwise still be
   * the store of this one.
   */
  leave(): void {
    if (this.storage.getStore() !== undefined) this.storage.enterWith(undefined as unknown as OutboundScope);
  }

  /**
   * Unsubscribes and restores ClientRequest. The engine calls it once the tap is closed and every
   * capture is built, so no scope is waiting for a call to end. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [name, listener] of this.subscriptions) diagnostics.unsubscribe(name, listener);
    this.stopObservingWrites();
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.deps.fail(error);
    }
  }

  private startCall(): PendingCall | null {
    const scope = this.storage.getStore();
    return scope === undefined ? null : scope.start();
  }

  // ---- undici ----

  private onUndiciCreate(message: unknown): void {
    const request = (message as { request?: unknown }).request as UndiciRequest | undefined;
    if (request === undefined || request === null || typeof request !== 'object') return;
    const call = this.startCall();
    if (call === null) return;
    this.undiciCalls.set(request, call);
    const origin = originOf(request.origin);
    call.scheme = origin.scheme;
    call.target = origin.target;
    call.method = typeof request.method === 'string' ? request.method : 'GET';
    call.path = typeof request.path === 'string' ? request.path : '/';
    call.requestHeaders = undiciRequestHeaders(request.headers);
    const onBodySent = request.onBodySent;
    if (typeof onBodySent === 'function') {
      request.onBodySent = (...args: unknown[]): unknown => {
        this.guard(() => addChunk(call, 'request', args[0]));
        return Reflect.apply(onBodySent as Method, request, args);
      };
    }
    const onData = request.onData;
    if (typeof onData === 'function') {
      request.onData = (...args: unknown[]): unknown => {
        this.guard(() => addChunk(call, 'response', args[0]));
        return Reflect.apply(onData as Method, request, args);
      };
    }
  }

  private onUndiciHeaders(message: unknown): void {
    const { request, response } = message as { request?: object; response?: { statusCode?: unknown; headers?: unknown } };
    const call = request === undefined ? undefined : this.undiciCalls.get(request);
    if (call === undefined || response === undefined) return;
    call.responseStatus = typeof response.statusCode === 'number' ? response.statusCode : 0;
    call.responseHeaders = rawHeaderRecord(response.headers);
  }

  private onUndiciEnd(message: unknown, errorMessage: string | null): void {
    const request = (message as { request?: object }).request;
    const call = request === undefined ? undefined : this.undiciCalls.get(request);
    if (call === undefined) return;
    this.undiciCalls.delete(request as object);
    call.finish(errorMessage);
  }

  // ---- node:http ----

  /** The application's own write / end: its async context says which exchange the call belongs to. */
  private onHttpWrite(request: ClientRequest, chunk: unknown, encoding: unknown): void {
    let call = this.httpCalls.get(request);
    if (call === undefined) call = this.trackHttp(request);
    if (call !== null && chunk !== undefined && chunk !== null) addChunk(call, 'request', chunk, encoding);
  }

  private onHttpStart(message: unknown): void {
    const request = (message as { request?: ClientRequest }).request;
    if (request === undefined || request === null || typeof request !== 'object') return;
    // Normally tracked since its first write / end; this covers a request ended before the recorder started.
    if (!this.httpCalls.has(request)) this.trackHttp(request);
  }

  private trackHttp(request: ClientRequest): PendingCall | null {
    const call = this.startCall();
    this.httpCalls.set(request, call);
    if (call === null) return null;
    const https = request.protocol === 'https:';
    call.scheme = https ? 'https' : 'http';
    call.target = httpTarget(request, https);
    call.method = request.method;
    call.path = request.path;
    request.once('close', () => {
      this.guard(() => {
        // With a response, its own end (or close) finishes the call.
        if (!call.done && call.responseHeaders === null) this.finishHttp(request, call, 'the request closed before a response arrived');
      });
    });
    return call;
  }

  private onHttpResponse(message: unknown): void {
    const { request, response } = message as { request?: ClientRequest; response?: IncomingMessage };
    const call = request === undefined ? undefined : this.httpCalls.get(request);
    if (call === undefined || call === null || response === undefined || request === undefined) return;
    call.responseStatus = response.statusCode ?? 0;
    call.responseHeaders = requestHeaderRecord(response.rawHeaders);
    const push = response.push as Method;
    response.push = ((...args: unknown[]): unknown => {
      this.guard(() => {
        const chunk = args[0];
        if (chunk === null) this.finishHttp(request, call, null);
        else addChunk(call, 'response', chunk, args[1]);
      });
      return Reflect.apply(push, response, args);
    }) as IncomingMessage['push'];
    response.once('close', () => {
      this.guard(() => {
        if (!call.done) this.finishHttp(request, call, 'the response ended before its body completed');
      });
    });
  }

  private onHttpError(message: unknown): void {
    const { request, error } = message as { request?: ClientRequest; error?: unknown };
    const call = request === undefined ? undefined : this.httpCalls.get(request);
    if (call === undefined || call === null || request === undefined) return;
    this.finishHttp(request, call, errorText(error));
  }

  /** Request headers are read at the end: the application may set them until the first write. */
  private finishHttp(request: ClientRequest, call: PendingCall, errorMessage: string | null): void {
    if (call.done) return;
    call.requestHeaders = outgoingHeaderRecord(request);
    call.finish(errorMessage);
  }
}

function addChunk(call: PendingCall, side: 'request' | 'response', chunk: unknown, encoding?: unknown): void {
  if (call.done) return;
  const body = side === 'request' ? call.requestBody : call.responseBody;
  if (chunk instanceof Uint8Array) {
    body.addBytes(chunk);
  } else if (typeof chunk === 'string') {
    body.addString(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return typeof error === 'string' ? error : 'unknown error';
}

const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

function originOf(origin: unknown): { scheme: string; target: string } {
  try {
    const url = origin instanceof URL ? origin : new URL(String(origin));
    const port = url.port === '' ? (DEFAULT_PORT[url.protocol] ?? '') : url.port;
    return { scheme: url.protocol.replace(/:$/, ''), target: port === '' ? url.host : `${url.hostname}:${port}` };
  } catch {
    return { scheme: 'http', target: String(origin) };
  }
}

/** host:port of a node:http request: its `host` option and the port its Host header names (or the default). */
function httpTarget(request: ClientRequest, https: boolean): string {
  const host = request.host.includes(':') && !request.host.startsWith('[') ? `[${request.host}]` : request.host;
  const header = request.getHeader('host');
  const match = typeof header === 'string' ? /:(\d+)$/.exec(header) : null;
  const agentPort = (request as { agent?: { defaultPort?: unknown } }).agent?.defaultPort;
  const port = match?.[1] ?? (typeof agentPort === 'number' ? String(agentPort) : https ? '443' : '80');
  return `${host}:${port}`;
}

/** undici 6/7 keep request headers as a flat [name, value, ...] array; older ones as one string. */
function undiciRequestHeaders(headers: unknown): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(out, String(headers[i]), headers[i + 1]);
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) add(out, line.slice(0, colon), line.slice(colon + 1).trim());
    }
  }
  return out;
}

/** undici's response headers: a flat [name, value, ...] array of Buffers (or strings). */
function rawHeaderRecord(headers: unknown): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  if (!Array.isArray(headers)) return out;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    add(out, text(headers[i]), text(headers[i + 1]));
  }
  return out;
}

function text(value: unknown): string {
  // latin1: header bytes as Node's own parser presents them.
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1') : String(value);
}

function add(out: HeaderRecord, rawName: string, value: unknown): void {
  const name = rawName.toLowerCase();
  const values = Array.isArray(value) ? value.map(String) : [String(value)];
  const existing = out[name];
  if (existing === undefined) out[name] = values;
  else existing.push(...values);
}

function outgoingHeaderRecord(request: ClientRequest): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  const headers = request.getHeaders();
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) add(out, name, value);
  }
  return out;
}
