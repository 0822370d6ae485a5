// Entry point: `node dist/main.js`. Configuration errors exit with status 2 and a message naming
// every bad field; SIGTERM/SIGINT drain in-flight exchanges and flush the tap before exiting.
import { runService } from '@shadow/service-admin';
import { ConfigError, loadConfig } from './config/config.js';
import { startTapProxy } from './server.js';

await runService({
  name: 'tap-proxy',
  load: () => loadConfig(process.env),
  isConfigError: (err) => err instanceof ConfigError,
  logLevel: (config) => config.LOG_LEVEL,
  start: (config, logger) => startTapProxy(config, logger),
});
