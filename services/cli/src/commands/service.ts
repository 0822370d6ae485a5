// `shadow start replayer|joiner`: a service in the foreground, mounted as the service exports itself
// (replayerStartCommand, joinerStartCommand of the service shell): the same configuration (file,
// variables over it, every bad field named, exit 2), the same start and the same drain as its own
// `node dist/main.js`. The CLI adds one thing: Kafka and the registry from the local stack when
// neither the file nor a variable names them (said on stderr). The services are imported inside the
// handler (the joiner loads chDB). SIGTERM/SIGINT drain once; a second signal ends the process at
// once: what was not committed is re-read after a restart, so an impatient operator loses nothing
// but time.
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { localStack } from './runtime.js';

export const SERVICES = ['replayer', 'joiner'] as const;
export type ServiceName = (typeof SERVICES)[number];

interface StartFlags {
  config?: string;
}

/** Kafka and the registry of the local stack, as fallbacks under the file and the variables. */
function localDefaults(io: CliIo): { values: Record<string, unknown>; from: string } | undefined {
  const local = localStack(io);
  if (local === undefined) return undefined;
  return { values: { 'kafka.brokers': local.endpoints.kafkaBrokers, 'schemaRegistry.url': local.endpoints.schemaRegistryUrl }, from: local.from };
}

/**
 * Starts `service`, serves until SIGTERM/SIGINT (or `signal`), drains; resolves with the exit code
 * (0 drained, 1 failed to start or drain, 2 bad configuration). Exported for tests, which stop it
 * through `signal` instead of signalling their own process.
 */
export async function runService(service: ServiceName, flags: StartFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  const command = service === 'replayer' ? (await import('@shadow/replayer')).replayerStartCommand : (await import('@shadow/joiner')).joinerStartCommand;
  const defaults = localDefaults(io);
  return command.run(
    { ...(flags.config === undefined ? {} : { config: flags.config }), ...(defaults === undefined ? {} : { defaults }) },
    { ...io, ...(signal === undefined ? {} : { signal }) },
  );
}

/** Adds `start replayer|joiner` to the program. */
export function registerServiceCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const startCommand = program
    .command('start')
    .description('run a service in the foreground (logs: JSON lines on stdout); SIGTERM/SIGINT drain and exit 0')
    .addHelpText(
      'after',
      `
Exit codes: 0 drained after SIGTERM/SIGINT, 1 the service failed to start or to drain, 2 bad config
(every bad field named).`,
    );
  startCommand
    .command('replayer')
    .description('live shadowing: consume captured exchanges, replay them to the challengers, publish results (docs/replayer.md)')
    .option('--config <file>', 'replayer config, YAML or JSON (default: $REPLAYER_CONFIG); env variables override single fields')
    .addHelpText(
      'after',
      `
KAFKA_BROKERS / SCHEMA_REGISTRY_URL (or kafka.brokers / schemaRegistry.url in the file) default to
the local stack's.

Example:
  shadow start replayer --config replayer.yaml`,
    )
    .action(async (flags: StartFlags) => setExitCode(await runService('replayer', flags, io)));
  startCommand
    .command('joiner')
    .description('pair live and shadow records, compare them and land the pairs in ClickHouse (docs/joiner.md)')
    .option('--config <file>', 'joiner config, YAML or JSON (default: $JOINER_CONFIG); env variables override single fields')
    .addHelpText(
      'after',
      `
ClickHouse: CLICKHOUSE_URL (server) or CHDB_PATH (embedded), see docs/clickhouse.md.
KAFKA_BROKERS / SCHEMA_REGISTRY_URL (or kafka.brokers / schemaRegistry.url in the file) default to
the local stack's.

Example:
  JOINER_CHALLENGERS=rc,sec CHDB_PATH=.stack/data/chdb shadow start joiner`,
    )
    .action(async (flags: StartFlags) => setExitCode(await runService('joiner', flags, io)));
}
