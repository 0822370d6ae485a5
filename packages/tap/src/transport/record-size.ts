import type { CapturedExchange } from '@shadow/contracts';

// Calibrated with a heap experiment (Node 20, captures built like the tap builds them, bodies in
// unpooled memory, retained size = heapUsed + arrayBuffers after a forced GC, per record):
//   no headers, empty bodies: 952 B | 6+6 headers: 2 178 B | 20+20 headers: 6 384 B
//   6+6 headers, 70 B + 1 KiB bodies: 3 275 B (the old estimate said 2 096 B)
// i.e. ~1 KB for the record object, its strings and the two Buffer wrappers, plus ~60-100 B of
// object overhead per header entry on top of its characters. The constants below round up, so the
// queue's byte bound errs on the side of holding less.

/** The record, its fixed fields and strings, the two Buffer/ArrayBuffer wrappers. */
const RECORD_OVERHEAD = 1024;
/** A header property and its value array. */
const HEADER_NAME_OVERHEAD = 64;
/** One string in a header's value array. */
const HEADER_VALUE_OVERHEAD = 32;

function headerBytes(headers: Record<string, string[]>): number {
  let n = 0;
  for (const name in headers) {
    n += name.length + HEADER_NAME_OVERHEAD;
    const values = headers[name];
    if (values === undefined) continue;
    for (const value of values) n += value.length + HEADER_VALUE_OVERHEAD;
  }
  return n;
}

/**
 * Estimated bytes a capture retains while queued (JS heap plus body memory): bodies, headers with
 * their object overhead, and a constant. Cheap enough for the offer path: no allocation, proportional to the header count.
 */
export function estimateExchangeBytes(exchange: CapturedExchange): number {
  return (
    RECORD_OVERHEAD +
    exchange.requestBody.length +
    exchange.responseBody.length +
    exchange.path.length +
    exchange.query.length +
    headerBytes(exchange.requestHeaders) +
    headerBytes(exchange.responseHeaders)
  );
}
