export { startTapProxy } from './server.js';
export type { TapProxy } from './server.js';
export { ConfigError, configSchema, loadConfig, tapProxyConfig } from './config/config.js';
export type { TapProxyConfig } from './config/config.js';
export { tapProxyService, tapProxyStartCommand } from './service.js';
export { createForwarder } from './proxy/forward.js';
export type { Forwarder, ForwarderOptions } from './proxy/forward.js';
