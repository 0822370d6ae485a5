// A historical run carries the live side of each exchange inside its results (ShadowResult.live),
// so the joiner pairs a run from the results topic alone: whenever the run happens, however old the
// window, whatever the joiner did with the live exchange when it was captured. These two functions
// are the one mapping between the exchange and its snapshot.
import type { CapturedExchange } from '../exchange/types.js';
import type { LiveSnapshot } from './types.js';

/** The snapshot of `exchange` a run's results carry. Bodies are shared, not copied. */
export function liveSnapshotOf(exchange: CapturedExchange): LiveSnapshot {
  return {
    captureTimeMs: exchange.captureTimeMs,
    service: exchange.service,
    environment: exchange.environment,
    method: exchange.method,
    scheme: exchange.scheme,
    host: exchange.host,
    path: exchange.path,
    query: exchange.query,
    routeTemplate: exchange.routeTemplate,
    responseStatus: exchange.responseStatus,
    responseHeaders: exchange.responseHeaders,
    responseBody: exchange.responseBody,
    responseBodyTruncated: exchange.responseBodyTruncated,
    responseBodySize: exchange.responseBodySize,
    responseContentType: exchange.responseContentType,
    liveLatencyUs: exchange.liveLatencyUs,
    aborted: exchange.aborted,
    samplingRate: exchange.samplingRate,
    tapVersion: exchange.tapVersion,
    outboundCalls: exchange.outboundCalls ?? [],
  };
}

/**
 * The exchange a snapshot stands for, as the joiner compares it: the request headers and body,
 * which the snapshot does not carry, are empty (nothing compares or stores them).
 */
export function exchangeOfSnapshot(exchangeId: string, live: LiveSnapshot): CapturedExchange {
  const { outboundCalls, ...rest } = live;
  return {
    exchangeId,
    ...rest,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    ...(outboundCalls.length === 0 ? {} : { outboundCalls }),
  };
}
