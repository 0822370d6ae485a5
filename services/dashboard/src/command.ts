// `shadow dashboard` as a typed command the CLI mounts without knowing the dashboard's settings:
// the options (flag, value name, help, the environment variable behind it) and a `run` that takes
// the parsed flags, starts the dashboard, prints its URL and serves until SIGINT/SIGTERM (or the
// caller's abort signal). Exit codes: 0 stopped cleanly, 1 could not start (port taken, ClickHouse
// unreachable, page not built), 2 bad settings (every bad one named).
import type { ConfigKey } from './config/config.js';
import { DashboardConfigError, DASHBOARD_DEFAULT_PORT, FLAGS, loadConfig } from './config/config.js';
import { startDashboard } from './dashboard.js';
import type { StartDashboardOptions } from './dashboard.js';

export interface DashboardCommandOption {
  /** `--port` */
  flag: string;
  /** Placeholder of the value in help: `--port <port>`. */
  value: string;
  description: string;
  /** The setting (and environment variable) the flag sets. */
  key: ConfigKey;
  /** commander's property name for the flag (`--clickhouse-url` -> `clickhouseUrl`). */
  attribute: string;
}

export interface DashboardCommandIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Stops the dashboard when aborted (tests, a demo that hands over); SIGINT/SIGTERM always do. */
  readonly signal?: AbortSignal;
}

const camel = (flag: string): string => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const HELP: Readonly<Record<ConfigKey, [string, string]>> = {
  DASHBOARD_HOST: ['host', 'interface to listen on (default 127.0.0.1: loopback only, the dashboard has no login)'],
  DASHBOARD_PORT: ['port', `port of the page, its API and /healthz (default ${DASHBOARD_DEFAULT_PORT}; 0 = any free port)`],
  DASHBOARD_CRITERIA: ['file', 'criteria file (YAML/JSON, docs/gate.md) the verdict is judged on; re-read when it changes'],
  DASHBOARD_WINDOW: ['duration', 'window a page opens with, back from now (default 1h)'],
  DASHBOARD_REFRESH: ['duration', 'refresh interval while pairs keep landing (default 5s)'],
  CLICKHOUSE_URL: ['url', 'ClickHouse server, or a joiner\'s read-only endpoint (http://127.0.0.1:8123) while it owns an embedded chDB'],
  CLICKHOUSE_USER: ['user', 'user for --clickhouse-url'],
  CLICKHOUSE_PASSWORD: ['password', 'password for --clickhouse-url (prefer $CLICKHOUSE_PASSWORD)'],
  CHDB_PATH: ['dir', 'embedded chDB data directory opened by this process (default .stack/data/chdb)'],
  CLICKHOUSE_DATABASE: ['name', 'database of the pair tables (default "default")'],
  LOG_LEVEL: ['level', 'fatal, error, warn, info, debug, trace or silent (default info)'],
};

export const DASHBOARD_OPTIONS: readonly DashboardCommandOption[] = Object.freeze(
  (Object.keys(FLAGS) as ConfigKey[]).map((key) => ({ flag: FLAGS[key], value: HELP[key][0], description: `${HELP[key][1]} [$${key}]`, key, attribute: camel(FLAGS[key]) })),
);

/** commander's parsed options (by attribute) as settings (by key); unknown attributes are ignored. */
export function flagsFromAttributes(parsed: Readonly<Record<string, unknown>>): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const o of DASHBOARD_OPTIONS) {
    const v = parsed[o.attribute];
    if (v !== undefined && v !== null) out[o.key] = String(v);
  }
  return out;
}

function stopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => (): void => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
      signal?.removeEventListener('abort', aborted);
      resolve(why);
    };
    const int = done('SIGINT');
    const term = done('SIGTERM');
    const aborted = done('abort');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
    if (signal?.aborted === true) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
}

export const dashboardCommand = Object.freeze({
  name: 'dashboard',
  description: 'serve the dashboard: each challenger\'s verdict, agreement and latency over time, per-route table, differing paths, and pairs side by side',
  options: DASHBOARD_OPTIONS,
  async run(flags: Partial<Record<ConfigKey, string>>, io: DashboardCommandIo, options: StartDashboardOptions = {}): Promise<number> {
    let config;
    try {
      config = loadConfig(io.env, flags, io.cwd);
    } catch (error) {
      if (!(error instanceof DashboardConfigError)) throw error;
      io.err(error.message);
      return 2;
    }
    let dashboard;
    try {
      const { pino } = await import('pino');
      const logger = pino({ name: 'dashboard', level: config.logLevel }, pino.destination(2));
      dashboard = await startDashboard(config, logger, options);
    } catch (error) {
      io.err(`dashboard: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    io.out(`dashboard: ${dashboard.url}  (${config.clickhouseDescription}${config.criteria === null ? ', no criteria: --criteria <file> for a verdict' : `, criteria ${config.criteria.path}`}); Ctrl-C stops it`);
    await stopped(io.signal);
    await dashboard.close();
    return 0;
  },
});

export type DashboardCommand = typeof dashboardCommand;
