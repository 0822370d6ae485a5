// Entry point: `node dist/main.js`. Configuration errors exit with status 2 naming every bad field;
// SIGTERM/SIGINT stop consuming, land what was joined, commit and exit (open entries are re-read).
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config/config.js';
import { startJoinerService } from './joiner-service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ name: 'joiner', level: config.LOG_LEVEL });
  const service = await startJoinerService(config, logger);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`joiner failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
