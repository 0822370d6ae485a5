// Entry point: `node dist/main.js`. Configuration errors exit with status 2 naming every bad field;
// SIGTERM/SIGINT stop consuming, land what was joined, commit and exit (open entries are re-read).
import { runService } from '@shadow/service-admin';
import { ConfigError, loadConfig } from './config/config.js';
import { startJoinerService } from './joiner-service.js';

await runService({
  name: 'joiner',
  load: () => loadConfig(process.env),
  isConfigError: (err) => err instanceof ConfigError,
  logLevel: (config) => config.LOG_LEVEL,
  start: (config, logger) => startJoinerService(config, logger),
});
