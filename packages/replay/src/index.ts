export type { ReplayErrorCode, ReplayErrorOptions } from './errors.js';
export { isReplayError, REPLAY_ERROR_CODES, ReplayError, toReplayError } from './errors.js';
export type { ReplayLogger } from './logger.js';

export type { ChallengerOptions, HostMode, ResolvedChallenger } from './challenger/options.js';
export { HOST_MODES, resolveChallenger, resolveChallengers } from './challenger/options.js';
export { REPLAYER_VERSION } from './challenger/challenger-client.js';
export type { ReplayErrorKind } from './challenger/error-kind.js';
export { errorKindOf, REPLAY_ERROR_KINDS } from './challenger/error-kind.js';

export { REDACTED_PLACEHOLDER, SHADOW_CHALLENGER_HEADER, SHADOW_EXCHANGE_ID_HEADER } from './request/replay-request.js';

export type { ReplaySamplingOptions, ReplayRouteSamplingRule } from './sampling/types.js';
export type { SamplingControl } from './sampling/replay-sampler.js';
export { controlSampled } from './sampling/replay-sampler.js';

export type { OrderingOptions } from './ordering/key-sequencer.js';
export { parseOrdering } from './ordering/key-sequencer.js';

export type { ChallengerStats, DispatchContext, DispatcherStats, ReplayHooks } from './dispatch/types.js';
export { DEFAULT_RESULT_REDACTED_HEADERS } from './dispatch/dispatcher.js';

export { DEAD_LETTER_HEADERS } from './kafka/exchange-decoder.js';

export type { ControlTopicSwitchOptions, KillSwitch, KillSwitchState } from './control/kill-switch.js';
export { ALWAYS_ACTIVE, ControlTopicSwitch } from './control/kill-switch.js';

export type { LiveShadowOptions } from './live/options.js';
export type { LiveShadowStats } from './live/live-shadow.js';
export { LiveShadow } from './live/live-shadow.js';

export type { ReplayWindowProgress, ReplaySpeed, ReplaySummary, ReplayWindowOptions } from './historical/options.js';
export { replayGroupId, replayWindow } from './historical/replay-window.js';
export { parseInstant, parseSpeed } from './historical/time.js';
