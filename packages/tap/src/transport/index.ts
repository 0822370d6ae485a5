export type { DropReason, ExchangeTransport, TransportPath, TransportStats } from './types.js';
export type { KafkaTransport } from './kafka-transport.js';
export { createKafkaTransport } from './kafka-transport.js';
export type { KafkaTransportOptions, TransportCompression, TransportLogger } from './options.js';
export { LOCAL_SWITCH_ENV, TRANSPORT_COMPRESSIONS } from './options.js';
export type { BatchEvent, DropEvent } from './diagnostics.js';
export { BATCH_CHANNEL, CONTROL_SAMPLING_CHANNEL, CONTROL_STATE_CHANNEL, DROP_CHANNEL } from './diagnostics.js';
