// diagnostics_channel names the transport publishes on (platformatic/kafka style): metrics and
// tracing subscribe without the transport depending on prom-client or OpenTelemetry.
// Publishing is skipped when nobody subscribes, so the cost on the offer path is one property read.
import diagnostics from 'node:diagnostics_channel';
import type { DropReason } from './types.js';

/** Published with a ControlStateEvent (@shadow/contracts) whenever the tap's kill-switch state changes. */
export const CONTROL_STATE_CHANNEL = 'shadow:tap:control:state';
/** Published with a SamplingEvent (@shadow/contracts) whenever the control topic's rate for the tap's service changes. */
export const CONTROL_SAMPLING_CHANNEL = 'shadow:tap:control:sampling';
/** Published once per settled batch with a BatchEvent. */
export const BATCH_CHANNEL = 'shadow:tap:transport:batch';
/** Published once per dropped capture with a DropEvent. */
export const DROP_CHANNEL = 'shadow:tap:transport:drop';

export interface BatchEvent {
  topic: string;
  /** `sent`: acknowledged by Kafka; `failed`: counted as send_failed after all attempts. */
  outcome: 'sent' | 'failed';
  /** Records in the produce request (after encode errors and oversize records were removed). */
  records: number;
  /** Encoded bytes in the produce request. */
  bytes: number;
  /** Records of the batch dropped before sending (encode_error or oversize send_failed). */
  dropped: number;
  attempts: number;
  durationMs: number;
  /** Message of the last failure, when outcome is `failed`. */
  error?: string;
}

export interface DropEvent {
  reason: DropReason;
  count: number;
}

export const controlChannel = diagnostics.channel(CONTROL_STATE_CHANNEL);
export const samplingChannel = diagnostics.channel(CONTROL_SAMPLING_CHANNEL);
export const batchChannel = diagnostics.channel(BATCH_CHANNEL);
export const dropChannel = diagnostics.channel(DROP_CHANNEL);
