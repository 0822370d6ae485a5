export type { Tap, TapStats } from './tap.js';
export { createTap, TAP_VERSION } from './tap.js';

export type { RedactionOptions, ResolvedTapOptions, RouteSamplingRule, SamplingOptions, TapKafkaOptions, TapLogger, TapOptions } from './options.js';
export { DEFAULT_REDACTED_HEADERS, REDACTED, resolveTapOptions } from './options.js';

export type { OutboundRecorderOptions, ResolvedOutboundOptions } from './outbound/index.js';
export { DEFAULT_OUTBOUND_OPTIONS } from './outbound/index.js';

export type { TapErrorCode, TapErrorOptions } from './errors.js';
export { isTapError, TAP_ERROR_CODES, TapError, toTapError } from './errors.js';

export type { CaptureContext, CaptureCounters, CaptureHandle } from './capture/types.js';
export { uuidv7 } from './capture/uuidv7.js';
export { samplingPoint } from '@shadow/contracts';

export type {
  BatchEvent,
  DropEvent,
  DropReason,
  ExchangeTransport,
  KafkaTransport,
  KafkaTransportOptions,
  TransportCompression,
  TransportLogger,
  TransportPath,
  TransportStats,
} from './transport/index.js';
export { BATCH_CHANNEL, createKafkaTransport, DROP_CHANNEL, LOCAL_SWITCH_ENV, TRANSPORT_COMPRESSIONS } from './transport/index.js';

// The kill switch lives in @shadow/contracts (one watcher for taps and replayers); re-exported for the tap's users.
export type {
  ControlEvent,
  ControlMessage,
  ControlSampling,
  ControlSnapshot,
  ControlState,
  ControlStateEvent,
  EffectiveState,
  MirroringState,
  SamplingEvent,
  SetMirroringRequest,
  SetSamplingRateRequest,
} from '@shadow/contracts';
export { ALL_SERVICES, clearMirroring, clearSamplingRate, readControlEntries, setMirroring, setSamplingRate } from '@shadow/contracts';
export { CONTROL_SAMPLING_CHANNEL, CONTROL_STATE_CHANNEL } from './transport/index.js';
