// The tap proxy as the service shell runs it: its bin (main.ts) and `shadow start tap-proxy` both
// serve this definition (config, start, drain on SIGTERM/SIGINT).
import { startCommand } from '@shadow/service-admin';
import type { ServiceDefinition } from '@shadow/service-admin';
import { tapProxyConfig } from './config/config.js';
import type { TapProxyConfig } from './config/config.js';
import { startTapProxy } from './server.js';

export const tapProxyService: ServiceDefinition<TapProxyConfig> = Object.freeze({
  name: 'tap-proxy',
  description: 'reverse proxy in front of a live service that captures every exchange into Kafka (docs/tap-proxy.md)',
  config: tapProxyConfig,
  logLevel: (config: TapProxyConfig) => config.logLevel,
  start: (config: TapProxyConfig, logger: Parameters<typeof startTapProxy>[1]) => startTapProxy(config, logger),
});

/** `shadow start tap-proxy [--config file]`. */
export const tapProxyStartCommand = startCommand(tapProxyService);
