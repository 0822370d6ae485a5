/**
 * The dependency sandbox: one HTTP listener and one SMTP sink per challenger. A challenger's
 * outbound call arrives either as a proxy request (absolute-form, `HTTP_PROXY`) or at
 * `/__dep/<name>/...`; it is attributed to the exchange being replayed, decided by the rules
 * (writes are never forwarded unless a rule explicitly allows it), answered (live's recorded
 * answer, a stub, the real dependency for reads, or a 503 with the reason), and reported as one
 * SideEffect. The listener a call arrives on names the challenger: no header from the challenger
 * is trusted for that, so a challenger cannot speak for another.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { SideEffect } from '@shadow/contracts';
import { Agent } from 'undici';
import { ExchangeRegistry, type Attribution } from './correlation/exchange-registry.js';
import { SandboxError, toSandboxError } from './errors.js';
import { resolveCallTarget, dependencyFor, type CallTarget } from './http/call-target.js';
import { endToEnd, firstHeader, headerRecord, REDACTED, redactHeaders } from './http/headers.js';
import { resolveSandboxOptions, type ResolvedSandboxOptions, type SandboxOptions } from './options.js';
import { formatTarget, isWrite, matchRule, matchTunnelRule, planCall, splitHostPort, type CallPlan } from './rules/rules.js';
import { parseMessageHeaders, recipientDomains } from './smtp/message.js';
import { SMTP_ACCEPTED, SmtpSink, type CapturedMessage } from './smtp/smtp-sink.js';
import type { DispositionCounts, ExpectedExchange, RecordedCall, Sandbox, SandboxEndpoints, SandboxStats } from './types.js';

/** SideEffect.exchangeId of a call no registered exchange could be found for (Kafka keys must be non-empty). */
export const UNATTRIBUTED_EXCHANGE_ID = 'unattributed';

// No answer carries a header of the sandbox's own (it once sent `x-shadow-sandbox: <disposition>`):
// a challenger that passes a dependency's headers on to its client would hand it to the replayer,
// and every pair would differ on it. The disposition is in the SideEffect.

const EXCHANGE_ID_HEADER = 'x-shadow-exchange-id';
/** Headers of the message sent to the challenger's client are kept to what a dependency sends; bodies for SMTP parsing need the header block. */
const SMTP_HEADER_SCAN_BYTES = 64 * 1024;
const WARN_INTERVAL_MS = 10_000;
const VALID_ID = /^[\x21-\x7e]{1,256}$/;

type Disposition = 'forwarded' | 'recorded' | 'stub' | 'blocked';

interface Listener {
  readonly challengerId: string;
  readonly http: Server;
  httpPort: number;
  readonly smtp: SmtpSink | null;
}

interface Answer {
  status: number;
  body: Buffer;
  disposition: Disposition;
}

function emptyCounts(): DispositionCounts {
  return { recorded: 0, stub: 0, blocked: 0, forwarded: 0 };
}

function toBuffer(body: Buffer | Uint8Array | string | null | undefined): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** At most `max` bytes; a copy when cut, so a queued SideEffect does not pin a large buffer. */
function capped(body: Buffer, max: number): Buffer {
  return body.length <= max ? body : Buffer.from(body.subarray(0, max));
}

function elapsedUs(startNs: bigint): number {
  return Number((process.hrtime.bigint() - startNs) / 1000n);
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

class DefaultSandbox implements Sandbox {
  readonly #options: ResolvedSandboxOptions;
  readonly #registry: ExchangeRegistry;
  readonly #listeners = new Map<string, Listener>();
  readonly #tunnels = new Set<Socket | Duplex>();
  /** Sockets of inspected CONNECT tunnels -> the host:port their origin-form requests are for. */
  readonly #tunnelTargets = new WeakMap<object, { host: string; port: number }>();
  readonly #lastWarn = new Map<string, number>();
  #agent: Agent | null = null;
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  #starting: Promise<void> | null = null;
  readonly #counts = {
    writes: emptyCounts(),
    reads: emptyCounts(),
    tunnels: { opened: 0, refused: 0 },
    emailsCaptured: 0,
    unattributed: 0,
    unregistered: 0,
    forwardErrors: 0,
    callbackErrors: 0,
    sideEffects: 0,
  };

  constructor(options: ResolvedSandboxOptions) {
    this.#options = options;
    this.#registry = new ExchangeRegistry(
      { maxExchanges: options.maxExchanges, graceMs: options.graceMs, reuseExhausted: options.reuseExhausted },
      options.challengers.map((c) => c.id),
    );
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new SandboxError('SANDBOX_CLOSED', 'the sandbox is closed; create a new one');
    if (this.#state === 'started') return;
    this.#starting ??= this.#start();
    await this.#starting;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const o = this.#options;
    this.#agent = new Agent({ connect: { timeout: o.forwardTimeoutMs }, keepAliveTimeout: 4_000 });
    try {
      for (const [index, challenger] of o.challengers.entries()) {
        const http = createServer((req, res) => {
          this.#onRequest(challenger.id, req, res).catch((error: unknown) => {
            o.logger.error({ err: error, challengerId: challenger.id }, 'sandbox: a challenger call failed unexpectedly');
            res.destroy();
          });
        });
        http.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onConnect(challenger.id, req, socket, head));
        http.on('upgrade', (req: IncomingMessage, socket: Duplex) => this.#onUpgrade(challenger.id, req, socket));
        http.on('clientError', (error, socket) => {
          o.logger.debug({ err: error, challengerId: challenger.id }, 'sandbox: malformed request from challenger');
          if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        });
        const smtp = o.smtp
          ? new SmtpSink(
              Math.max(o.maxBodyBytes, SMTP_HEADER_SCAN_BYTES),
              (m) => this.#onMail(challenger.id, m),
              (error) => {
                o.logger.warn({ err: error, challengerId: challenger.id }, 'sandbox: SMTP sink error');
              },
            )
          : null;
        const listener: Listener = { challengerId: challenger.id, http, httpPort: 0, smtp };
        this.#listeners.set(challenger.id, listener);
        try {
          http.listen(challenger.httpPort, o.host);
          await once(http, 'listening');
        } catch (error) {
          throw listenFailed(error, challenger.id, 'HTTP listener', o.host, challenger.httpPort, `challengers[${index}].httpPort`);
        }
        listener.httpPort = (http.address() as AddressInfo).port;
        if (smtp !== null) {
          try {
            await smtp.listen(challenger.smtpPort, o.host);
          } catch (error) {
            throw listenFailed(error, challenger.id, 'SMTP sink', o.host, challenger.smtpPort, `challengers[${index}].smtpPort`);
          }
        }
        o.logger.info({ challengerId: challenger.id, httpPort: listener.httpPort, smtpPort: smtp?.port ?? 0 }, 'sandbox: listening');
      }
    } catch (error) {
      await this.#shutdown();
      this.#state = 'closed';
      throw toSandboxError(error, 'SANDBOX_LISTEN_FAILED');
    }
    this.#state = 'started';
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#starting !== null) await this.#starting.catch(() => undefined);
    if ((this.#state as string) === 'closed') return;
    this.#state = 'closed';
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    for (const tunnel of this.#tunnels) tunnel.destroy();
    this.#tunnels.clear();
    const closing: Promise<unknown>[] = [];
    for (const listener of this.#listeners.values()) {
      if (listener.http.listening) {
        closing.push(new Promise<void>((resolve) => listener.http.close(() => resolve())));
        listener.http.closeAllConnections();
      }
      if (listener.smtp !== null && listener.smtp.port !== 0) closing.push(listener.smtp.close());
    }
    await Promise.all(closing);
    // destroy, not close: a forwarded read still in flight must not hold close() for forwardTimeoutMs.
    await this.#agent?.destroy().catch(() => undefined);
    this.#registry.clear();
  }

  endpoints(challengerId: string): SandboxEndpoints {
    if (this.#state === 'closed') throw new SandboxError('SANDBOX_CLOSED', 'the sandbox is closed');
    const listener = this.#listeners.get(challengerId);
    if (!this.#registry.hasChallenger(challengerId)) {
      throw new SandboxError(
        'SANDBOX_UNKNOWN_CHALLENGER',
        `challenger "${challengerId}" is not configured (known: ${this.#options.challengers.map((c) => c.id).join(', ')}); add it to challengers`,
      );
    }
    if (this.#state !== 'started' || listener === undefined)
      throw new SandboxError('SANDBOX_NOT_STARTED', 'endpoints() needs a started sandbox: await start() first');
    const host = urlHost(this.#options.advertisedHost);
    const base = `http://${host}:${listener.httpPort}`;
    const dependencies = this.#options.dependencies;
    return Object.freeze({
      httpProxyUrl: base,
      dependencyUrl: (name: string): string => {
        if (!dependencies.has(name)) {
          throw new SandboxError(
            'SANDBOX_INVALID_ARGUMENT',
            `dependency "${name}" is not configured (configured: ${[...dependencies.keys()].join(', ') || 'none'})`,
          );
        }
        return `${base}/__dep/${encodeURIComponent(name)}`;
      },
      smtp: Object.freeze({ host: this.#options.advertisedHost, port: listener.smtp?.port ?? 0 }),
    });
  }

  expect(exchange: ExpectedExchange): void {
    if (this.#state === 'closed') throw new SandboxError('SANDBOX_CLOSED', 'the sandbox is closed');
    const bad = (field: string, expected: string): SandboxError => new SandboxError('SANDBOX_INVALID_ARGUMENT', `expect(): ${field} must be ${expected}`);
    if (typeof exchange !== 'object' || exchange === null) throw bad('the argument', 'an object { exchangeId, challengerId, attempt, runId, recorded }');
    if (typeof exchange.exchangeId !== 'string' || !VALID_ID.test(exchange.exchangeId)) throw bad('exchangeId', '1-256 visible ASCII characters');
    if (typeof exchange.challengerId !== 'string' || !this.#registry.hasChallenger(exchange.challengerId)) {
      throw new SandboxError(
        'SANDBOX_UNKNOWN_CHALLENGER',
        `expect(): challenger "${String(exchange.challengerId)}" is not configured (known: ${this.#options.challengers.map((c) => c.id).join(', ')})`,
      );
    }
    if (!Number.isInteger(exchange.attempt) || exchange.attempt < 0) throw bad('attempt', 'an integer >= 0');
    if (exchange.runId !== null && typeof exchange.runId !== 'string') throw bad('runId', 'a string or null');
    if (!Array.isArray(exchange.recorded)) throw bad('recorded', 'an array of RecordedCall');
    exchange.recorded.forEach((call: RecordedCall, i) => {
      if (
        typeof call !== 'object' ||
        call === null ||
        typeof call.method !== 'string' ||
        typeof call.target !== 'string' ||
        typeof call.path !== 'string' ||
        typeof call.responseStatus !== 'number'
      ) {
        throw bad(`recorded[${i}]`, 'a RecordedCall { method, target, path, responseStatus, responseHeaders, responseBody }');
      }
    });
    this.#registry.expect(exchange);
  }

  settle(exchangeId: string, challengerId: string, attempt: number): void {
    if (this.#state === 'closed' || !this.#registry.hasChallenger(challengerId)) return;
    this.#registry.settle(exchangeId, challengerId, attempt);
  }

  stats(): SandboxStats {
    const c = this.#counts;
    const counts = this.#registry.counts();
    return {
      writes: { ...c.writes },
      reads: { ...c.reads },
      tunnels: { ...c.tunnels },
      emailsCaptured: c.emailsCaptured,
      unattributed: c.unattributed,
      unregistered: c.unregistered,
      forwardErrors: c.forwardErrors,
      callbackErrors: c.callbackErrors,
      sideEffects: c.sideEffects,
      exchanges: { registered: counts.registered, inFlight: counts.inFlight, evicted: this.#registry.evicted },
    };
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async #onRequest(challengerId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startNs = process.hrtime.bigint();
    const observedTimeMs = Date.now();
    const o = this.#options;
    const method = (req.method ?? 'GET').toUpperCase();
    const write = isWrite(method);
    const tunnel = this.#tunnelTargets.get(req.socket);
    const url =
      tunnel !== undefined && (req.url ?? '/').startsWith('/') ? `http://${formatTarget(tunnel.host, tunnel.port)}${req.url ?? '/'}` : (req.url ?? '/');
    const resolved = resolveCallTarget(url, firstHeader(req.headers, 'host'), o.dependencies);
    const attribution = this.#registry.attribute(challengerId, {
      exchangeIdHeader: firstHeader(req.headers, EXCHANGE_ID_HEADER),
      traceparent: firstHeader(req.headers, 'traceparent'),
    });
    const exchangeIdOf =
      attribution.kind === 'registered' ? attribution.registration.exchangeId : attribution.kind === 'unregistered' ? attribution.exchangeId : null;

    let plan: CallPlan;
    if (!resolved.ok) {
      plan = { kind: 'blocked', reason: resolved.reason, status: resolved.status };
    } else {
      const t = resolved.value;
      const rule = matchRule(o.rules, { method, host: t.host, port: t.port, pathname: t.pathname, dependency: t.dependency?.name ?? null });
      plan = planCall({
        write,
        rule,
        forwardReads: o.forwardReads,
        takeRecorded: () => (attribution.kind === 'registered' ? attribution.registration.recorded.take(method, t.candidates, t.path) : null),
      });
    }

    const forwarding = plan.kind === 'forward';
    let requestBody: Buffer;
    let requestBodyComplete: boolean;
    try {
      const read = await readBody(req, forwarding ? o.maxForwardBodyBytes : o.maxBodyBytes);
      requestBody = read.body;
      requestBodyComplete = read.complete;
    } catch (error) {
      o.logger.debug({ err: error, challengerId }, 'sandbox: challenger request body aborted');
      requestBody = Buffer.alloc(0);
      requestBodyComplete = false;
      if (req.destroyed || res.destroyed) {
        plan = { kind: 'blocked', reason: 'the challenger aborted the request' };
      }
    }
    if (forwarding && !requestBodyComplete) {
      plan = { kind: 'blocked', reason: `request body larger than maxForwardBodyBytes (${o.maxForwardBodyBytes}); not forwarded` };
    }

    let answer: Answer;
    try {
      if (plan.kind === 'forward') {
        answer = resolved.ok
          ? await this.#forward(req, res, method, resolved.value, requestBody)
          : this.#answer(res, method, { kind: 'blocked', reason: resolved.reason, status: resolved.status }, exchangeIdOf, resolved.target, resolved.path);
      } else {
        answer = this.#answer(
          res,
          method,
          plan,
          exchangeIdOf,
          resolved.ok ? resolved.value.target : resolved.target,
          resolved.ok ? resolved.value.path : resolved.path,
        );
      }
    } catch (error) {
      o.logger.error({ err: error, challengerId }, 'sandbox: answering a challenger call failed');
      if (!res.headersSent) {
        answer = this.#answer(
          res,
          method,
          { kind: 'blocked', reason: `the sandbox failed to answer: ${toSandboxError(error).message}` },
          exchangeIdOf,
          '',
          req.url ?? '',
        );
      } else {
        res.destroy();
        answer = { status: res.statusCode, body: Buffer.alloc(0), disposition: plan.kind === 'forward' ? 'forwarded' : plan.kind };
      }
    }

    const counts = write ? this.#counts.writes : this.#counts.reads;
    counts[answer.disposition]++;
    const path = resolved.ok ? resolved.value.path : resolved.path;
    const pathname = path.split('?')[0] ?? path;
    const mocked = answer.disposition !== 'forwarded';
    const responseBody = capped(answer.body, o.maxBodyBytes);
    this.#emit(challengerId, attribution, {
      observedTimeMs,
      dependencyKind: resolved.ok ? (resolved.value.dependency?.kind ?? 'http') : 'http',
      target: resolved.ok ? resolved.value.target : resolved.target,
      operation: `${method} ${pathname}`,
      requestSummary: capped(requestBody, o.maxBodyBytes),
      mocked,
      mockedResponse: mocked ? responseBody : null,
      method,
      path,
      requestHeaders: redactHeaders(headerRecord(req.headers), o.redactHeaders),
      responseStatus: answer.status,
      responseBody,
      durationUs: elapsedUs(startNs),
      disposition: answer.disposition,
    });
  }

  /** Answers from a recording, a stub or with a 503; never touches the network. */
  #answer(res: ServerResponse, method: string, plan: Exclude<CallPlan, { kind: 'forward' }>, exchangeId: string | null, target: string, path: string): Answer {
    if (plan.kind === 'recorded') {
      const call = plan.call;
      if (call.responseStatus === 0) {
        // Live got no answer (reset, timeout): neither does the challenger.
        res.destroy();
        return { status: 0, body: Buffer.alloc(0), disposition: 'recorded' };
      }
      const body = toBuffer(call.responseBody);
      this.#send(res, method, call.responseStatus, withoutRedacted(endToEnd(call.responseHeaders, ['content-length'])), body);
      return { status: call.responseStatus, body, disposition: 'recorded' };
    }
    if (plan.kind === 'stub') {
      this.#send(res, method, plan.stub.status, endToEnd(plan.stub.headers, ['content-length']), plan.stub.body);
      return { status: plan.stub.status, body: plan.stub.body, disposition: 'stub' };
    }
    const status = plan.status ?? 503;
    const body = Buffer.from(JSON.stringify({ error: `shadow sandbox: ${plan.reason}`, exchangeId, method, target, path }), 'utf8');
    this.#send(res, method, status, { 'content-type': ['application/json'] }, body);
    return { status, body, disposition: 'blocked' };
  }

  #send(res: ServerResponse, method: string, status: number, headers: Record<string, readonly string[]>, body: Buffer): void {
    const out: Record<string, string | string[]> = {};
    for (const [name, values] of Object.entries(headers)) out[name] = values.length === 1 ? (values[0] as string) : [...values];
    const noBody = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!noBody) out['content-length'] = String(body.length);
    res.writeHead(status, out);
    res.end(noBody ? undefined : body);
  }

  /**
   * Sends the call to `to.origin` with `to.path` as the request target, as is: the dispatcher is
   * given origin and path separately so that no URL parser re-normalises what the rules judged.
   */
  async #forward(req: IncomingMessage, res: ServerResponse, method: string, to: CallTarget, body: Buffer): Promise<Answer> {
    const o = this.#options;
    const url = to.upstreamUrl;
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort();
    };
    res.on('close', onClose);
    try {
      let upstream;
      try {
        upstream = await (this.#agent as Agent).request({
          origin: to.origin,
          path: to.path,
          method: method as 'GET',
          headers: endToEnd(headerRecord(req.headers), ['host', 'content-length', 'expect']),
          body: body.length === 0 && (method === 'GET' || method === 'HEAD') ? null : body,
          headersTimeout: o.forwardTimeoutMs,
          bodyTimeout: o.forwardTimeoutMs,
          signal: abort.signal,
        });
      } catch (error) {
        this.#counts.forwardErrors++;
        const message = toSandboxError(error).message;
        this.#warn('forward', { err: error, url }, 'sandbox: forwarding a read failed');
        const answerBody = Buffer.from(JSON.stringify({ error: `shadow sandbox: forwarding to ${url} failed: ${message}` }), 'utf8');
        if (!res.destroyed) this.#send(res, method, 502, { 'content-type': ['application/json'] }, answerBody);
        return { status: 502, body: answerBody, disposition: 'forwarded' };
      }
      const headers: Record<string, string | readonly string[]> = {};
      for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined) headers[name] = value;
      const out: Record<string, string | string[]> = {};
      for (const [name, values] of Object.entries(endToEnd(headers))) out[name] = values.length === 1 ? (values[0] as string) : values;
      res.writeHead(upstream.statusCode, out);
      const captured: Buffer[] = [];
      let kept = 0;
      try {
        for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
          if (kept < o.maxBodyBytes) {
            const part = chunk.subarray(0, o.maxBodyBytes - kept);
            captured.push(part);
            kept += part.length;
          }
          if (!res.write(chunk)) await once(res, 'drain');
        }
        res.end();
      } catch (error) {
        this.#counts.forwardErrors++;
        this.#warn('forward-body', { err: error, url }, 'sandbox: a forwarded answer broke off');
        upstream.body.destroy();
        res.destroy();
      }
      return { status: upstream.statusCode, body: Buffer.concat(captured), disposition: 'forwarded' };
    } finally {
      res.off('close', onClose);
    }
  }

  /** Protocol upgrades (WebSocket, h2c) are not sandboxed: refused with a 503 and recorded as blocked. */
  #onUpgrade(challengerId: string, req: IncomingMessage, socket: Duplex): void {
    const startNs = process.hrtime.bigint();
    const observedTimeMs = Date.now();
    const o = this.#options;
    const method = (req.method ?? 'GET').toUpperCase();
    const tunnel = this.#tunnelTargets.get(req.socket);
    const url =
      tunnel !== undefined && (req.url ?? '/').startsWith('/') ? `http://${formatTarget(tunnel.host, tunnel.port)}${req.url ?? '/'}` : (req.url ?? '/');
    const resolved = resolveCallTarget(url, firstHeader(req.headers, 'host'), o.dependencies);
    const attribution = this.#registry.attribute(challengerId, {
      exchangeIdHeader: firstHeader(req.headers, EXCHANGE_ID_HEADER),
      traceparent: firstHeader(req.headers, 'traceparent'),
    });
    const target = resolved.ok ? resolved.value.target : resolved.target;
    const path = resolved.ok ? resolved.value.path : resolved.path;
    const exchangeId =
      attribution.kind === 'registered' ? attribution.registration.exchangeId : attribution.kind === 'unregistered' ? attribution.exchangeId : null;
    const upgrade = firstHeader(req.headers, 'upgrade') ?? '';
    const body = Buffer.from(
      JSON.stringify({ error: `shadow sandbox: protocol upgrades (${upgrade}) are not sandboxed and are refused`, exchangeId, method, target, path }),
      'utf8',
    );
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`,
    );
    (isWrite(method) ? this.#counts.writes : this.#counts.reads).blocked++;
    this.#emit(challengerId, attribution, {
      observedTimeMs,
      dependencyKind: resolved.ok ? (resolved.value.dependency?.kind ?? 'http') : 'http',
      target,
      operation: `${method} ${path.split('?')[0] ?? path}`,
      requestSummary: Buffer.alloc(0),
      mocked: true,
      mockedResponse: body,
      method,
      path,
      requestHeaders: redactHeaders(headerRecord(req.headers), o.redactHeaders),
      responseStatus: 503,
      responseBody: body,
      durationUs: elapsedUs(startNs),
      disposition: 'blocked',
    });
  }

  // ---- CONNECT --------------------------------------------------------------------------------

  #onConnect(challengerId: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const startNs = process.hrtime.bigint();
    const observedTimeMs = Date.now();
    const o = this.#options;
    const split = splitHostPort(req.url ?? '');
    const host = split.host;
    const port = split.port ?? 443;
    const target = formatTarget(host, port);
    const dependency = dependencyFor(o.dependencies, host, port);
    const rule = matchTunnelRule(o.rules, { method: 'CONNECT', host, port, pathname: '', dependency: dependency?.name ?? null });
    const attribution = this.#registry.attribute(challengerId, {
      exchangeIdHeader: firstHeader(req.headers, EXCHANGE_ID_HEADER),
      traceparent: firstHeader(req.headers, 'traceparent'),
    });
    const base = {
      observedTimeMs,
      dependencyKind: dependency?.kind ?? 'http',
      target,
      operation: `CONNECT ${target}`,
      method: 'CONNECT',
      path: '',
      requestHeaders: redactHeaders(headerRecord(req.headers), o.redactHeaders),
    };
    socket.on('error', () => undefined);
    const refuse = (reason: string, answered: boolean): void => {
      this.#counts.tunnels.refused++;
      this.#counts.writes.blocked++;
      const exchangeId =
        attribution.kind === 'registered' ? attribution.registration.exchangeId : attribution.kind === 'unregistered' ? attribution.exchangeId : null;
      const body = Buffer.from(JSON.stringify({ error: `shadow sandbox: ${reason}`, exchangeId, method: 'CONNECT', target, path: '' }), 'utf8');
      if (answered) socket.destroy();
      else
        socket.end(
          `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`,
        );
      this.#emit(challengerId, attribution, {
        ...base,
        requestSummary: Buffer.alloc(0),
        mocked: true,
        mockedResponse: answered ? null : body,
        responseStatus: answered ? 0 : 503,
        responseBody: answered ? Buffer.alloc(0) : body,
        durationUs: elapsedUs(startNs),
        disposition: 'blocked',
      });
    };
    const tlsRefusal = `HTTPS through the proxy cannot be inspected, so CONNECT ${target} is refused (allow it with a rule { host, action: 'forward', tunnel: true })`;

    if (host === '') return refuse('malformed CONNECT target', false);
    if (rule === null || !rule.tunnel) {
      // Port 443 and https dependencies carry TLS: refused with a readable 503 before any byte flows.
      if (port === 443 || dependency?.scheme === 'https') return refuse(tlsRefusal, false);
      // Other ports: clients such as undici's ProxyAgent tunnel plain HTTP too. Accept the tunnel and
      // look at the first byte: a TLS handshake (0x16) is refused by closing; plain HTTP is parsed by
      // this listener as if it had arrived in absolute-form for host:port, so the rules apply to it.
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const inspect = (first: Buffer): void => {
        if (first[0] === 0x16) return refuse(tlsRefusal, true);
        const listener = this.#listeners.get(challengerId);
        if (listener === undefined || this.#state === 'closed') {
          socket.destroy();
          return;
        }
        // Node's HTTP server reads a net.Socket's handle directly (bytes unshifted into the JS
        // stream would be skipped), so the parser gets a Duplex that replays the first chunk.
        const inner = innerConnection(socket, first);
        this.#tunnelTargets.set(inner, { host, port });
        listener.http.emit('connection', inner);
      };
      if (head.length > 0) return inspect(head);
      // A client that opens a tunnel and never speaks would hold the socket forever.
      const idle = setTimeout(() => socket.destroy(), o.forwardTimeoutMs);
      idle.unref();
      socket.once('close', () => clearTimeout(idle));
      socket.once('data', (chunk: Buffer) => {
        clearTimeout(idle);
        socket.pause();
        inspect(chunk);
      });
      return;
    }

    // A tunnel is opaque: what is known is the target, how long it stayed open and the bytes each way.
    this.#counts.tunnels.opened++;
    this.#counts.writes.forwarded++;
    const upstream = netConnect({ host, port });
    this.#tunnels.add(socket);
    this.#tunnels.add(upstream);
    let status = 0;
    let up = head.length;
    let down = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.#tunnels.delete(socket);
      this.#tunnels.delete(upstream);
      socket.destroy();
      upstream.destroy();
      const summary = Buffer.from(JSON.stringify({ tunnel: target, bytesSent: up, bytesReceived: down }), 'utf8');
      this.#emit(challengerId, attribution, {
        ...base,
        requestSummary: summary,
        mocked: false,
        mockedResponse: null,
        responseStatus: status,
        responseBody: Buffer.alloc(0),
        durationUs: elapsedUs(startNs),
        disposition: 'forwarded',
      });
    };
    upstream.once('connect', () => {
      status = 200;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      socket.on('data', (chunk: Buffer) => {
        up += chunk.length;
      });
      upstream.on('data', (chunk: Buffer) => {
        down += chunk.length;
      });
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', (error) => {
      if (status === 0) {
        status = 502;
        this.#counts.forwardErrors++;
        if (socket.writable) socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      }
      o.logger.debug({ err: error, target }, 'sandbox: tunnel upstream error');
      finish();
    });
    upstream.on('close', finish);
    socket.on('close', finish);
  }

  // ---- SMTP -----------------------------------------------------------------------------------

  #onMail(challengerId: string, message: CapturedMessage): void {
    const o = this.#options;
    const headers = parseMessageHeaders(message.head);
    const attribution = this.#registry.attribute(challengerId, {
      exchangeIdHeader: headers['x-shadow-exchange-id']?.[0],
      traceparent: headers.traceparent?.[0],
    });
    this.#counts.emailsCaptured++;
    const requestHeaders = redactHeaders(headers, o.redactHeaders);
    // The envelope is what a relay acts on (Bcc recipients appear only there): kept as pseudo-headers.
    requestHeaders[':mail-from'] = [message.mailFrom];
    requestHeaders[':rcpt-to'] = [...message.rcptTo];
    const reply = Buffer.from(`250 OK: ${SMTP_ACCEPTED}`, 'utf8');
    this.#emit(challengerId, attribution, {
      observedTimeMs: message.startedAtMs,
      dependencyKind: 'email',
      target: recipientDomains(message.rcptTo).join(','),
      operation: 'send',
      requestSummary: capped(message.head, o.maxBodyBytes),
      mocked: true,
      mockedResponse: reply,
      method: 'SMTP',
      path: '',
      requestHeaders,
      responseStatus: 250,
      responseBody: reply,
      durationUs: elapsedUs(message.startedAtNs),
      disposition: 'captured',
    });
  }

  // ---- side effects ---------------------------------------------------------------------------

  #emit(challengerId: string, attribution: Attribution, fields: Omit<SideEffect, 'exchangeId' | 'origin' | 'attempt' | 'sequence' | 'runId'>): void {
    let identity: Pick<SideEffect, 'exchangeId' | 'attempt' | 'sequence' | 'runId'>;
    if (attribution.kind === 'registered') {
      const r = attribution.registration;
      identity = { exchangeId: r.exchangeId, attempt: r.attempt, sequence: attribution.sequence, runId: r.runId };
    } else if (attribution.kind === 'unregistered') {
      this.#counts.unregistered++;
      identity = { exchangeId: attribution.exchangeId, attempt: attribution.attempt, sequence: attribution.sequence, runId: attribution.runId };
    } else {
      this.#counts.unattributed++;
      this.#warn(
        `unattributed:${challengerId}`,
        { challengerId, target: fields.target, operation: fields.operation },
        'sandbox: a challenger call matches no registered exchange (no x-shadow-exchange-id, no known traceparent, not exactly one replay in flight)',
      );
      identity = { exchangeId: UNATTRIBUTED_EXCHANGE_ID, attempt: 0, sequence: attribution.sequence, runId: null };
    }
    const effect: SideEffect = { ...identity, origin: challengerId, ...fields };
    this.#counts.sideEffects++;
    try {
      this.#options.onSideEffect(effect);
    } catch (error) {
      this.#counts.callbackErrors++;
      this.#warn('callback', { err: error }, 'sandbox: onSideEffect threw; the side effect is lost');
    }
  }

  /** Logs at warn at most once per 10 s per key (debug otherwise), so a misconfigured challenger cannot flood the log. */
  #warn(key: string, obj: object, msg: string): void {
    const now = Date.now();
    const last = this.#lastWarn.get(key);
    if (last === undefined || now - last >= WARN_INTERVAL_MS) {
      this.#lastWarn.set(key, now);
      this.#options.logger.warn(obj, msg);
    } else {
      this.#options.logger.debug(obj, msg);
    }
  }
}

/**
 * A listener that cannot bind. The field it names (also in `problems`, for a service that maps it
 * onto its own configuration) is the port option, or `host` when any port was allowed.
 */
function listenFailed(error: unknown, challengerId: string, what: string, host: string, port: number, portField: string): SandboxError {
  const field = port === 0 ? 'host' : portField;
  const cause = toSandboxError(error).message;
  const message = `cannot listen on ${host}:${port} for challenger ${challengerId}'s ${what} (${cause}); ${port === 0 ? 'choose another host' : `choose a free port or 0 (any)`}`;
  return new SandboxError('SANDBOX_LISTEN_FAILED', `${field}: ${message}`, { cause: error, problems: [{ field, message }] });
}

/** The tap replaces secret header values (Set-Cookie, ...) by a placeholder: a placeholder is not an answer, so it is not replayed. */
function withoutRedacted(headers: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    const kept = values.filter((v) => v !== REDACTED);
    if (kept.length > 0) out[name] = kept;
  }
  return out;
}

/** A Duplex over `socket` whose readable side starts with `first`, then the socket's bytes. */
function innerConnection(socket: Duplex, first: Buffer): Duplex {
  const inner = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  inner.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!inner.push(chunk)) socket.pause();
  });
  socket.on('end', () => inner.push(null));
  socket.on('close', () => inner.destroy());
  return inner;
}

/** Reads a request body, keeping at most `limit` bytes; `complete` is false when there was more. */
async function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let complete = true;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (kept + chunk.length > limit) complete = false;
    if (kept < limit) {
      const part = chunk.subarray(0, limit - kept);
      chunks.push(part);
      kept += part.length;
    }
  }
  return { body: Buffer.concat(chunks), complete };
}

/**
 * Creates a sandbox. Options are validated here (a bad one throws SANDBOX_INVALID_OPTION naming the
 * field); nothing listens until `start()`.
 */
export function createSandbox(options: SandboxOptions): Sandbox {
  return new DefaultSandbox(resolveSandboxOptions(options));
}
