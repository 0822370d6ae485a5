import type { ControlSampling } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';

/** Why a capture did not reach Kafka. Every drop is counted under exactly one reason. */
export type DropReason =
  | 'queue_full' // bounded queue (count or bytes) is full: Kafka slow or down
  | 'paused' // kill switch (control topic) or local switch says mirroring is off
  | 'closed' // offered after close() began
  | 'encode_error' // the record could not be Avro-encoded (schema mismatch)
  | 'send_failed'; // Kafka rejected or timed out the batch after retries

/** Which code path a transport took (stats `path`): what a team checks when a figure surprises. */
export interface TransportPath {
  /** Where kafkajs runs: the producer worker thread, or the application's thread (kafka settings that cannot cross threads). */
  readonly kafkaThread: 'worker' | 'application';
  /**
   * True when kafkajs carries this repository's one-pass record encoding patch
   * (infra/patches/kafkajs@2.2.4.patch, applied by pnpm in the monorepo only). Without it the tap
   * works the same, with more CPU per record on the producer thread.
   */
  readonly kafkajsPatched: boolean;
  /** Whether start() found the exchanges topic (`exists`), created it (`created`) or could not ask Kafka (`unchecked`); null before start(). */
  readonly topic: 'exists' | 'created' | 'unchecked' | null;
}

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
  /** Which code path the transport took; transports other than the Kafka one may omit it. */
  path?: TransportPath | undefined;
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
  /**
   * Prepares to mirror: the Kafka transport checks its topic, reads the kill-switch state and
   * connects, within a bound (see KafkaTransportOptions.startTimeoutMs).
   */
  start(): Promise<void>;
  /** Stops accepting, flushes what is queued within timeoutMs, disconnects. */
  close(timeoutMs?: number): Promise<TransportStats>;
  /**
   * Calls `listener` with the control topic's sampling rate for the tap's service whenever it
   * changes (null: back to the configuration), and once at once with the current one. Optional:
   * a transport without a control topic leaves the configured rate alone.
   */
  onSampling?(listener: (sampling: ControlSampling | null) => void): void;
}
