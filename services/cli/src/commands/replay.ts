// `shadow replay`: one historical window replayed to challengers, through the replayer's own command
// (`runReplayCommand` of @shadow/replayer: same config file, same challenger syntax, same progress
// bar, resume and summary as `node services/replayer/dist/main.js replay`). This file adds what the
// CLI has and the replayer does not: commander's --help and exit 2 on a bad flag, `--config` and
// `--brokers`/`--schema-registry-url`/`--topic-prefix` as flags, and the local stack as the last
// fallback for Kafka and the registry. The replayer is imported inside the handler (it loads the
// replay engine, undici and the sandbox).
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { timeFlag } from '../options.js';
import { ioLogger, localStack, onTerminal } from './runtime.js';

interface ReplayFlags {
  /** Epoch ms (timeFlag). */
  from: number;
  to: number;
  challenger?: string[];
  speed: string;
  sampleRate?: string;
  ordering?: string;
  runId?: string;
  topic?: string;
  topicPrefix?: string;
  config?: string;
  brokers?: string;
  schemaRegistryUrl?: string;
  json?: boolean;
  logLevel: string;
}

/** Exit code of an interrupted replay (128 + SIGINT): resumable with the same --run-id. */
export const EXIT_INTERRUPTED = 130;

function pattern(re: RegExp, what: string): (value: string) => string {
  return (value) => {
    if (!re.test(value.trim())) throw new InvalidArgumentError(`expected ${what}.`);
    return value.trim();
  };
}

const speed = pattern(/^(max|\d+(\.\d+)?x?)$/i, '"max" or a factor such as "1x" or "10x"');
const ordering = pattern(/^(none|all|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, 'none, all or header:<name>');
const challenger = pattern(/^[^=,]+=[a-z][a-z0-9+.-]*:\/\/[^,]+(,[a-z]+=[^,]*)*$/i, 'id=url[,role=secondary][,name=N][,rate=N][,concurrency=N][,timeout=ms][,host=original]');
const challengers = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), challenger(value)];
const prefix = pattern(/^[a-zA-Z0-9._-]*$/, 'ASCII letters, digits, ".", "_" or "-"');

function sampleRate(value: string): string {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number in [0, 1].');
  return value;
}

/** A stream that keeps what the replayer writes; the lines are handed to io at the end. */
class Collected extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** The environment the replayer's config loader reads, with the flags applied. */
function replayerEnv(flags: ReplayFlags, io: CliIo): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...io.env };
  if (flags.config !== undefined) env['REPLAYER_CONFIG'] = flags.config;
  if (flags.brokers !== undefined) env['KAFKA_BROKERS'] = flags.brokers;
  if (flags.schemaRegistryUrl !== undefined) env['SCHEMA_REGISTRY_URL'] = flags.schemaRegistryUrl;
  if (flags.topicPrefix !== undefined) env['SHADOW_TOPIC_PREFIX'] = flags.topicPrefix;
  // Without a config file, Kafka and the registry not set anywhere come from the local stack.
  if (env['REPLAYER_CONFIG'] === undefined || env['REPLAYER_CONFIG'] === '') {
    const missingBrokers = env['KAFKA_BROKERS'] === undefined || env['KAFKA_BROKERS'] === '';
    const missingRegistry = env['SCHEMA_REGISTRY_URL'] === undefined || env['SCHEMA_REGISTRY_URL'] === '';
    const local = missingBrokers || missingRegistry ? localStack(io) : undefined;
    if (local !== undefined) {
      if (missingBrokers) env['KAFKA_BROKERS'] = local.endpoints.kafkaBrokers.join(',');
      if (missingRegistry) env['SCHEMA_REGISTRY_URL'] = local.endpoints.schemaRegistryUrl;
      io.err(`kafka/registry: from ${local.from}`);
    }
  }
  return env;
}

/** The replayer command's argv for these flags; the window as ISO times (read back exactly by its parser). */
export function replayArgv(flags: ReplayFlags): string[] {
  const argv = ['--from', new Date(flags.from).toISOString(), '--to', new Date(flags.to).toISOString(), '--speed', flags.speed];
  for (const c of flags.challenger ?? []) argv.push('--challenger', c);
  if (flags.sampleRate !== undefined) argv.push('--sample-rate', flags.sampleRate);
  if (flags.ordering !== undefined) argv.push('--ordering', flags.ordering);
  if (flags.runId !== undefined) argv.push('--run-id', flags.runId);
  if (flags.topic !== undefined) argv.push('--topic', flags.topic);
  if (flags.json === true) argv.push('--json');
  return argv;
}

async function run(flags: ReplayFlags, io: CliIo): Promise<number> {
  const env = replayerEnv(flags, io);
  const replayer = await import('@shadow/replayer');
  // Validate the config first so its problems read as the CLI's (every bad field, exit 2).
  // The flags' challenger ids (their URLs are checked by the replayer), so that `sandbox.challengers` is checked against them.
  const flagged = (flags.challenger ?? []).map((spec) => ({ id: spec.slice(0, spec.indexOf('=')), baseUrl: 'http://x' }));
  const placeholder = flagged.length > 0 ? { REPLAYER_CHALLENGERS: JSON.stringify(flagged) } : {};
  try {
    replayer.loadConfig({ ...env, ...placeholder });
  } catch (error) {
    if (error instanceof replayer.ConfigError) {
      const hint = (flags.challenger ?? []).length === 0 && error.problems.some((p) => p.startsWith('challengers')) ? '\n  (or name them with --challenger id=url)' : '';
      throw new CliError(`replay: ${error.message}${hint}`, EXIT.usage);
    }
    throw error;
  }
  const terminal = onTerminal(io) && flags.json !== true;
  const collected = new Collected();
  const stdout = terminal ? process.stdout : Object.assign(collected, { isTTY: false });
  const logger = await ioLogger(io, 'replay', flags.logLevel);
  const code = await replayer.runReplayCommand(replayArgv(flags), { env, stdout, logger, sandboxFactory: replayer.createServiceSandbox });
  const lines = collected.text.split('\n').filter((l) => l !== '');
  if (code === 0 || code === EXIT_INTERRUPTED) {
    for (const line of lines) io.out(line);
  } else {
    // Usage lines of the replayer's own entry point name its flags, not ours: point at --help instead.
    for (const line of lines.filter((l) => !/^\s*(usage: replay|\[--speed)/.test(l))) io.err(line);
    if (code === EXIT.usage) io.err('run shadow replay --help for the flags');
  }
  return code;
}

/** Adds `replay` (a historical window) to the program. */
export function registerReplayCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('replay')
    .description('replay the exchanges captured in a time window to challengers (a one-off run, resumable by --run-id)')
    .requiredOption('--from <time>', 'window start, inclusive (capture time): a duration back from now (2h), an ISO-8601 time with a zone (2026-11-29T10:00:00Z) or epoch s/ms (10/13 digits)', timeFlag())
    .requiredOption('--to <time>', 'window end, exclusive, in the same forms', timeFlag())
    .option('--challenger <spec>', 'id=url[,role=secondary][,name=N][,rate=N][,concurrency=N][,timeout=ms][,host=original] (host=original sends the captured Host); repeatable (default: the challengers of --config)', challengers)
    .option('--speed <speed>', 'max, 1x (original pace) or Nx', speed, 'max')
    .option('--sample-rate <rate>', 'replay this fraction of the window (deterministic by exchange id), 0..1', sampleRate)
    .option('--ordering <mode>', 'none, all (capture order) or header:<name> (capture order per header value)', ordering)
    .option('--run-id <id>', 'tags every result and holds the progress: rerun with the same id to resume (default: generated)', pattern(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" or "-"'))
    .option('--topic <name>', 'read this exchanges topic instead of <prefix>shadow.exchanges.v1')
    .option('--topic-prefix <prefix>', 'prefix of every topic name (as given to the taps)', prefix)
    .option('--config <file>', 'replayer config file, YAML or JSON (docs/replayer.md); env variables override single fields')
    .option('--brokers <list>', 'Kafka brokers host:port[,...] (default: the config, $KAFKA_BROKERS, else the local stack)')
    .option('--schema-registry-url <url>', 'schema registry (default: the config, $SCHEMA_REGISTRY_URL, else the local stack)')
    .option('--json', 'print the summary as one JSON object (no progress bar)')
    .option('--log-level <level>', 'log level of the progress lines (stderr)', pattern(/^(fatal|error|warn|info|debug|trace|silent)$/, 'fatal, error, warn, info, debug, trace or silent'), 'info')
    .addHelpText('after', `
Progress: a bar on a terminal, a log line every 5 s otherwise (stderr). Ctrl-C (SIGINT) or SIGTERM
finishes the requests in flight, commits the progress, prints the summary with INTERRUPTED, exit 130;
run the same command with the same --run-id to resume.

Exit codes: 0 the run completed (challenger errors are results: see the summary), 1 Kafka or the
registry failed, 2 bad flags or config (every problem listed), 130 interrupted (resumable).

Examples:
  shadow replay --from 2026-11-29T10:00:00Z --to 2026-11-29T11:00:00Z \\
    --challenger rc=http://pricing-rc:8080 --challenger sec=http://pricing-2:8080,role=secondary --speed 1x --run-id incident-42
  shadow replay --config replayer.yaml --from 1764410400000 --to 1764414000000 --sample-rate 0.1 --json`)
    .action(async (flags: ReplayFlags) => setExitCode(await run(flags, io)));
}
