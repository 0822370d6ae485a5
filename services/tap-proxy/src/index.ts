export { startTapProxy } from './server.js';
export type { TapProxy } from './server.js';
export { loadConfig, ConfigError, configSchema } from './config/config.js';
export type { TapProxyConfig } from './config/config.js';
export { createForwarder } from './proxy/forward.js';
export type { Forwarder, ForwarderOptions } from './proxy/forward.js';
