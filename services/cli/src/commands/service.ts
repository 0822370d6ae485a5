// `shadow start replayer|joiner`: a service in the foreground, through the services' exported start
// functions (startReplayer, startJoinerService) with the same config loading, validation and drain
// as their own main.js. The services are imported inside the handler (the joiner loads chDB).
// SIGTERM/SIGINT drain: the replayer finishes and commits the chunk in flight, the joiner lands and
// commits what it joined (both bound the drain by their shutdownTimeoutMs). A second signal ends the
// process at once (Node's default once our listeners are gone): what was not committed is re-read
// after a restart, so an impatient operator loses nothing but time.
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { ioLogger, localStack } from './runtime.js';

export const SERVICES = ['replayer', 'joiner'] as const;
export type ServiceName = (typeof SERVICES)[number];

interface StartFlags {
  config?: string;
}

/** What a started service must offer the command: a drain. */
interface Running {
  close(): Promise<void>;
}

/** Resolves on the first SIGTERM/SIGINT, or when `signal` aborts (tests). */
function stopRequested(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const on = (name: string) => (): void => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      signal?.removeEventListener('abort', aborted);
      resolve(name);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    const aborted = on('abort');
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

function serviceEnv(service: ServiceName, flags: StartFlags, io: CliIo): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...io.env };
  const fileVar = service === 'replayer' ? 'REPLAYER_CONFIG' : 'JOINER_CONFIG';
  if (flags.config !== undefined) env[fileVar] = flags.config;
  // Env variables win over the file in both services: the local stack only fills in when there is no file.
  if ((env[fileVar] ?? '') === '' && ((env['KAFKA_BROKERS'] ?? '') === '' || (env['SCHEMA_REGISTRY_URL'] ?? '') === '')) {
    const local = localStack(io);
    if (local !== undefined) {
      env['KAFKA_BROKERS'] ||= local.endpoints.kafkaBrokers.join(',');
      env['SCHEMA_REGISTRY_URL'] ||= local.endpoints.schemaRegistryUrl;
      io.err(`kafka/registry: from ${local.from}`);
    }
  }
  return env;
}

async function start(service: ServiceName, env: Record<string, string | undefined>, io: CliIo): Promise<{ running: Running; logger: { info(o: object, m?: string): void; error(o: object, m?: string): void } }> {
  if (service === 'replayer') {
    const replayer = await import('@shadow/replayer');
    let config;
    try {
      config = replayer.loadConfig(env);
    } catch (error) {
      if (error instanceof replayer.ConfigError) throw new CliError(`start replayer: ${error.message}`, EXIT.usage);
      throw error;
    }
    const logger = await ioLogger(io, 'replayer', config.logLevel, 'out');
    return { running: await replayer.startReplayer(config, logger, replayer.createServiceSandbox), logger };
  }
  const joiner = await import('@shadow/joiner');
  let config;
  try {
    config = joiner.loadConfig(env);
  } catch (error) {
    if (error instanceof joiner.ConfigError) throw new CliError(`start joiner: ${error.message}`, EXIT.usage);
    throw error;
  }
  const logger = await ioLogger(io, 'joiner', config.LOG_LEVEL, 'out');
  return { running: await joiner.startJoinerService(config, logger, { env }), logger };
}

/**
 * Starts `service`, waits for SIGTERM/SIGINT (or `signal`), drains; resolves with the exit code.
 * Exported for tests, which stop it through `signal` instead of signalling their own process.
 */
export async function runService(service: ServiceName, flags: StartFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  const env = serviceEnv(service, flags, io);
  // Listen before starting: a signal during a slow start (chDB, Kafka metadata) still drains.
  const stop = stopRequested(signal);
  let started;
  try {
    started = await start(service, env, io);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`start ${service}: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
  const reason = await stop;
  started.logger.info({ signal: reason }, 'draining');
  try {
    await started.running.close();
    return EXIT.ok;
  } catch (error) {
    started.logger.error({ err: error }, 'shutdown failed');
    return EXIT.problems;
  }
}

/** Adds `start replayer|joiner` to the program. */
export function registerServiceCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const startCommand = program
    .command('start')
    .description('run a service in the foreground (logs: JSON lines on stdout); SIGTERM/SIGINT drain and exit 0')
    .addHelpText('after', `
Exit codes: 0 drained after SIGTERM/SIGINT, 1 the service failed to start or to drain, 2 bad config
(every bad field named).`);
  startCommand
    .command('replayer')
    .description('live shadowing: consume captured exchanges, replay them to the challengers, publish results (docs/replayer.md)')
    .option('--config <file>', 'replayer config, YAML or JSON (default: $REPLAYER_CONFIG); env variables override single fields')
    .addHelpText('after', `
Without a config file, KAFKA_BROKERS / SCHEMA_REGISTRY_URL default to the local stack's.

Example:
  shadow start replayer --config replayer.yaml`)
    .action(async (flags: StartFlags) => setExitCode(await runService('replayer', flags, io)));
  startCommand
    .command('joiner')
    .description('pair live and shadow records, compare them and land the pairs in ClickHouse (docs/joiner.md)')
    .option('--config <file>', 'joiner config, YAML or JSON of its variables (default: $JOINER_CONFIG); env variables win')
    .addHelpText('after', `
ClickHouse: CLICKHOUSE_URL (server) or CHDB_PATH (embedded), see docs/clickhouse.md. Without a config
file, KAFKA_BROKERS / SCHEMA_REGISTRY_URL default to the local stack's.

Example:
  JOINER_CHALLENGERS=rc,sec CHDB_PATH=.stack/data/chdb shadow start joiner`)
    .action(async (flags: StartFlags) => setExitCode(await runService('joiner', flags, io)));
}
