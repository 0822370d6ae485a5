import type { IncomingHttpHeaders } from 'node:http';

export const REDACTED = '[REDACTED]';

/** Headers that describe one connection, not the message: never copied between hops (RFC 9110 7.6.1). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Lower-case name -> values, from Node's header object. */
export function headerRecord(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? [...value] : [String(value)];
  }
  return out;
}

export function redactHeaders(headers: Record<string, string[]>, names: ReadonlySet<string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) out[name] = names.has(name) ? values.map(() => REDACTED) : values;
  return out;
}

/** Drops hop-by-hop headers, the ones named in `Connection`, and those in `alsoDrop`. */
export function endToEnd(headers: Readonly<Record<string, string | readonly string[]>>, alsoDrop: readonly string[] = []): Record<string, string[]> {
  const drop = new Set([...HOP_BY_HOP, ...alsoDrop]);
  const connection = headers.connection;
  for (const value of typeof connection === 'string' ? [connection] : (connection ?? [])) {
    for (const token of value.split(',')) drop.add(token.trim().toLowerCase());
  }
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (drop.has(lower)) continue;
    out[lower] = typeof value === 'string' ? [value] : [...value];
  }
  return out;
}

export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
