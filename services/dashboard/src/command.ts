// `shadow dashboard` (and `shadow start dashboard`) as a typed command the CLI mounts without
// knowing the dashboard's settings: the options (flag, value name, help, the variable behind it,
// read off the config schema) and a `run` that takes the parsed flags, starts the dashboard, prints
// its URL and serves until SIGINT/SIGTERM (or the caller's abort signal). Exit codes: 0 stopped
// cleanly, 1 could not start (port taken, ClickHouse unreachable, page not built), 2 bad settings
// (every bad one named).
import { ConfigError, ioLogger, loadConfigDetailed, reportDefaults, stopRequested } from '@shadow/service-admin';
import type { CommandOption, LoadConfigOptions, ServiceIo } from '@shadow/service-admin';
import type { ConfigKey } from './config/config.js';
import { DASHBOARD_DEFAULT_PORT, dashboardConfig, flagValues } from './config/config.js';
import { startDashboard } from './dashboard.js';
import type { StartDashboardOptions } from './dashboard.js';

export interface DashboardCommandOption extends CommandOption {
  /** The setting's variable the flag sets (`DASHBOARD_PORT`), or `config` for --config. */
  readonly key: ConfigKey | 'config';
  /** commander's property name for the flag (`--clickhouse-url` -> `clickhouseUrl`). */
  readonly attribute: string;
  /** Placeholder of the value in help: `--port <port>`. */
  readonly value: string;
}

/** The flags as text, by the variable of the setting each sets; `config` names the file. */
export type DashboardFlags = Partial<Record<ConfigKey | 'config', string>>;

export type DashboardCommandIo = ServiceIo;

const camel = (flag: string): string => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const HELP: Readonly<Record<ConfigKey, [string, string]>> = {
  DASHBOARD_HOST: ['host', 'interface to listen on (default 127.0.0.1: loopback only, the dashboard has no login)'],
  DASHBOARD_PORT: ['port', `port of the page, its API and /healthz (default ${DASHBOARD_DEFAULT_PORT}; 0 = any free port)`],
  DASHBOARD_CRITERIA: ['file', 'criteria file (YAML/JSON, docs/gate.md) the verdict is judged on; re-read when it changes'],
  DASHBOARD_WINDOW: ['duration', 'window a page opens with, back from now (default 1h)'],
  DASHBOARD_REFRESH: ['duration', 'refresh interval while pairs keep landing (default 5s)'],
  CLICKHOUSE_URL: ['url', "ClickHouse server, or a joiner's read-only endpoint (http://127.0.0.1:8123) while it owns an embedded chDB"],
  CLICKHOUSE_USER: ['user', 'user for --clickhouse-url'],
  CLICKHOUSE_PASSWORD: ['password', 'password for --clickhouse-url (prefer $CLICKHOUSE_PASSWORD)'],
  CHDB_PATH: ['dir', 'embedded chDB data directory opened by this process (default .stack/data/chdb)'],
  CLICKHOUSE_DATABASE: ['name', 'database of the pair tables (default "default")'],
  LOG_LEVEL: ['level', 'fatal, error, warn, info, debug, trace or silent (default info)'],
};

export const DASHBOARD_OPTIONS: readonly DashboardCommandOption[] = Object.freeze([
  ...dashboardConfig.settings.map((s) => {
    const key = s.env as ConfigKey;
    return { flag: s.flag, name: key, key, attribute: camel(s.flag), value: HELP[key][0], description: `${HELP[key][1]} [$${key}]` };
  }),
  {
    flag: '--config',
    name: 'config',
    key: 'config' as const,
    attribute: 'config',
    value: 'file',
    description: 'settings file, YAML or JSON (docs/dashboard.md); variables and flags override single settings [$DASHBOARD_CONFIG]',
  },
]);

/** commander's parsed options (by attribute) as flags (by key); unknown attributes are ignored. */
export function flagsFromAttributes(parsed: Readonly<Record<string, unknown>>): DashboardFlags {
  const out: DashboardFlags = {};
  for (const o of DASHBOARD_OPTIONS) {
    const v = parsed[o.attribute];
    if (v !== undefined && v !== null) out[o.key] = String(v);
  }
  return out;
}

/** The shell's load options for these flags: the file, the flags as values named by their flag. */
export function dashboardLoadOptions(flags: DashboardFlags, io: ServiceIo, defaults?: LoadConfigOptions['defaults']): LoadConfigOptions {
  const { config, ...settings } = flags;
  return {
    env: io.env,
    cwd: io.cwd,
    ...flagValues(settings),
    ...(config === undefined ? {} : { file: config, fileLabel: '--config' }),
    ...(defaults === undefined ? {} : { defaults }),
  };
}

export interface DashboardRunOptions extends StartDashboardOptions {
  /** Fills what the flags, the file and the environment leave unset (the CLI: the local stack's ClickHouse). */
  defaults?: LoadConfigOptions['defaults'];
}

export const dashboardCommand = Object.freeze({
  name: 'dashboard',
  description: "serve the dashboard: each challenger's verdict, agreement and latency over time, per-route table, differing paths, and pairs side by side",
  options: DASHBOARD_OPTIONS,
  async run(flags: DashboardFlags, io: ServiceIo, options: DashboardRunOptions = {}): Promise<number> {
    const { defaults, ...start } = options;
    // Listen before starting: a signal during a slow start still stops it.
    const stop = stopRequested(io.signal);
    let config;
    try {
      const load = dashboardLoadOptions(flags, io, defaults);
      const loaded = loadConfigDetailed(dashboardConfig, load);
      config = loaded.config;
      reportDefaults(load, loaded.sourceOf, io);
    } catch (error) {
      stop.cancel();
      if (!(error instanceof ConfigError)) throw error;
      io.err(error.message);
      return 2;
    }
    let dashboard;
    try {
      dashboard = await startDashboard(config, ioLogger(io, 'dashboard', config.logLevel, 'err'), start);
    } catch (error) {
      stop.cancel();
      io.err(`dashboard: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    io.out(
      `dashboard: ${dashboard.url}  (${config.clickhouseDescription}${config.criteria === null ? ', no criteria: --criteria <file> for a verdict' : `, criteria ${config.criteria.path}`}); Ctrl-C stops it`,
    );
    await stop.promise;
    await dashboard.close();
    return 0;
  },
});

export type DashboardCommand = typeof dashboardCommand;
