// `replay`: one historical window replayed to challengers, as a typed command. `shadow replay`
// mounts it (its options on commander, then `run`), and the replayer's bin parses argv into the
// same options (`main.js replay --from ... --to ...`): nobody rebuilds argv or environment
// variables for the other. Kafka, the registry and (without --challenger) the challengers come
// from the service's configuration (its file, variables; the flags that name settings go over
// them, and errors name those flags). SIGINT/SIGTERM (or the io's abort signal) interrupt: the
// in-flight work is finished and committed, and the summary says how to resume (same --run-id).
import { randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { createSchemaRegistry } from '@shadow/contracts';
import type { SideEffect } from '@shadow/contracts';
import { parseOrdering, parseSpeed, replayWindow } from '@shadow/replay';
import type { ReplaySummary, ReplayWindowProgress } from '@shadow/replay';
import { commandHelp, ConfigError, ioLogger, loadConfigDetailed, parseCommandArgv, reportDefaults } from '@shadow/service-admin';
import type { LoadConfigOptions, ServiceCommand, ServiceIo } from '@shadow/service-admin';
import { EXIT_INTERRUPTED, REPLAY_HELP, REPLAY_OPTIONS, SETTING_OF } from './replay-options.js';
import { replayerConfig } from '../config/config.js';
import { challengerOptions, kafkaFor } from '../replayer.js';
import type { SandboxFactory } from '../replayer.js';
import { createServiceSandbox } from '../sandbox/create-sandbox.js';
import { formatSandboxAddress, sandboxAddresses } from '../sandbox/sandbox-addresses.js';
import { sandboxHooks } from '../sandbox/sandbox-hooks.js';

export { EXIT_INTERRUPTED, parseChallengerSpec, REPLAY_OPTIONS } from './replay-options.js';

/** What `replay` takes: the window and how to replay it, and the settings a flag may set over the configuration. */
export interface ReplayOptions {
  /** Window start, inclusive (capture time), epoch ms. */
  from: number;
  /** Window end, exclusive, epoch ms. */
  to: number;
  /** Challengers of this run, entries of the challengers block (`--challenger id=url,...`); default: the configuration's. */
  challengers?: readonly Readonly<Record<string, unknown>>[] | undefined;
  /** `max`, `1x` (original pace) or `Nx`. @default 'max' */
  speed?: string | undefined;
  /** Replay this fraction of the window (deterministic by exchange id), over the configuration's sampling.rate. */
  sampleRate?: number | undefined;
  /** `none`, `all` or `header:<name>`, over the configuration's ordering. */
  ordering?: string | undefined;
  /** Tags every result and holds the progress: the same id resumes. @default generated */
  runId?: string | undefined;
  /** Read this exchanges topic instead of `<prefix>shadow.exchanges.v1`. */
  topic?: string | undefined;
  topicPrefix?: string | undefined;
  /** The replayer's configuration file (default: REPLAYER_CONFIG). */
  config?: string | undefined;
  brokers?: readonly string[] | undefined;
  schemaRegistryUrl?: string | undefined;
  /** Print the summary as one JSON object (no progress bar). */
  json?: boolean | undefined;
  logLevel?: string | undefined;
  /** Fills what the file, the variables and the flags leave unset (the CLI: the local stack's Kafka and registry). */
  defaults?: LoadConfigOptions['defaults'];
}

export interface ReplayIo extends ServiceIo {
  /** A terminal to draw the progress bar on (the process's stdout when it is a TTY); without it, a log line every 5 s. */
  readonly tty?: NodeJS.WritableStream | undefined;
}

export interface ReplayRunOptions {
  /** The dependency sandbox, when the configuration has a `sandbox` section. @default createServiceSandbox */
  sandboxFactory?: SandboxFactory | undefined;
}

export function formatSummary(s: ReplaySummary): string {
  const failed =
    Object.entries(s.failed)
      .map(([k, n]) => `${k}=${n}`)
      .join(' ') || 'none';
  const lines = [
    `run ${s.runId} ${s.completed ? 'completed' : 'INTERRUPTED (resume with --run-id ' + s.runId + ')'}${s.resumed ? ' (resumed)' : ''}`,
    `  window     ${new Date(s.fromMs).toISOString()} .. ${new Date(s.toMs).toISOString()} on ${s.topic}`,
    `  exchanges  ${s.exchanges} replayed, ${s.outsideWindow} outside the window, ${s.sampledOut} sampled out, ${s.deadLettered} dead-lettered`,
    `  requests   ${s.sent} sent, ${s.succeeded} succeeded, failed: ${failed}`,
    ...s.perChallenger.map((c) => `    ${c.id} (${c.role}): sent ${c.sent}, ok ${c.succeeded}, errors ${Object.values(c.failed).reduce((a, b) => a + b, 0)}`),
    `  duration   ${(s.durationMs / 1000).toFixed(1)} s, ${s.achievedRatePerSecond} req/s`,
    // The joiner pairs the run whenever it reads it (docs/joiner.md "Runs"): a CI job waits, it does not sleep.
    `  pairs      the joiner lands them; wait until every result of the run landed: shadow report --run-id ${s.runId} --wait`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Calls `onInterrupt` on SIGINT, SIGTERM or the io's abort signal; the function it returns stops listening. */
function interrupts(io: ServiceIo, onInterrupt: () => void): () => void {
  const handler = (): void => onInterrupt();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  io.signal?.addEventListener('abort', handler, { once: true });
  if (io.signal?.aborted === true) handler();
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    io.signal?.removeEventListener('abort', handler);
  };
}

async function run(options: ReplayOptions, io: ReplayIo, extra: ReplayRunOptions = {}): Promise<number> {
  const problems: string[] = [];
  if (!Number.isFinite(options.from)) problems.push('--from is required');
  if (!Number.isFinite(options.to)) problems.push('--to is required');
  if (problems.length === 0 && options.from >= options.to) problems.push('--from must be before --to');
  let speed: ReturnType<typeof parseSpeed> | undefined;
  try {
    speed = parseSpeed(options.speed ?? 'max');
  } catch (error) {
    problems.push(`--${(error as Error).message}`);
  }

  // The flags that name settings go over the configuration, named by their flag in its errors.
  const values: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const o of REPLAY_OPTIONS) {
    const path = SETTING_OF[o.name];
    const value = options[o.name as keyof ReplayOptions];
    if (path === undefined || value === undefined) continue;
    values[path] = value;
    labels[path] = o.flag;
  }
  // Challengers named on the command line replace the configuration's, wherever it keeps them.
  if (options.challengers !== undefined && options.challengers.length > 0) values['challengersFile'] = '';
  else delete values['challengers'];
  const load: LoadConfigOptions = {
    env: io.env,
    cwd: io.cwd,
    values,
    labels,
    ...(options.config === undefined ? {} : { file: options.config, fileLabel: '--config' }),
    ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
  };
  let config;
  try {
    const loaded = loadConfigDetailed(replayerConfig, load);
    config = loaded.config;
    if (problems.length === 0) reportDefaults(load, loaded.sourceOf, io);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint =
      values['challengers'] === undefined && error.problems.some((p) => /^challengers\b/.test(p)) ? '\n  (or name them with --challenger id=url)' : '';
    // Every problem at once: the arguments' and the configuration's.
    io.err(problems.length === 0 ? `${error.message}${hint}` : `invalid replay arguments:\n  ${[...problems, ...error.problems].join('\n  ')}${hint}`);
    return 2;
  }
  if (problems.length > 0) {
    io.err(`invalid replay arguments:\n  ${problems.join('\n  ')}`);
    return 2;
  }

  const logger = ioLogger(io, 'replay', config.logLevel, 'err');
  const runId = options.runId ?? `replay-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const controller = new AbortController();
  const off = interrupts(io, () => {
    if (!controller.signal.aborted) logger.info({ runId }, 'interrupt: finishing the requests in flight and committing progress');
    controller.abort();
  });

  const tty = options.json === true ? undefined : io.tty;
  const bar =
    tty === undefined
      ? null
      : new SingleBar(
          { format: 'replay {bar} {percentage}% | {value}/{total} records | {sent} sent | {eta_formatted} left', stream: tty },
          Presets.shades_classic,
        );
  let started = false;
  const onProgress = (p: ReplayWindowProgress): void => {
    if (bar !== null) {
      if (!started) {
        bar.start(p.total, 0, { sent: 0 });
        started = true;
      }
      bar.update(p.handled, { sent: p.sent });
    } else {
      logger.info({ runId: p.runId, handled: p.handled, total: p.total, sent: p.sent, elapsedMs: p.elapsedMs }, 'replay progress');
    }
  };

  const kafka = kafkaFor(config);
  const effects: SideEffect[] = [];
  const sandboxFactory = extra.sandboxFactory ?? createServiceSandbox;
  let sandbox: Awaited<ReturnType<SandboxFactory>> | null = null;
  try {
    if (config.sandbox !== undefined && config.sandbox.enabled !== false) {
      const { enabled: _enabled, ...sandboxConfig } = config.sandbox;
      sandbox = await sandboxFactory({ challengers: config.challengers.map((c) => c.id), onSideEffect: (e) => effects.push(e), config: sandboxConfig, logger });
      if (options.json !== true) {
        const dependencies = Object.keys((sandboxConfig['dependencies'] ?? {}) as object);
        for (const a of sandboxAddresses(
          sandbox,
          config.challengers.map((c) => c.id),
          dependencies,
        ))
          io.out(`sandbox: ${formatSandboxAddress(a)}`);
      }
    }
    const summary = await replayWindow({
      kafka,
      registry: createSchemaRegistry({ url: config.schemaRegistry.url, clientId: config.kafka.clientId }),
      topicPrefix: config.topicPrefix,
      ...(options.topic === undefined ? {} : { topic: options.topic }),
      fromMs: options.from,
      toMs: options.to,
      runId,
      challengers: challengerOptions(config.challengers),
      speed: speed as ReturnType<typeof parseSpeed>,
      ordering: parseOrdering(config.ordering) ?? { mode: 'none' },
      sampling: config.sampling,
      hooks: sandbox === null ? undefined : sandboxHooks(sandbox),
      takeSandboxEffects: () => effects.splice(0),
      signal: controller.signal,
      onProgress,
      progressEveryMs: bar === null ? 5_000 : 200,
      logger,
    });
    bar?.stop();
    if (options.json === true) io.out(JSON.stringify(summary));
    else for (const line of formatSummary(summary).trimEnd().split('\n')) io.out(line);
    return summary.completed ? 0 : EXIT_INTERRUPTED;
  } catch (error) {
    bar?.stop();
    io.err(`replay failed: ${(error as Error).message}`);
    return 1;
  } finally {
    off();
    await sandbox?.close();
  }
}

/** `replay` as a typed command: what `shadow replay` mounts. */
export const replayCommand: ServiceCommand<ReplayOptions> & { run(options: ReplayOptions, io: ReplayIo, extra?: ReplayRunOptions): Promise<number> } =
  Object.freeze({
    name: 'replay',
    description: 'replay the exchanges captured in a time window to challengers (a one-off run, resumable by --run-id)',
    options: REPLAY_OPTIONS,
    help: REPLAY_HELP,
    run,
  });

/** The bin's `main.js replay <argv>`: the same options from argv; bad ones exit 2 with the usage. */
export async function replayFromArgv(argv: readonly string[], io: ReplayIo, extra: ReplayRunOptions = {}): Promise<number> {
  if (argv.includes('--help')) {
    io.out(commandHelp(replayCommand, 'main.js replay --from <time> --to <time> [options]').trimEnd());
    return 0;
  }
  const { options, problems } = parseCommandArgv(replayCommand, argv);
  if (problems.length > 0) {
    io.err(`invalid replay arguments:\n  ${problems.join('\n  ')}\nusage: main.js replay --from <time> --to <time> [options] (--help lists them)`);
    return 2;
  }
  return replayCommand.run(options as unknown as ReplayOptions, io, extra);
}
