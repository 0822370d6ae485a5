// Streaming reverse proxy: the client gets the upstream's status, headers and body bytes as they
// arrive (no buffering of the whole response). The tap observes the same req/res pair the client
// sees, so what is captured is exactly what was served; its copy is bounded separately.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

// RFC 9110 7.6.1: connection-specific fields are not forwarded by a proxy.
const HOP_BY_HOP = new Set([
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

function responseHeaders(upstream: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = new Set(
    String(upstream.headers.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase()),
  );
  // rawHeaders keeps the upstream's header casing and order.
  for (let i = 0; i < upstream.rawHeaders.length; i += 2) {
    const name = upstream.rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionTokens.has(lower)) continue;
    const value = upstream.rawHeaders[i + 1] as string;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
  return out;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const secure = options.upstream.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
  const send = secure ? httpsRequest : httpRequest;
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
      const upstreamReq = send({
        protocol: options.upstream.protocol,
        hostname: options.upstream.hostname,
        port: options.upstream.port,
        method: req.method,
        path: `${basePath}${req.url ?? '/'}`,
        headers: forwardedHeaders(req, options),
        agent,
        timeout: options.upstreamTimeoutMs,
      });
      upstreamReq.on('timeout', () => {
        upstreamReq.destroy(new Error('upstream timeout'));
        fail(res, 504, 'upstream timeout');
      });
      upstreamReq.on('response', (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders(upstreamRes));
        // Flush headers now: a streamed response must reach the client as the upstream produces it.
        res.flushHeaders();
        // pipe() rather than stream.pipeline(): pipeline allocates an AbortController and a
        // DOMException with a stack per call, which profiled as the proxy's largest CPU cost.
        upstreamRes.on('error', () => res.destroy());
        upstreamRes.pipe(res);
      });
      upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
        if (res.writableEnded || res.destroyed) return;
        fail(res, err.message === 'upstream timeout' ? 504 : 502, err.code ?? 'upstream error');
      });
      // Client went away: stop talking to the upstream as well.
      res.on('close', () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      req.on('error', (err) => {
        if (!upstreamReq.destroyed) upstreamReq.destroy(err);
      });
      req.pipe(upstreamReq);
    },
    close() {
      agent.destroy();
    },
  };
}
