export type { OutboundRecorderOptions, ResolvedOutboundOptions } from './options.js';
export { DEFAULT_OUTBOUND_OPTIONS, OUTBOUND_CALL_HEADROOM_BYTES, outboundRecordBytes, resolveOutboundOptions } from './options.js';
export type { OutboundRecorderDeps } from './recorder.js';
export { OutboundRecorder } from './recorder.js';
export { OutboundScope } from './scope.js';
