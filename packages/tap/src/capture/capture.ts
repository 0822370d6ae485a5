/**
 * The framework-free capture core: given the `node:http` request/response pair an application (or
 * a proxy) handles, observe what the client sent and what it was sent back, without changing either.
 *
 * How bodies are observed, and why:
 * - Request: the instance's `push` is wrapped. Node's HTTP parser hands every body chunk to
 *   `req.push(chunk)` and ends with `req.push(null)`, whether or not, and however, the application
 *   reads. Adding a 'data' listener instead would switch the stream to flowing mode and lose bytes
 *   for an application that starts reading later; wrapping 'data' emission would only see what the
 *   application reads. Backpressure is untouched: the wrapper returns what `push` returns.
 * - Response: the instance's `writeHead`, `write` and `end` are wrapped. The wrappers copy (bounded)
 *   and then call the original with the same arguments, returning its result. Middleware mounted
 *   later (compression) wraps these wrappers, so the tap sees the bytes that go on the wire.
 * - Completion: 'finish' timestamps the last byte handed to the OS; 'close' (emitted for every
 *   response, after 'finish' or when the client went away) ends the capture exactly once. The
 *   record is built, redacted and offered in a setImmediate after that, never before the response
 *   bytes go out.
 * Every tap step runs inside try/catch: a failure is counted and logged (rate-limited), loses only
 * that request's capture and never reaches the application.
 *
 * With the outbound recorder on (`outbound.enabled`), a captured request also enters its own
 * outbound scope (AsyncLocalStorage) and its recorded calls go into the exchange when it is built;
 * off, the engine holds no recorder and none of that runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CapturedExchange } from '@shadow/contracts';
import type { ResolvedTapOptions, TapLogger } from '../options.js';
import { OutboundRecorder } from '../outbound/recorder.js';
import type { OutboundScope } from '../outbound/scope.js';
import type { Redactor } from '../redaction/redactor.js';
import type { Sampler, SamplingDecision } from '../sampling/sampler.js';
import type { ExchangeTransport } from '../transport/types.js';
import { toTapError } from '../errors.js';
import { BodyRecorder, ByteBudget } from './body-recorder.js';
import { resolveExchangeId } from './exchange-id.js';
import { firstValue, requestHeaderRecord, responseHeaderRecord, type HeadHeaders } from './headers.js';
import type { CaptureContext, CaptureCounters, CaptureHandle } from './types.js';

export interface CaptureEngineDeps {
  readonly options: ResolvedTapOptions;
  readonly sampler: Sampler;
  readonly redactor: Redactor;
  readonly transport: ExchangeTransport;
  readonly tapVersion: string;
  readonly logger: TapLogger;
}

const ERROR_LOG_INTERVAL_MS = 10_000;

export class CaptureEngine {
  readonly counters: CaptureCounters = {
    paused: 0,
    sampledOut: 0,
    captured: 0,
    offerRefused: 0,
    captureErrors: 0,
    truncatedBodies: 0,
    withheldBodies: 0,
    capturedBodyBytes: 0,
    inFlight: 0,
    inFlightBodyBytes: 0,
  };
  readonly budget: ByteBudget;
  /** The live outbound recorder, null when `outbound.enabled` is false. */
  readonly outbound: OutboundRecorder | null;
  private isClosed = false;
  private lastErrorLogMs = Number.NEGATIVE_INFINITY;
  private suppressedErrors = 0;
  private idleWaiters: (() => void)[] = [];
  /** Captures whose response closed, built together in one setImmediate (see scheduleBuild). */
  private pendingBuilds: ExchangeCapture[] = [];
  private buildScheduled = false;
  private readonly runBuilds = (): void => {
    this.buildScheduled = false;
    const batch = this.pendingBuilds;
    this.pendingBuilds = [];
    for (const capture of batch) capture.build();
  };

  private readonly countPaused: ((count?: number) => void) | undefined;
  /** Marks requests this engine captures; per engine, so two taps in one process stay independent. */
  private readonly mark = Symbol('shadow.tap.capture');

  constructor(readonly deps: CaptureEngineDeps) {
    this.budget = new ByteBudget(deps.options.maxInFlightBodyBytes);
    const outbound = deps.options.outbound;
    this.outbound = null;
    if (outbound !== undefined && outbound.enabled) {
      this.counters.outboundCalls = 0;
      this.counters.outboundDropped = 0;
      this.outbound = new OutboundRecorder({
        options: outbound,
        inFlightBudget: this.budget,
        fail: (error) => this.fail(error),
        countDropped: (count) => {
          this.counters.outboundDropped = (this.counters.outboundDropped ?? 0) + count;
        },
      });
    }
    const countPaused = (deps.transport as { countPaused?: unknown }).countPaused;
    this.countPaused = typeof countPaused === 'function' ? (countPaused as (count?: number) => void) : undefined;
  }

  /** Set by `close()`: new requests are not captured; those in flight still finish. */
  get closed(): boolean {
    return this.isClosed;
  }

  set closed(value: boolean) {
    this.isClosed = value;
    if (value && this.counters.inFlight === 0) this.outbound?.dispose();
  }

  /**
   * Starts capturing one exchange. Returns null when the request is not captured (paused, sampled
   * out, tap closed). Never throws.
   */
  capture(req: IncomingMessage, res: ServerResponse, context?: CaptureContext): CaptureHandle | null {
    if (this.outbound === null) return this.start(req, res, context);
    const handle = this.start(req, res, context);
    // A request without a capture must not run in the scope of an earlier one (see leave()).
    if (handle === null) {
      try {
        this.outbound.leave();
      } catch (error) {
        this.fail(error);
      }
    }
    return handle;
  }

  private start(req: IncomingMessage, res: ServerResponse, context?: CaptureContext): CaptureHandle | null {
    try {
      if (this.closed) return null;
      // Mounted twice (attachToServer and a middleware, a plugin registered twice): one capture.
      const existing = (req as unknown as Record<symbol, CaptureHandle | undefined>)[this.mark];
      if (existing !== undefined) return existing;
      // Kill switch first: while mirroring is paused the tap does no work at all.
      if (!this.deps.transport.enabled) {
        this.counters.paused++;
        // The Kafka transport counts skipped captures as `paused` drops, so the pause shows in its stats.
        this.countPaused?.call(this.deps.transport);
        return null;
      }
      const { sampler } = this.deps;
      const path = pathOf(req.url);
      let key: string | undefined;
      if (sampler.keyHeader !== null) {
        const raw = req.headers[sampler.keyHeader];
        key = Array.isArray(raw) ? raw[0] : raw;
      }
      const known = context?.routeTemplate;
      const template = known !== undefined ? known : context?.resolveRouteTemplate === undefined ? null : undefined;
      const decision = sampler.decide(path, template, key);
      if (!decision.candidate) {
        this.counters.sampledOut++;
        return null;
      }
      const resolve = known === undefined ? context?.resolveRouteTemplate : undefined;
      const handle = new ExchangeCapture(this, req, res, path, decision, known ?? null, resolve);
      (req as unknown as Record<symbol, CaptureHandle>)[this.mark] = handle;
      return handle;
    } catch (error) {
      this.fail(error);
      return null;
    }
  }

  /** Counts and logs (at most once per 10 s, with the number suppressed) a failure inside the tap. */
  fail(error: unknown): void {
    this.counters.captureErrors++;
    try {
      const now = Date.now();
      if (now - this.lastErrorLogMs < ERROR_LOG_INTERVAL_MS) {
        this.suppressedErrors++;
        return;
      }
      const err = toTapError(error, 'TAP_CAPTURE_FAILED');
      this.deps.logger.warn({ err, code: err.code, suppressed: this.suppressedErrors }, 'tap: capture failed; the request was served, its capture is lost');
      this.lastErrorLogMs = now;
      this.suppressedErrors = 0;
    } catch {
      // A throwing logger must not turn a lost capture into a failed request.
    }
  }

  /** Resolves when no capture is in flight, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.counters.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /**
   * @internal called by ExchangeCapture when its response closed. Building, parsing and redacting
   * run after pending I/O, in one setImmediate for every capture that closed meanwhile (one
   * immediate per event-loop turn instead of one per request).
   */
  scheduleBuild(capture: ExchangeCapture): void {
    this.pendingBuilds.push(capture);
    if (!this.buildScheduled) {
      this.buildScheduled = true;
      setImmediate(this.runBuilds);
    }
  }

  /** @internal called by ExchangeCapture. */
  settled(): void {
    this.counters.inFlight--;
    if (this.counters.inFlight === 0 && this.isClosed) this.outbound?.dispose();
    if (this.counters.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  let path = url;
  // Absolute-form request target (a forward proxy request): keep only the path.
  if (!url.startsWith('/') && url !== '*') {
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  }
  const q = path.indexOf('?');
  if (q !== -1) path = path.slice(0, q);
  return path;
}

function queryOf(url: string | undefined): string {
  if (url === undefined) return '';
  if (!url.startsWith('/') && url !== '*') {
    try {
      return new URL(url).search.slice(1);
    } catch {
      return '';
    }
  }
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

type Method = (...args: unknown[]) => unknown;

function hasNoBody(method: string | undefined, status: number): boolean {
  // Node discards body writes for these; the client receives no body bytes.
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

class ExchangeCapture implements CaptureHandle {
  readonly exchangeId: string;
  /** performance.now() values (ms, sub-µs resolution): cheaper than hrtime.bigint(), which allocates. */
  private readonly startMs = performance.now();
  private readonly captureTimeMs = Date.now();
  private readonly url: string | undefined;
  private readonly requestBody: BodyRecorder;
  private readonly responseBody: BodyRecorder;
  private head: HeadHeaders | undefined;
  private finishMs = -1;
  private endMs = -1;
  /** Saw `push(null)`: the request body is complete. */
  private requestEnded = false;
  /** The request body was dumped by Node before it ended: bytes after that were never pushed. */
  private requestDumped = false;
  private open = true;
  /** This request's outbound scope when the recorder is on. */
  private readonly outboundScope: OutboundScope | null;

  constructor(
    private readonly engine: CaptureEngine,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly path: string,
    private readonly decision: SamplingDecision,
    private readonly routeTemplate: string | null,
    /** Set only when the template was not known at attach time. */
    private readonly resolveRouteTemplate: (() => string | null) | undefined,
  ) {
    const { options } = engine.deps;
    this.url = req.url;
    this.exchangeId = resolveExchangeId(options.exchangeIdHeaders, req.headers, this.captureTimeMs);
    this.requestBody = new BodyRecorder(options.maxBodyBytes, engine.budget);
    this.responseBody = new BodyRecorder(options.maxBodyBytes, engine.budget);
    engine.counters.inFlight++;
    this.outboundScope = engine.outbound === null ? null : engine.outbound.enter();
    this.seedBufferedRequestBody();
    this.wrapRequest();
    this.wrapResponse();
    res.on('finish', () => {
      this.finishMs = performance.now();
    });
    res.on('close', () => this.onClose());
  }

  /**
   * Bytes that arrived before the tap attached (an earlier async middleware or hook) sit in the
   * request's buffer unread: copy them. Bytes already read by someone else cannot be recovered;
   * the body is then flagged as truncated.
   */
  private seedBufferedRequestBody(): void {
    const req = this.req;
    if (req.readableDidRead) {
      this.requestBody.markIncomplete();
      return;
    }
    if (req.readableLength > 0) {
      const buffered = (req as unknown as { readableBuffer?: unknown }).readableBuffer;
      if (buffered === null || typeof buffered !== 'object' || !(Symbol.iterator in buffered)) {
        this.requestBody.markIncomplete();
        return;
      }
      for (const chunk of buffered as Iterable<unknown>) {
        if (chunk === null || chunk === undefined) continue;
        if (chunk instanceof Uint8Array) this.requestBody.addBytes(chunk);
        else this.requestBody.markIncomplete();
      }
    }
    if (req.readableEnded || req.complete) this.requestEnded = true;
  }

  private wrapRequest(): void {
    const push = this.req.push as Method;
    const wrapped = (...args: unknown[]): unknown => {
      if (this.open) {
        try {
          this.onRequestChunk(args[0]);
        } catch (error) {
          this.engine.fail(error);
        }
      }
      return Reflect.apply(push, this.req, args);
    };
    this.req.push = wrapped as IncomingMessage['push'];
  }

  private onRequestChunk(chunk: unknown): void {
    if (chunk === null) {
      this.requestEnded = true;
      this.requestDumped = (this.req as { _dumped?: unknown })._dumped === true;
    } else if (chunk instanceof Uint8Array) {
      this.requestBody.addBytes(chunk);
    }
  }

  private wrapResponse(): void {
    const res = this.res;
    const writeHead = res.writeHead as Method;
    const write = res.write as Method;
    const end = res.end as Method;
    res.writeHead = ((...args: unknown[]): unknown => {
      if (this.open && !res.headersSent) {
        try {
          const headers = typeof args[1] === 'string' ? args[2] : args[1];
          if (headers !== undefined && headers !== null && typeof headers === 'object') this.head = headers as HeadHeaders;
        } catch (error) {
          this.engine.fail(error);
        }
      }
      return Reflect.apply(writeHead, res, args);
    }) as ServerResponse['writeHead'];
    res.write = ((...args: unknown[]): unknown => {
      if (this.open) this.onResponseChunk(args[0], args[1]);
      return Reflect.apply(write, res, args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]): unknown => {
      if (this.open && typeof args[0] !== 'function') this.onResponseChunk(args[0], args[1]);
      return Reflect.apply(end, res, args);
    }) as ServerResponse['end'];
  }

  private onResponseChunk(chunk: unknown, encoding: unknown): void {
    try {
      const res = this.res;
      if (chunk === null || chunk === undefined || res.writableEnded || res.destroyed) return;
      if (hasNoBody(this.req.method, res.statusCode)) return;
      if (typeof chunk === 'string') {
        const enc = typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
        this.responseBody.addString(chunk, enc);
      } else if (chunk instanceof Uint8Array) {
        this.responseBody.addBytes(chunk);
      }
    } catch (error) {
      this.engine.fail(error);
    }
  }

  private onClose(): void {
    if (!this.open) return;
    this.open = false;
    this.endMs = performance.now();
    // Off the response's completion path: building, parsing and redacting run after pending I/O.
    this.engine.scheduleBuild(this);
  }

  /** @internal called by CaptureEngine.scheduleBuild's immediate. Never throws. */
  build(): void {
    const { engine } = this;
    try {
      const template = this.template();
      const { sampled, rate } = engine.deps.sampler.settle(this.decision, this.path, template);
      if (!sampled) {
        this.requestBody.discard();
        this.responseBody.discard();
        this.outboundScope?.discard();
        engine.counters.sampledOut++;
        return;
      }
      const exchange = this.record(template, rate);
      engine.counters.captured++;
      if (!engine.deps.transport.offer(exchange)) engine.counters.offerRefused++;
    } catch (error) {
      this.requestBody.discard();
      this.responseBody.discard();
      this.outboundScope?.discard();
      engine.fail(error);
    } finally {
      engine.settled();
    }
  }

  private template(): string | null {
    if (this.resolveRouteTemplate === undefined) return this.routeTemplate;
    try {
      return this.resolveRouteTemplate();
    } catch (error) {
      this.engine.fail(error);
      return null;
    }
  }

  private record(template: string | null, rate: number): CapturedExchange {
    const { engine, req, res } = this;
    const { options, redactor, tapVersion } = engine.deps;
    const counters = engine.counters;
    // Not res.writableFinished: it turns true once the socket is gone, e.g. for an error response
    // written after the client dropped its upload. 'finish' fires only when the last byte was
    // handed to the OS.
    const aborted = this.finishMs < 0;
    const responded = res.headersSent;

    const requestHeaders = requestHeaderRecord(req.rawHeaders);
    const requestContentType = firstValue(requestHeaders, 'content-type');
    const contentLength = Number(firstValue(requestHeaders, 'content-length') ?? Number.NaN);
    const requestComplete =
      (this.requestEnded || req.complete) && !this.requestDumped && !(Number.isFinite(contentLength) && this.requestBody.size < contentLength);
    const request = redactor.body(
      this.requestBody.take(),
      this.requestBody.truncated || !requestComplete,
      requestContentType,
      firstValue(requestHeaders, 'content-encoding'),
    );
    redactor.headers(requestHeaders);

    const responseHeaders = responded ? responseHeaderRecord(res, this.head) : (Object.create(null) as Record<string, string[]>);
    const responseContentType = firstValue(responseHeaders, 'content-type');
    const response = redactor.body(
      this.responseBody.take(),
      this.responseBody.truncated || aborted,
      responseContentType,
      firstValue(responseHeaders, 'content-encoding'),
    );
    redactor.headers(responseHeaders);

    if (request.truncated) counters.truncatedBodies++;
    if (response.truncated) counters.truncatedBodies++;
    if (request.withheld) counters.withheldBodies++;
    if (response.withheld) counters.withheldBodies++;
    counters.capturedBodyBytes += request.body.length + response.body.length;

    const lastMs = this.finishMs >= 0 ? this.finishMs : this.endMs >= 0 ? this.endMs : performance.now();
    const exchange: CapturedExchange = {
      exchangeId: this.exchangeId,
      captureTimeMs: this.captureTimeMs,
      service: options.service,
      environment: options.environment,
      method: req.method ?? 'GET',
      scheme: (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http',
      host: req.headers.host ?? '',
      path: this.path,
      query: queryOf(this.url),
      routeTemplate: template,
      requestHeaders,
      requestBody: request.body,
      requestBodyTruncated: request.truncated,
      requestBodySize: this.requestBody.size,
      requestContentType,
      responseStatus: responded ? res.statusCode : 0,
      responseHeaders,
      responseBody: response.body,
      responseBodyTruncated: response.truncated,
      responseBodySize: this.responseBody.size,
      responseContentType,
      liveLatencyUs: Math.round((lastMs - this.startMs) * 1000),
      aborted,
      samplingRate: rate,
      tapVersion,
    };
    if (this.outboundScope !== null) {
      const calls = this.outboundScope.close(redactor);
      if (calls.length > 0) {
        exchange.outboundCalls = calls;
        counters.outboundCalls = (counters.outboundCalls ?? 0) + calls.length;
      }
    }
    return exchange;
  }
}

export { pathOf, queryOf };
