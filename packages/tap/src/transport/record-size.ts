import type { CapturedExchange } from '@shadow/contracts';

/** Fixed fields, Avro framing and object overhead; a generous constant so small records still count. */
const RECORD_OVERHEAD = 512;

function headerBytes(headers: Record<string, string[]>): number {
  let n = 0;
  for (const name in headers) {
    n += name.length + 4;
    const values = headers[name];
    if (values === undefined) continue;
    for (const value of values) n += value.length + 2;
  }
  return n;
}

/**
 * Estimated bytes a capture holds while queued: its bodies (which dominate) plus headers and a
 * constant. Cheap enough for the offer path: no allocation, proportional to the header count.
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
