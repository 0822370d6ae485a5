// The process lifecycle every service's `main.js` shares: load the configuration (a bad one exits 2
// with the message naming every bad field), start, and on SIGTERM/SIGINT close once (drain, commit)
// and exit 0, or 1 when closing failed. A failure to start exits 1 with the stack on stderr (a taken
// port: one line naming the port and its setting).
import { pino } from 'pino';
import type { Logger } from 'pino';
import { PortInUseError } from './listen.js';

export interface RunServiceOptions<C> {
  /** Service name: the logger's name and the prefix of a start-up failure. */
  name: string;
  /** Reads and validates the configuration; throws to refuse it. */
  load: () => C;
  /** True for the errors of `load` that mean "bad configuration" (exit 2, message only). */
  isConfigError: (error: unknown) => boolean;
  /** pino level from the configuration. */
  logLevel: (config: C) => string;
  /** Starts the service; what it returns is closed on the first SIGTERM/SIGINT. */
  start: (config: C, logger: Logger) => Promise<{ close(): Promise<unknown> }>;
}

export async function runService<C>(options: RunServiceOptions<C>): Promise<void> {
  try {
    let config: C;
    try {
      config = options.load();
    } catch (err) {
      if (!options.isConfigError(err)) throw err;
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
    const logger = pino({ name: options.name, level: options.logLevel(config) });
    const service = await options.start(config, logger);
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
  } catch (err) {
    // A taken port is an operator's fix, not a bug: its one line names the port and the setting.
    process.stderr.write(`${options.name} failed to start: ${err instanceof PortInUseError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  }
}
