// W3C trace context derived from an exchange id, so every replay of one captured exchange carries
// the same trace-id: a challenger instrumented with OpenTelemetry propagates it to its outbound
// calls with no code, and the dependency sandbox maps such a call back to its exchange.
//
// A UUID-shaped id (the tap's ids are UUIDv7) maps to its own 32 hex digits, so an operator can
// read the exchange id off a trace; any other id maps to the first 32 hex digits of its SHA-256.
// W3C forbids an all-zero trace-id; the nil UUID is hashed instead.
import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_TRACE = '0'.repeat(32);

/** The 32-hex-digit trace-id of an exchange: stable, lower case, never all zeros. */
export function traceIdFor(exchangeId: string): string {
  if (UUID.test(exchangeId)) {
    const hex = exchangeId.replaceAll('-', '').toLowerCase();
    if (hex !== ZERO_TRACE) return hex;
  }
  return createHash('sha256').update(exchangeId, 'utf8').digest('hex').slice(0, 32);
}

/**
 * A `traceparent` header value (version 00, sampled) for one replay of an exchange. The parent
 * span-id is derived from the challenger id and the attempt, so two challengers' requests are
 * distinct spans of the same trace.
 */
export function traceparentFor(exchangeId: string, challengerId: string, attempt = 1): string {
  let spanId = createHash('sha256').update(`${challengerId}\u0000${attempt}`, 'utf8').digest('hex').slice(0, 16);
  if (spanId === '0'.repeat(16)) spanId = '0000000000000001';
  return `00-${traceIdFor(exchangeId)}-${spanId}-01`;
}

/** The trace-id of a `traceparent` header value, or null when the value is not a valid one. */
export function traceIdOf(traceparent: string | undefined | null): string | null {
  if (traceparent === undefined || traceparent === null) return null;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent.trim().toLowerCase());
  if (match === null || match[1] === 'ff' || match[2] === ZERO_TRACE || match[3] === '0'.repeat(16)) return null;
  return match[2] ?? null;
}
