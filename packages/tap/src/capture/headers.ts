import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export type HeaderRecord = Record<string, string[]>;

/** `rawHeaders` keeps repeated headers apart and in order; `req.headers` joins most of them. */
export function requestHeaderRecord(rawHeaders: readonly string[]): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const values = out[name];
    if (values === undefined) out[name] = [value];
    else values.push(value);
  }
  return out;
}

function toValues(value: OutgoingHttpHeader | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Headers given to `writeHead(status, [reason], headers)`, in any of the forms Node accepts. */
export type HeadHeaders = OutgoingHttpHeaders | readonly OutgoingHttpHeader[] | readonly (readonly [string, OutgoingHttpHeader])[];

/**
 * The response headers the application set: `getHeaders()` plus the headers passed to
 * `writeHead`. When only `writeHead(status, headers)` is used (Fastify, most proxies), Node sends
 * them without storing them, so `getHeaders()` alone would come back empty. Headers Node itself
 * adds on the wire (Date, Connection, Keep-Alive, Transfer-Encoding, an implicit Content-Length)
 * are not included.
 */
export function responseHeaderRecord(res: ServerResponse, head: HeadHeaders | undefined): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  const stored = res.getHeaders();
  for (const name of Object.keys(stored)) {
    const values = toValues(stored[name]);
    if (values !== undefined) out[name.toLowerCase()] = values;
  }
  if (head === undefined || head === null) return out;
  if (Array.isArray(head)) {
    if (head.length > 0 && Array.isArray(head[0])) {
      const replaced = new Set<string>();
      for (const pair of head as readonly (readonly [string, OutgoingHttpHeader])[]) {
        addHeadValue(out, replaced, pair[0], pair[1]);
      }
    } else {
      const replaced = new Set<string>();
      const flat = head as readonly OutgoingHttpHeader[];
      for (let i = 0; i + 1 < flat.length; i += 2) addHeadValue(out, replaced, flat[i], flat[i + 1]);
    }
    return out;
  }
  const object = head as OutgoingHttpHeaders;
  for (const name of Object.keys(object)) {
    const values = toValues(object[name]);
    if (values !== undefined && name !== '') out[name.toLowerCase()] = values;
  }
  return out;
}

/** Array forms may repeat a name on purpose (several Set-Cookie): they replace stored values once, then append. */
function addHeadValue(out: HeaderRecord, replaced: Set<string>, rawName: unknown, value: OutgoingHttpHeader | undefined): void {
  if (typeof rawName !== 'string' || rawName === '') return;
  const values = toValues(value);
  if (values === undefined) return;
  const name = rawName.toLowerCase();
  const existing = out[name];
  if (!replaced.has(name) || existing === undefined) {
    replaced.add(name);
    out[name] = values;
  } else {
    existing.push(...values);
  }
}

export function firstValue(headers: HeaderRecord, name: string): string | null {
  const values = headers[name];
  return values === undefined || values.length === 0 ? null : (values[0] as string);
}
