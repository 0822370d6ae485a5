import type { CapturedExchange } from '@shadow/contracts';

/** Why a capture did not reach Kafka. Every drop is counted under exactly one reason. */
export type DropReason =
  | 'queue_full' // bounded queue (count or bytes) is full: Kafka slow or down
  | 'paused' // kill switch (control topic) or local switch says mirroring is off
  | 'closed' // offered after close() began
  | 'encode_error' // the record could not be Avro-encoded (schema mismatch)
  | 'send_failed'; // Kafka rejected or timed out the batch after retries

export interface TransportStats {
  /** Accepted into the queue. */
  enqueued: number;
  /** Acknowledged by Kafka. */
  sent: number;
  dropped: Record<DropReason, number>;
  queueDepth: number;
  queueBytes: number;
  /** Bytes of encoded records acknowledged by Kafka. */
  sentBytes: number;
}

/**
 * The Kafka side of the tap. `offer` is called after each response (in the tap's setImmediate,
 * not inside the application's handler): it must never block, never throw, and never hold more
 * than the configured queue bound.
 */
export interface ExchangeTransport {
  offer(exchange: CapturedExchange): boolean;
  /** False while the kill switch or the local switch pauses mirroring. Cheap to read. */
  readonly enabled: boolean;
  stats(): TransportStats;
  /** Connects in the background; resolves without waiting for Kafka to be reachable. */
  start(): Promise<void>;
  /** Stops accepting, flushes what is queued within timeoutMs, disconnects. */
  close(timeoutMs?: number): Promise<TransportStats>;
}
