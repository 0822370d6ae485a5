/**
 * A captured live exchange: one request the live service answered, as the tap saw it.
 * This is the in-process shape; its Avro form is `captured-exchange.avsc` (same field names).
 * Bodies are raw bytes so binary payloads survive untouched.
 */
export interface CapturedExchange {
  /** Stable id of the exchange; also the Kafka partition key on every topic. */
  exchangeId: string;
  /** When the request reached the tap, epoch milliseconds. */
  captureTimeMs: number;
  /** Logical service name of the live (champion) service. */
  service: string;
  /** Deployment environment, e.g. `prod`. */
  environment: string;
  method: string;
  /** `http` or `https` as seen by the live service. */
  scheme: string;
  host: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without the leading `?`, empty when none. */
  query: string;
  /** Route template (e.g. `/users/:id`) when the framework knows it, else null. */
  routeTemplate: string | null;
  /** Header name (lower-case) -> values, after redaction. */
  requestHeaders: Record<string, string[]>;
  requestBody: Buffer;
  requestBodyTruncated: boolean;
  /** Size of the request body as received, before truncation. */
  requestBodySize: number;
  requestContentType: string | null;
  /** Response status code, or 0 when the exchange ended before a response was sent. */
  responseStatus: number;
  responseHeaders: Record<string, string[]>;
  responseBody: Buffer;
  responseBodyTruncated: boolean;
  responseBodySize: number;
  responseContentType: string | null;
  /** Time from request start to the last response byte, microseconds. */
  liveLatencyUs: number;
  /** True when the client went away before the response completed. */
  aborted: boolean;
  /** Sampling rate in force for this exchange, 0..1. */
  samplingRate: number;
  /** Version of the tap that captured it. */
  tapVersion: string;
  /**
   * Outbound calls the live service made while serving this exchange, in start order (the tap's
   * optional outbound recorder, docs/outbound-recording.md). Absent means none: the recorder was
   * off, or the service made no call. Decoders leave it out when the list is empty, so an exchange
   * built without it round-trips unchanged; read it as `exchange.outboundCalls ?? []`.
   */
  outboundCalls?: OutboundCall[];
}

/**
 * One outbound HTTP call of the live service and the answer it received, recorded inside the
 * exchange so the replayer's sandbox has live's answers the moment the exchange is replayed.
 * Avro: the nested record `dev.shadow.v1.OutboundCall` of `captured-exchange.avsc`.
 */
export interface OutboundCall {
  /** 0-based start order within the exchange. */
  sequence: number;
  /** When the call started, epoch milliseconds. */
  startTimeMs: number;
  /** Call start to the end of the answer (or the error), microseconds. */
  durationUs: number;
  /** One of DEPENDENCY_KINDS or a newer value; the recorder writes `http`. */
  dependencyKind: string;
  /** `http` or `https`. */
  scheme: string;
  /** `host:port` the call went to; the port is explicit even when it is the scheme's default. */
  target: string;
  method: string;
  /** Path with the query string, as sent. */
  path: string;
  /** Lower-case header name -> values, after the tap's header redaction. */
  requestHeaders: Record<string, string[]>;
  /** Request body as sent, possibly truncated, after the tap's JSON redaction. */
  requestBody: Buffer;
  requestBodyTruncated: boolean;
  /** Status received; 0 when no response arrived. */
  responseStatus: number;
  /** Lower-case header name -> values, after the tap's header redaction. */
  responseHeaders: Record<string, string[]>;
  /** Bytes as received on the wire (still content-encoded if compressed), possibly truncated. */
  responseBody: Buffer;
  responseBodyTruncated: boolean;
  /** Why the call failed (refused, reset, aborted, ...); null when it completed. */
  errorMessage: string | null;
}
