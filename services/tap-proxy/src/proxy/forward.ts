// Streaming reverse proxy that changes nothing a client receives: the upstream's status line, header
// lines (names as cased, in order, repeated ones apart, hop-by-hop ones included), body bytes and
// trailers reach the client as the upstream sent them, with no header added (no Date, Connection,
// Keep-Alive or Transfer-Encoding of Node's own). Live users must not be able to tell the tap is
// there: an app that builds Location or Link from Host gets the client's Host (by default), so its
// URLs stay the users' own.
//
// How the bytes stay the same with node:http on the client side:
// - the head is written with writeHead(status, upstream reason, [raw name, value, ...]), sendDate
//   off; Connection/Keep-Alive/Transfer-Encoding are the upstream's lines (Node adds its own only when
//   a message has none, so when the upstream sent none, removeHeader() tells Node to add none);
// - the connection's fate follows the upstream's: the client's `Connection: close` is passed on, the
//   upstream's `Connection: close` closes the client connection after the response, a body delimited
//   by closing the connection is passed on the same way;
// - a chunked body is re-framed by Node, one chunk per piece undici hands over: one per upstream
//   chunk unless a chunk reached the proxy in several reads (then several chunks, same bytes decoded);
//   chunk extensions are not carried (undici does not expose them);
// - 1xx informational responses (103 Early Hints, 102) are passed on before the final one; 100
//   Continue is Node's own answer to `Expect: 100-continue` (undici cannot send Expect).
// Upgrades (WebSocket) are relayed as raw bytes both ways once the request head is sent on; they are
// not captured.
//
// The upstream side is undici (a Pool per upstream, `dispatch()` with a handler writing straight into
// the client's response): node:http's client profiled at about 4x undici's CPU per request, and in a
// proxy that cost is paid on every exchange.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as connectTcp, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

export const HOST_HEADER_MODES = ['client', 'upstream'] as const;
export type HostHeaderMode = (typeof HOST_HEADER_MODES)[number];

export interface ForwarderOptions {
  upstream: URL;
  /** Abort an upstream exchange that sends nothing for this long; the client gets 504. */
  upstreamTimeoutMs: number;
  /** Upper bound on pooled connections to the upstream. */
  maxSockets: number;
  /**
   * `client`: the upstream receives the client's Host, as it would without the proxy. `upstream`:
   * it receives the upstream URL's host:port (for an upstream that routes by its own name).
   * @default 'client'
   */
  hostHeader?: HostHeaderMode | undefined;
  /**
   * Append `X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto` and `Via` to what the upstream
   * receives. Off, the upstream receives the client's headers only.
   * @default false
   */
  forwardedHeaders?: boolean | undefined;
  /** The `Via` pseudonym when forwardedHeaders is on. */
  viaName: string;
}

export interface Forwarder {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** A request Node handed over as an upgrade (the server's 'upgrade' event): relayed raw. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

// Request headers that describe the client's connection to the proxy, not the request: the proxy's
// own connection to the upstream carries its own (undici refuses to be given these). `connection`
// is translated: a client that asks to close gets the upstream asked to close.
const REQUEST_CONNECTION_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect']);
const NOTHING: ReadonlySet<string> = new Set();

function tokens(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

/** The client wants the connection closed after this exchange (RFC 9112 9.3). */
function clientCloses(req: IncomingMessage): boolean {
  const connection = tokens(req.headers.connection);
  if (connection.has('close')) return true;
  return req.httpVersionMajor === 1 && req.httpVersionMinor === 0 && !connection.has('keep-alive');
}

function appendForwarded(out: string[], req: IncomingMessage, viaName: string): void {
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  const proto = 'encrypted' in req.socket ? 'https' : 'http';
  const via = `${req.httpVersion} ${viaName}`;
  const replace = (name: string, value: string): void => {
    for (let i = out.length - 2; i >= 0; i -= 2) if ((out[i] as string).toLowerCase() === name) out.splice(i, 2);
    out.push(name, value);
  };
  replace('x-forwarded-for', prior === undefined ? remote : `${String(prior)}, ${remote}`);
  if (req.headers['x-forwarded-host'] === undefined) out.push('x-forwarded-host', req.headers.host ?? '');
  if (req.headers['x-forwarded-proto'] === undefined) out.push('x-forwarded-proto', proto);
  replace('via', req.headers.via === undefined ? via : `${String(req.headers.via)}, ${via}`);
}

/**
 * The request headers the upstream receives, as the client sent them (raw names, order, repeats),
 * minus the connection-level ones, with Host as configured.
 */
function upstreamRequestHeaders(req: IncomingMessage, options: ForwarderOptions, skip: ReadonlySet<string>): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const rewriteHost = options.hostHeader === 'upstream';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    if (lower === 'host' && rewriteHost) continue;
    out.push(name, raw[i + 1] as string);
  }
  if (rewriteHost) out.unshift('host', options.upstream.host);
  if (options.forwardedHeaders === true) appendForwarded(out, req, options.viaName);
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e.cause?.code === 'string') return e.cause.code;
  if (typeof e.code === 'string') return e.code;
  // undici's parser errors carry no code for some refusals: their name says what failed.
  return typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'upstream error';
}

function latin1(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/** Node's own writer of informational heads (writeContinue, writeEarlyHints use it); not in the typings. */
type RawWriter = { _writeRaw?: (data: string, encoding: BufferEncoding, cb?: () => void) => boolean };

/** End of the tick that brought the upstream's head: one write for what is buffered. */
function flushTick(res: ServerResponse): void {
  // Body bytes (or the end) were written meanwhile: they carry the head. end() may already have uncorked.
  const carried = res.writableEnded || res.writableLength > 0;
  if (res.writableCorked > 0) res.uncork();
  if (!carried && !res.destroyed) res.flushHeaders();
}

/** Writes one upstream response into the client's response, byte for byte (see the module comment). */
class ResponseRelay implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | null = null;
  #aborted = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly fail: (res: ServerResponse, err: unknown) => void,
  ) {
    // A client that goes away ends the upstream exchange too, instead of reading a body nobody wants.
    res.once('close', () => {
      if (!res.writableFinished) this.abort(new Error('client closed the connection'));
    });
    res.on('drain', () => this.#controller?.resume());
  }

  private abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#aborted) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, _headers: unknown, statusMessage?: string): void {
    const { req, res } = this;
    const raw = (controller.rawHeaders ?? []) as (Buffer | string)[];
    if (statusCode < 200) {
      this.informational(statusCode, statusMessage ?? '', raw);
      return;
    }
    const head: string[] = [];
    // false: Node must write no Connection line of its own (the upstream sent none).
    let connectionLine = false;
    let chunked = false;
    let framed = false;
    let trailer = -1;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = latin1(raw[i] as Buffer);
      const value = latin1(raw[i + 1] as Buffer);
      const lower = name.toLowerCase();
      if (lower === 'connection') connectionLine = true;
      // Only a final `chunked` frames the body (RFC 9112 6.3); any other coding is read until close.
      else if (lower === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (lower === 'content-length') framed = true;
      else if (lower === 'trailer') trailer = head.length;
      head.push(name, value);
    }
    res.sendDate = false;
    const http10 = req.httpVersionMajor === 1 && req.httpVersionMinor === 0;
    const noBody = req.method === 'HEAD' || statusCode === 204 || statusCode === 304;
    if (http10 && chunked) {
      // An HTTP/1.0 client cannot read chunked framing: the body goes unframed and the connection
      // closes, with Node's own `Connection: close` (what Node answers such a client directly).
      for (let i = head.length - 2; i >= 0; i -= 2) {
        if (['transfer-encoding', 'connection', 'keep-alive', 'trailer'].includes((head[i] as string).toLowerCase())) head.splice(i, 2);
      }
      res.removeHeader('transfer-encoding');
      res.shouldKeepAlive = false;
      connectionLine = true;
      trailer = -1;
    } else if (!framed && !chunked && !noBody) {
      // The upstream delimits this body by closing its connection: so does the proxy.
      res.removeHeader('transfer-encoding');
      res.shouldKeepAlive = false;
    }
    // Node refuses a Trailer header on a response it does not chunk; the upstream's would announce nothing.
    if (trailer >= 0 && (!chunked || noBody)) head.splice(trailer, 2);
    if (!connectionLine) res.removeHeader('connection');
    try {
      res.writeHead(statusCode, statusMessage ?? '', head);
    } catch (error) {
      // A head Node will not write (an invalid name or value): the client gets 502, the exchange ends.
      this.abort(error as Error);
      this.fail(res, error);
      return;
    }
    // Head and whatever body undici parsed from the same read (often all of it, and the end) leave
    // in one write when this tick ends; a response whose body comes later still gets its head then.
    res.cork();
    process.nextTick(flushTick, res);
  }

  private informational(statusCode: number, statusMessage: string, raw: (Buffer | string)[]): void {
    const { res } = this;
    const writeRaw = (res as unknown as RawWriter)._writeRaw;
    // 101 never gets here (upgrades take the 'upgrade' path); a 1xx after the final head cannot be sent.
    if (res.headersSent || typeof writeRaw !== 'function') return;
    let text = `HTTP/1.1 ${statusCode} ${statusMessage}\r\n`;
    for (let i = 0; i + 1 < raw.length; i += 2) text += `${latin1(raw[i] as Buffer)}: ${latin1(raw[i + 1] as Buffer)}\r\n`;
    writeRaw.call(res, `${text}\r\n`, 'latin1');
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    const { res } = this;
    if (res.destroyed || res.writableEnded) return;
    const raw = (controller.rawTrailers ?? []) as (Buffer | string)[];
    if (raw.length > 0 && res.chunkedEncoding) {
      const trailers: [string, string][] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) trailers.push([latin1(raw[i] as Buffer), latin1(raw[i + 1] as Buffer)]);
      try {
        res.addTrailers(trailers);
      } catch {
        // A trailer Node will not write is dropped; the body is complete.
      }
    }
    res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(this.res, err);
  }
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const pool = new Pool(options.upstream.origin, {
    connections: options.maxSockets,
    headersTimeout: options.upstreamTimeoutMs,
    bodyTimeout: options.upstreamTimeoutMs,
  });
  const basePath = options.upstream.pathname.replace(/\/+$/, '');
  const upgraded = new Set<Socket | Duplex>();

  function fail(res: ServerResponse, err: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      // Mid-body failure: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    const code = errorCode(err);
    const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const status = timedOut ? 504 : 502;
    const message = timedOut ? 'upstream timeout' : code;
    res.sendDate = true;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-tap-proxy-error': message });
    res.end(`${status} ${message}\n`);
  }

  return {
    handle(req, res) {
      try {
        pool.dispatch(
          {
            path: `${basePath}${req.url ?? '/'}`,
            method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
            headers: upstreamRequestHeaders(req, options, REQUEST_CONNECTION_HEADERS),
            body: hasBody(req) ? req : null,
            // The upstream is asked to close exactly when the client asked: its answer then says
            // close or keep-alive as it would have directly. undici would otherwise close after every
            // HEAD (against servers that send a body with it) and make the upstream say close.
            reset: clientCloses(req),
          },
          new ResponseRelay(req, res, fail),
        );
      } catch (error) {
        // undici refused the request itself (a header it will not send): nothing went upstream.
        fail(res, error);
      }
    },

    upgrade(req, socket, head) {
      const { upstream } = options;
      const port = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
      const host = upstream.hostname.replace(/^\[|\]$/g, '');
      const target: Socket =
        upstream.protocol === 'https:'
          ? connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ['http/1.1'] })
          : connectTcp({ host, port });
      upgraded.add(socket);
      upgraded.add(target);
      let answered = false;
      const connectTimer = setTimeout(
        () => target.destroy(Object.assign(new Error('upstream timeout'), { code: 'UPSTREAM_TIMEOUT' })),
        options.upstreamTimeoutMs,
      );
      connectTimer.unref();
      target.once(upstream.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      target.once('data', () => {
        answered = true;
      });
      target.on('error', (err) => {
        clearTimeout(connectTimer);
        if (!answered && socket.writable) {
          answered = true;
          socket.end(
            `HTTP/1.1 502 Bad Gateway\r\nx-tap-proxy-error: ${errorCode(err).replace(/[^\w.-]/g, '')}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
          );
        } else {
          socket.destroy();
        }
      });
      socket.on('error', () => target.destroy());
      const close = (): void => {
        upgraded.delete(socket);
        upgraded.delete(target);
      };
      socket.once('close', () => {
        target.destroy();
        close();
      });
      target.once('close', () => {
        socket.destroy();
        close();
      });
      // The request head as the client sent it (its Connection and Upgrade lines are the upgrade),
      // Host as configured; then the bytes that followed it, then both ways raw.
      const lines = upstreamRequestHeaders(req, options, NOTHING);
      let text = `${req.method ?? 'GET'} ${basePath}${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i + 1 < lines.length; i += 2) text += `${lines[i] as string}: ${lines[i + 1] as string}\r\n`;
      target.write(`${text}\r\n`, 'latin1');
      if (head.length > 0) target.write(head);
      socket.pipe(target);
      target.pipe(socket);
    },

    close() {
      for (const s of upgraded) s.destroy();
      upgraded.clear();
      void pool.close().catch(() => undefined);
    },
  };
}
