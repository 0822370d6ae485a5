// Rebuilds the request a challenger receives from a captured exchange.
//
// The target is ALWAYS the challenger's configured base URL: the captured Host header, an
// absolute-form request target (`GET http://elsewhere/x`), a protocol-relative path (`//elsewhere/x`)
// or a Forwarded/X-Forwarded-Host header cannot redirect the request. The HTTP client is a pool bound
// to the base URL's origin; this module only produces the path and headers for it. With `host:
// original` the captured Host is only a header value (checked against the authority grammar); TLS
// keeps the challenger's own name as SNI and for certificate checks.
import { isIP } from 'node:net';
import { traceIdFor, traceparentFor } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import type { HostMode } from '../challenger/options.js';

/** What the tap writes in place of a redacted header value (`REDACTED` in @shadow/tap). */
export const REDACTED_PLACEHOLDER = '[REDACTED]';

export const SHADOW_EXCHANGE_ID_HEADER = 'x-shadow-exchange-id';
export const SHADOW_CHALLENGER_HEADER = 'x-shadow-challenger';

/** RFC 9110 7.6.1 hop-by-hop headers, plus headers the HTTP client sets itself. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'http2-settings',
  // Trace context is replaced by the exchange's own; shadow headers are ours to set.
  'traceparent',
  'tracestate',
  SHADOW_EXCHANGE_ID_HEADER,
  SHADOW_CHALLENGER_HEADER,
]);

export interface ReplayRequest {
  method: string;
  /** Path and query, relative to the origin (starts with `/`). */
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** TLS server name (SNI, certificate check): the challenger's host name, whatever `host` says; unset for an IP literal. */
  servername?: string;
}

export interface ReplayTarget {
  id: string;
  /** Parsed base URL; its pathname is prepended to the captured path. */
  baseUrl: URL;
  /** Static headers added to every request (e.g. the challenger's own credentials); override captured ones. */
  headers: Readonly<Record<string, string>>;
  /** Which `Host` the challenger receives. @default 'challenger' */
  host?: HostMode;
}

// RFC 3986 authority without userinfo: reg-name or IPv4, or an IPv6 literal in brackets, optional port.
const AUTHORITY = /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/** The Host the live request carried, when it is a well-formed authority; null otherwise (absent, redacted, forged). */
export function capturedHost(exchange: CapturedExchange): string | null {
  const values = Object.entries(exchange.requestHeaders).find(([name]) => name.toLowerCase() === 'host')?.[1];
  const candidate = values !== undefined && values.length === 1 ? values[0] : values === undefined ? exchange.host : undefined;
  return candidate !== undefined && AUTHORITY.test(candidate) ? candidate : null;
}

/** The captured path reduced to an origin-relative path: an absolute or protocol-relative target loses its authority. */
export function originRelativePath(path: string): string {
  let p = path;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p)) {
    // absolute-form: keep only path (and any query it carried)
    const url = URL.canParse(p) ? new URL(p) : null;
    p = url === null ? '/' : `${url.pathname}${url.search}`;
  }
  // `//evil/x` would be read as an authority by some URL parsers; collapse leading slashes.
  p = p.replace(/^\/{2,}/, '/');
  if (!p.startsWith('/')) p = `/${p}`;
  return p;
}

// The traceparent's span-id depends only on (challengerId, attempt): computed once per pair instead
// of two SHA-256 per request. The value is exactly traceparentFor(exchangeId, challengerId, attempt).
const SPAN_PROBE = '00000000-0000-4000-8000-000000000001';
const spanIds = new Map<string, string>();

export function replayTraceparent(exchangeId: string, challengerId: string, attempt: number): string {
  const key = `${challengerId}\u0000${attempt}`;
  let spanId = spanIds.get(key);
  if (spanId === undefined) {
    spanId = traceparentFor(SPAN_PROBE, challengerId, attempt).slice(36, 52);
    if (spanIds.size > 10_000) spanIds.clear();
    spanIds.set(key, spanId);
  }
  return `00-${traceIdFor(exchangeId)}-${spanId}-01`;
}

export function buildReplayRequest(exchange: CapturedExchange, target: ReplayTarget, attempt: number): ReplayRequest {
  const headers: Record<string, string | string[]> = {};
  const connectionTokens = new Set((exchange.requestHeaders['connection'] ?? []).flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()));
  for (const [rawName, values] of Object.entries(exchange.requestHeaders)) {
    const name = rawName.toLowerCase();
    if (DROPPED_HEADERS.has(name) || connectionTokens.has(name)) continue;
    // A redacted header carries no usable value; the challenger's own credentials come from `headers`.
    if (values.some((v) => v === REDACTED_PLACEHOLDER)) continue;
    if (values.length === 0) continue;
    headers[name] = values.length === 1 ? (values[0] as string) : values;
  }
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;
  // A live request without a usable Host (HTTP/1.0, several, redacted, malformed) gets the challenger's.
  headers['host'] = (target.host === 'original' ? capturedHost(exchange) : null) ?? target.baseUrl.host;
  headers[SHADOW_EXCHANGE_ID_HEADER] = exchange.exchangeId;
  headers[SHADOW_CHALLENGER_HEADER] = target.id;
  headers['traceparent'] = replayTraceparent(exchange.exchangeId, target.id, attempt);

  let path = originRelativePath(exchange.path);
  let query = exchange.query;
  const q = path.indexOf('?');
  if (q !== -1) {
    // An absolute-form target carried its query inside `path`; the captured query wins when both exist.
    if (query === '') query = path.slice(q + 1);
    path = path.slice(0, q);
  }
  const basePath = target.baseUrl.pathname.replace(/\/+$/, '');
  const fullPath = `${basePath}${path}${query === '' ? '' : `?${query}`}`;
  const request: ReplayRequest = { method: exchange.method.toUpperCase(), path: fullPath, headers, body: exchange.requestBody };
  // undici derives SNI from the Host header unless told otherwise: pin it to the challenger's name.
  const hostname = target.baseUrl.hostname;
  if (isIP(hostname.replace(/^\[|\]$/g, '')) === 0) request.servername = hostname;
  return request;
}
