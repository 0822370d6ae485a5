export type { Tap, TapStats } from './tap.js';
export { createTap, TAP_VERSION } from './tap.js';

export type { RedactionOptions, ResolvedTapOptions, RouteSamplingRule, SamplingOptions, TapLogger, TapOptions } from './options.js';
export { DEFAULT_REDACTED_HEADERS, REDACTED, resolveTapOptions } from './options.js';

export type { TapErrorCode, TapErrorOptions } from './errors.js';
export { isTapError, TAP_ERROR_CODES, TapError, toTapError } from './errors.js';

export type { CaptureContext, CaptureCounters, CaptureHandle } from './capture/types.js';
export { uuidv7 } from './capture/uuidv7.js';
export { samplingPoint } from './sampling/hash.js';

export type { DropReason, ExchangeTransport, TransportStats } from './transport/types.js';
