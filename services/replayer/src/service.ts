// The replayer as the service shell runs it: its bin (`main.js [serve]`) and `shadow start
// replayer` both serve this definition (config, start, drain on SIGTERM/SIGINT).
import { startCommand } from '@shadow/service-admin';
import type { ServiceDefinition } from '@shadow/service-admin';
import { replayerConfig } from './config/config.js';
import type { ReplayerConfig } from './config/config.js';
import { startReplayer } from './replayer.js';
import { createServiceSandbox } from './sandbox/create-sandbox.js';

export const replayerService: ServiceDefinition<ReplayerConfig> = Object.freeze({
  name: 'replayer',
  description: 'live shadowing: consume captured exchanges, replay them to the challengers, publish results (docs/replayer.md)',
  config: replayerConfig,
  logLevel: (config: ReplayerConfig) => config.logLevel,
  start: (config: ReplayerConfig, logger: Parameters<typeof startReplayer>[1]) => startReplayer(config, logger, createServiceSandbox),
});

/** `shadow start replayer [--config file]`. */
export const replayerStartCommand = startCommand(replayerService);
