// The joiner as the service shell runs it: its bin (main.ts) and `shadow start joiner` both serve
// this definition (config, start, drain on SIGTERM/SIGINT). ClickHouse comes from the io's
// environment (@shadow/clickhouse's variables), so the CLI's own environment reaches it too.
import { startCommand } from '@shadow/service-admin';
import type { ServiceDefinition, ServiceIo } from '@shadow/service-admin';
import type { Logger } from 'pino';
import { joinerConfig } from './config/config.js';
import type { JoinerConfig } from './config/config.js';
import { startJoinerService } from './joiner-service.js';

export const joinerService: ServiceDefinition<JoinerConfig> = Object.freeze({
  name: 'joiner',
  description: 'pair live and shadow records, compare them and land the pairs in ClickHouse (docs/joiner.md)',
  config: joinerConfig,
  logLevel: (config: JoinerConfig) => config.logLevel,
  start: (config: JoinerConfig, logger: Logger, io: ServiceIo) => startJoinerService(config, logger, { env: io.env }),
});

/** `shadow start joiner [--config file]`. */
export const joinerStartCommand = startCommand(joinerService);
