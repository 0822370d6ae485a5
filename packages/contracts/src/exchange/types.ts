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
}
