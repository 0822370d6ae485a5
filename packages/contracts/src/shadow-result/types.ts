import type { CapturedExchange, OutboundCall } from '../exchange/types.js';

/**
 * What one challenger answered when the replayer replayed one captured exchange against it.
 * One record per attempt. Avro form: `shadow-result.avsc` (same field names).
 */
export interface ShadowResult {
  /** Id of the replayed CapturedExchange; the partition key. */
  exchangeId: string;
  /** Stable id of the challenger deployment. */
  challengerId: string;
  /** Human-readable label, e.g. `checkout@2.4.0-rc1`; empty when unknown. */
  challengerName: string;
  /** 1-based replay attempt for this exchange and challenger. */
  attempt: number;
  /** When the replayed request was sent, epoch milliseconds. */
  replayTimeMs: number;
  /** Status the challenger answered, 0 when it did not answer (see errorKind). */
  responseStatus: number;
  /** Header name (lower-case) -> values, after redaction. */
  responseHeaders: Record<string, string[]>;
  responseBody: Buffer;
  responseBodyTruncated: boolean;
  /** Size of the response body as received, before truncation. */
  responseBodySize: number;
  responseContentType: string | null;
  /** Replayed request start to last response byte (or to the failure), microseconds. */
  latencyUs: number;
  /** Null when the challenger answered; otherwise one of SHADOW_ERROR_KINDS or a newer value. */
  errorKind: string | null;
  errorMessage: string | null;
  /** Version of the replayer that produced the record; empty when unknown. */
  replayerVersion: string;
  /** One of CHALLENGER_ROLES (open vocabulary): `secondary` results are the noise baseline. */
  challengerRole: string;
  /** Historical replay run id; null for live shadowing. */
  runId: string | null;
  /**
   * Historical run only: the live exchange that was replayed (liveSnapshotOf), so the joiner pairs
   * the run from the result alone, however old the capture and whatever the joiner already expired.
   * Absent (decoded: left out) for live shadowing.
   */
  live?: LiveSnapshot | null;
  /**
   * Historical run only: the challenger ids this exchange was sent to in the run (after sampling and
   * service filters); the joiner completes the run's entry once each has answered. Absent or empty
   * for live shadowing.
   */
  runChallengers?: string[];
}

/**
 * What the joiner needs of a live exchange to pair a run's result: the CapturedExchange without its
 * request headers and body (never compared, often the largest part). Avro: the nested record
 * `dev.shadow.v1.LiveSnapshot` of `shadow-result.avsc`; field meanings as in CapturedExchange.
 */
export type LiveSnapshot = Omit<
  CapturedExchange,
  'exchangeId' | 'requestHeaders' | 'requestBody' | 'requestBodyTruncated' | 'requestBodySize' | 'requestContentType' | 'outboundCalls'
> & {
  outboundCalls: OutboundCall[];
};

/** Roles of a challenger: the version under test, or a second copy of live (noise baseline). */
export const CHALLENGER_ROLES = ['candidate', 'secondary'] as const;

export type ChallengerRole = (typeof CHALLENGER_ROLES)[number];

/**
 * Known values of ShadowResult.errorKind. Open vocabulary: a string in Avro, so a newer replayer
 * can add kinds without a schema change; readers must treat unknown kinds as `replay_error`.
 */
export const SHADOW_ERROR_KINDS = [
  'timeout', // no complete response within the replay timeout
  'connection_refused',
  'connection_reset', // connection dropped mid-exchange
  'tls',
  'mock_missing', // the challenger called a dependency no mock answers for
  'replay_error', // anything else inside the replayer
] as const;

export type ShadowErrorKind = (typeof SHADOW_ERROR_KINDS)[number];
