// Streaming reverse proxy: the client gets the upstream's status, headers and body bytes as they
// arrive (no buffering of the whole response). The tap observes the same req/res pair the client
// sees, so what is captured is exactly what was served; its copy is bounded separately.
//
// The upstream side is undici (a Pool per upstream, `stream()` writing straight into the client's
// response): node:http's client profiled at about 4x undici's CPU per request, and in a proxy that
// cost is paid on every exchange. Response headers are taken raw to keep the upstream's casing and
// order. HTTP/1.1 reason phrases are not carried over (clients must ignore them, RFC 9112 4).
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

// RFC 9110 7.6.1: connection-specific fields are not forwarded by a proxy.
const HOP_BY_HOP = new Set([
  // undici refuses to send `expect` (100-continue is handled hop by hop here: node answers the client).
  'expect',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

export interface ForwarderOptions {
  upstream: URL;
  /** Abort an upstream exchange that sends nothing for this long; the client gets 504. */
  upstreamTimeoutMs: number;
  /** Upper bound on pooled connections to the upstream. */
  maxSockets: number;
  /** Added as `via` so loops and hops are visible to the upstream. */
  viaName: string;
}

export interface Forwarder {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

function forwardedHeaders(req: IncomingMessage, options: ForwarderOptions): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connectionTokens.has(name)) continue;
    out[name] = value;
  }
  out.host = options.upstream.host;
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior === undefined ? remote : `${String(prior)}, ${remote}`;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http';
  out.via = req.headers.via === undefined ? `1.1 ${options.viaName}` : `${String(req.headers.via)}, 1.1 ${options.viaName}`;
  return out;
}

function responseHeaders(raw: readonly Buffer[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  let connectionTokens: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as Buffer).toString('latin1').toLowerCase() === 'connection') {
      connectionTokens = new Set((raw[i + 1] as Buffer).toString('latin1').split(',').map((t) => t.trim().toLowerCase()));
    }
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionTokens?.has(lower) === true) continue;
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
  return out;
}

/** End of the tick that brought the upstream's headers: one write for what is buffered. */
function flushTick(res: ServerResponse): void {
  // Body bytes (or the end) were written meanwhile: they carry the headers. end() may already
  // have uncorked.
  const carried = res.writableEnded || res.writableLength > 0;
  if (res.writableCorked > 0) res.uncork();
  if (!carried && !res.destroyed) res.flushHeaders();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e.cause?.code === 'string') return e.cause.code;
  return typeof e.code === 'string' ? e.code : 'upstream error';
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const pool = new Pool(options.upstream.origin, {
    connections: options.maxSockets,
    headersTimeout: options.upstreamTimeoutMs,
    bodyTimeout: options.upstreamTimeoutMs,
  });
  const basePath = options.upstream.pathname.replace(/\/+$/, '');

  function fail(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) {
      // Mid-body failure: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-tap-proxy-error': message });
    res.end(`${status} ${message}\n`);
  }

  return {
    handle(req, res) {
      const method = (req.method ?? 'GET') as 'GET';
      pool.stream(
        {
          path: `${basePath}${req.url ?? '/'}`,
          method,
          headers: forwardedHeaders(req, options) as Record<string, string | string[]>,
          body: hasBody(req) ? req : null,
          responseHeaders: 'raw',
          opaque: res,
        },
        ({ statusCode, headers, opaque }) => {
          // With responseHeaders 'raw' undici hands over the [name, value, ...] Buffer list.
          opaque.writeHead(statusCode, responseHeaders(headers as unknown as Buffer[]));
          // Headers and whatever body undici parsed from the same read (often all of it, and the
          // end) leave in one write when this tick ends, instead of one syscall each. A response
          // whose body comes later still gets its headers at the end of this tick.
          opaque.cork();
          process.nextTick(flushTick, opaque);
          return opaque;
        },
        (err) => {
          if (err === null || res.writableEnded || res.destroyed) return;
          const code = errorCode(err);
          const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
          fail(res, timedOut ? 504 : 502, timedOut ? 'upstream timeout' : code);
        },
      );
    },
    close() {
      void pool.close().catch(() => undefined);
    },
  };
}
