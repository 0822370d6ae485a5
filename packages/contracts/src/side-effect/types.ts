/** `SideEffect.origin` of calls made by the live service (otherwise it is a challengerId). */
export const LIVE_ORIGIN = 'live';

/**
 * One outbound call (HTTP, email, database, payment, ...) made while handling one exchange, by the
 * live service or by a challenger during replay (answered by a mock). Avro form: `side-effect.avsc`.
 */
export interface SideEffect {
  /** Id of the CapturedExchange being handled; the partition key. */
  exchangeId: string;
  /** challengerId of the caller, or LIVE_ORIGIN. */
  origin: string;
  /** Replay attempt (matches ShadowResult.attempt); 0 for live. */
  attempt: number;
  /** 0-based order of this call within (exchangeId, origin, attempt). */
  sequence: number;
  /** When the call was intercepted, epoch milliseconds. */
  observedTimeMs: number;
  /** One of DEPENDENCY_KINDS or a newer value. */
  dependencyKind: string;
  /** host:port, database name, mail domain, payment provider, ... */
  target: string;
  /** e.g. `POST /v1/charges`, `INSERT orders`, `send`. */
  operation: string;
  /** Redacted, possibly truncated request payload or summary. */
  requestSummary: Buffer;
  /** True when a mock answered instead of the real dependency (always for challengers). */
  mocked: boolean;
  /** What the mock answered; null when not mocked or when the mock answered nothing. */
  mockedResponse: Buffer | null;
  /** HTTP method (or SMTP verb); empty when not applicable. */
  method: string;
  /** Path and query of an HTTP call; empty when not applicable. */
  path: string;
  /** Lower-case header name -> values of the call, after redaction. */
  requestHeaders: Record<string, string[]>;
  /** Status the caller received (real for live, the mock's for a challenger); 0 when none. */
  responseStatus: number;
  /** Body the caller received, possibly truncated. */
  responseBody: Buffer;
  /** Call start to end of the answer, microseconds. */
  durationUs: number;
  /** One of SIDE_EFFECT_DISPOSITIONS (open vocabulary); empty when unknown. */
  disposition: string;
  /** Historical replay run id; null for live shadowing and live calls. */
  runId: string | null;
}

/** What happened to an outbound call. Open vocabulary (a string in Avro). */
export const SIDE_EFFECT_DISPOSITIONS = [
  'live', // made for real by the live service
  'forwarded', // a challenger's read the sandbox let through to the real dependency
  'recorded', // answered with live's recorded answer to the matching call
  'stub', // answered by a configured stub
  'blocked', // refused (503): a write with nothing to answer with, or a rule said so
  'captured', // an e-mail the SMTP sink accepted and did not deliver
] as const;

export type SideEffectDisposition = (typeof SIDE_EFFECT_DISPOSITIONS)[number];

/** Known dependency kinds. Open vocabulary (a string in Avro); unknown kinds read as `other`. */
export const DEPENDENCY_KINDS = ['http', 'email', 'db', 'payment', 'queue', 'other'] as const;

export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];
