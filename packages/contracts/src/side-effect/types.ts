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
}

/** Known dependency kinds. Open vocabulary (a string in Avro); unknown kinds read as `other`. */
export const DEPENDENCY_KINDS = ['http', 'email', 'db', 'payment', 'queue', 'other'] as const;

export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];
