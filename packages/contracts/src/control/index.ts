export type {
  ControlEvent,
  ControlLogger,
  ControlMessage,
  ControlRecordKind,
  ControlSampling,
  ControlState,
  ControlStateEvent,
  MirroringState,
  SamplingEvent,
  SamplingMessage,
} from './types.js';
export { ALL_SERVICES, CONTROL_RECORD_KINDS, RESERVED_CONTROL_KINDS } from './types.js';
export type { ControlKey, ParsedControlValue, ParsedSamplingValue } from './control-record.js';
export {
  controlKeyOf,
  isSamplingRate,
  MIRRORING_STATES,
  parseControlKey,
  parseControlValue,
  parseSamplingValue,
  serializeControlMessage,
  serializeSamplingMessage,
} from './control-record.js';
export type { EffectiveState } from './control-state.js';
export { effectiveSampling, effectiveState } from './control-state.js';
export type { ControlWatcherOptions } from './options.js';
export { ControlWatcher, createControlWatcher } from './control-watcher.js';
export type { SetMirroringRequest, SetSamplingRateRequest } from './publish.js';
export { clearMirroring, clearSamplingRate, setMirroring, setSamplingRate } from './publish.js';
export type { ControlSnapshot } from './read-control.js';
export { readControlEntries } from './read-control.js';
export { ensureControlTopic } from './control-topic.js';
