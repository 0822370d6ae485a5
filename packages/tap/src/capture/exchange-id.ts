import { uuidv7 } from './uuidv7.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}/;
const VISIBLE_ASCII = /^[\x21-\x7e]{1,128}$/;
const ZERO_TRACE = '0'.repeat(32);

/** The id a header contributes, or null when it is absent or not usable. */
export function idFromHeader(name: string, value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  const text = first.trim();
  if (name === 'traceparent') {
    const match = TRACEPARENT.exec(text);
    if (match === null || match[1] === 'ff' || match[2] === ZERO_TRACE) return null;
    return match[2] ?? null;
  }
  return VISIBLE_ASCII.test(text) ? text : null;
}

/** First usable id among `names` (lower-case), else a fresh UUIDv7. */
export function resolveExchangeId(names: readonly string[], headers: Readonly<Record<string, string | string[] | undefined>>, nowMs: number): string {
  for (const name of names) {
    const id = idFromHeader(name, headers[name]);
    if (id !== null) return id;
  }
  return uuidv7(nowMs);
}
