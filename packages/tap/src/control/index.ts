export type { ControlMessage, ControlState, ControlStateEvent, MirroringState } from './types.js';
export { ALL_SERVICES } from './types.js';
export type { ControlWatcherOptions } from './options.js';
export { CONTROL_STATE_CHANNEL, ControlWatcher, createControlWatcher } from './control-watcher.js';
export type { SetMirroringRequest } from './set-mirroring.js';
export { clearMirroring, setMirroring } from './set-mirroring.js';
export { parseControlValue, serializeControlMessage } from './control-message.js';
