// The live side of the side-effect comparison. The tap records the live service's outbound calls
// inside the exchange record (CapturedExchange.outboundCalls); whoever consumes the exchange (the
// replayer) turns them into SideEffect records with this one function, so live's calls land on
// the side-effects topic in the same shape as the challengers' and the joiner compares like with
// like.
import type { CapturedExchange, OutboundCall } from '../exchange/types.js';
import { LIVE_ORIGIN, type SideEffect } from './types.js';

/**
 * One SideEffect per recorded outbound call of `exchange`, in the recorded order: origin
 * `LIVE_ORIGIN`, attempt 0, disposition `live`, not mocked, runId null. Pure; empty when the
 * exchange carries no calls. The bodies are shared with the exchange, not copied.
 */
export function liveSideEffectsOf(exchange: CapturedExchange): SideEffect[] {
  const calls = exchange.outboundCalls;
  if (calls === undefined || calls.length === 0) return [];
  return calls.map((call) => liveSideEffect(exchange.exchangeId, call));
}

function liveSideEffect(exchangeId: string, call: OutboundCall): SideEffect {
  return {
    exchangeId,
    origin: LIVE_ORIGIN,
    attempt: 0,
    sequence: call.sequence,
    observedTimeMs: call.startTimeMs,
    dependencyKind: call.dependencyKind,
    target: call.target,
    operation: `${call.method} ${pathWithoutQuery(call.path)}`,
    requestSummary: call.requestBody,
    mocked: false,
    mockedResponse: null,
    method: call.method,
    path: call.path,
    requestHeaders: call.requestHeaders,
    responseStatus: call.responseStatus,
    responseBody: call.responseBody,
    durationUs: call.durationUs,
    disposition: 'live',
    runId: null,
  };
}

/** `operation` groups calls by endpoint: ids in the query would make every call unique. */
function pathWithoutQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
