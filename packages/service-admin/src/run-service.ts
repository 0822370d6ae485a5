// The lifecycle every service shares, whether its bin runs it (`node dist/main.js`) or the CLI
// (`shadow start <service>`): load the configuration (a bad one: exit 2, its message naming every
// bad field), start, serve until SIGTERM/SIGINT (or the io's abort signal), then close once (drain,
// commit) and exit 0, or 1 when closing failed. A failure to start exits 1 with the stack (a taken
// port: the one line naming the port and its setting). A second signal while draining ends the
// process at once (Node's default, our listeners being gone): what was not committed is re-read
// after a restart, so an impatient operator loses nothing but time.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { ServiceCommand, ServiceIo } from './command/command.js';
import { processIo, stopRequested } from './command/command.js';
import { ConfigError, loadConfigDetailed } from './config/load-config.js';
import type { ConfigSpec, LoadConfigOptions } from './config/load-config.js';
import { PortInUseError } from './listen.js';

/** What a service is made of: its configuration, and how it starts from it. */
export interface ServiceDefinition<C> {
  /** `joiner`: the logger's name, the command's, the prefix of a start-up failure. */
  readonly name: string;
  /** One line for `shadow start --help`. */
  readonly description: string;
  readonly config: ConfigSpec<ZodType, C>;
  /** pino level from the configuration. */
  logLevel(config: C): string;
  /** Starts the service; what it returns is closed on the first SIGTERM/SIGINT. */
  start(config: C, logger: Logger, io: ServiceIo): Promise<{ close(): Promise<unknown> }>;
}

/** How the caller adds to what the service reads itself (its file variable, the environment). */
export type ServeOptions = Pick<LoadConfigOptions, 'file' | 'fileLabel' | 'values' | 'labels' | 'defaults'>;

/** A pino logger whose JSON lines go through `io.out` (a service's log) or `io.err` (a command's progress). */
export function ioLogger(io: ServiceIo, name: string, level: string, to: 'out' | 'err' = 'out'): Logger {
  const write = to === 'out' ? io.out : io.err;
  return pino({ name, level }, { write: (text: string) => write(text.replace(/\n$/, '')) });
}

/** Says which settings a fallback filled (`kafka.brokers, schemaRegistry.url: from <dir>/env (local stack)`). */
export function reportDefaults(options: ServeOptions, sourceOf: (key: string) => unknown, io: ServiceIo): void {
  if (options.defaults === undefined) return;
  const used = Object.keys(options.defaults.values).filter((key) => (sourceOf(key) as { kind?: string } | undefined)?.kind === 'default');
  if (used.length > 0) io.err(`${used.join(', ')}: from ${options.defaults.from}`);
}

/** Runs `service` until stopped; resolves with the exit code (0 drained, 1 failed to start or drain, 2 bad configuration). */
export async function serve<C>(service: ServiceDefinition<C>, options: ServeOptions, io: ServiceIo): Promise<number> {
  // Listen before starting: a signal during a slow start (chDB, Kafka metadata) still drains.
  const stop = stopRequested(io.signal);
  let config: C;
  try {
    const loaded = loadConfigDetailed(service.config, { ...options, env: io.env, cwd: io.cwd });
    config = loaded.config;
    reportDefaults(options, loaded.sourceOf, io);
  } catch (error) {
    stop.cancel();
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return 2;
  }
  return serveLoaded(service, config, io, stop);
}

async function serveLoaded<C>(service: ServiceDefinition<C>, config: C, io: ServiceIo, stop: ReturnType<typeof stopRequested>): Promise<number> {
  const logger = ioLogger(io, service.name, service.logLevel(config));
  let running: { close(): Promise<unknown> };
  try {
    running = await service.start(config, logger, io);
  } catch (error) {
    stop.cancel();
    // A taken port is an operator's fix, not a bug: its one line names the port and the setting.
    io.err(`${service.name} failed to start: ${error instanceof PortInUseError ? error.message : error instanceof Error ? error.stack : String(error)}`);
    return 1;
  }
  const signal = await stop.promise;
  logger.info({ signal }, 'draining');
  try {
    await running.close();
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    return 1;
  }
}

/** @deprecated the shape before ServiceDefinition; removed once every service has moved. */
export interface RunServiceOptions<C> {
  name: string;
  load: () => C;
  isConfigError: (error: unknown) => boolean;
  logLevel: (config: C) => string;
  start: (config: C, logger: Logger) => Promise<{ close(): Promise<unknown> }>;
}

/** A service's bin: serve with the process's io and exit with the code. */
export async function runService<C>(service: ServiceDefinition<C> | RunServiceOptions<C>): Promise<never> {
  if ('load' in service) {
    const io = processIo();
    let config: C;
    try {
      config = service.load();
    } catch (error) {
      if (!service.isConfigError(error)) throw error;
      io.err(error instanceof Error ? error.message : String(error));
      process.exit(2);
    }
    const loaded = config;
    const definition: ServiceDefinition<C> = {
      name: service.name,
      description: '',
      config: undefined as never,
      logLevel: service.logLevel,
      start: (_c, logger) => service.start(loaded, logger),
    };
    process.exit(await serveLoaded(definition, loaded, io, stopRequested(undefined)));
  }
  process.exit(await serve(service, {}, processIo()));
}

export interface StartOptions {
  /** The configuration file (`--config`); default: the one the service's file variable names. */
  config?: string | undefined;
  /** Fills what the file and the environment leave unset (the CLI's local stack). */
  defaults?: LoadConfigOptions['defaults'];
}

/** `start <service>` as a typed command: `--config <file>`, the rest from the file and the environment. */
export function startCommand<C>(service: ServiceDefinition<C>): ServiceCommand<StartOptions> {
  return Object.freeze({
    name: service.name,
    description: service.description,
    options: Object.freeze([
      {
        flag: '--config',
        name: 'config',
        value: 'file',
        description: `${service.name} configuration, YAML or JSON (default: $${service.config.fileEnv}); environment variables override single fields`,
      },
    ]),
    run: (options: StartOptions, io: ServiceIo) =>
      serve(
        service,
        {
          ...(options.config === undefined ? {} : { file: options.config, fileLabel: '--config' }),
          ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
        },
        io,
      ),
  });
}
