export { ConfigError, configSchema, joinerConfig, loadConfig, retentionOf } from './config/config.js';
export type { JoinerConfig } from './config/config.js';
export { applySchema, startJoinerService } from './joiner-service.js';
export type { JoinerService, StartOptions } from './joiner-service.js';
export { createJoinerMetrics } from './metrics/metrics.js';
export type { JoinerMetrics } from './metrics/metrics.js';
export { joinerService, joinerStartCommand } from './service.js';
