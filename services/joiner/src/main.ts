// Entry point: `node dist/main.js`. Configuration errors exit with status 2 naming every bad field;
// SIGTERM/SIGINT stop consuming, land what was joined, commit and exit (open entries are re-read).
import { runService } from '@shadow/service-admin';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config/config.js';
import type { JoinerConfig } from './config/config.js';
import { startJoinerService } from './joiner-service.js';

await runService<JoinerConfig>({
  name: 'joiner',
  load: () => loadConfig(process.env),
  isConfigError: (err: unknown) => err instanceof ConfigError,
  logLevel: (config: JoinerConfig) => config.LOG_LEVEL,
  start: (config: JoinerConfig, logger: Logger) => startJoinerService(config, logger),
});
