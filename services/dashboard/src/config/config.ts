// Dashboard configuration: a YAML/JSON file (DASHBOARD_CONFIG), environment variables over it,
// command-line flags over both, validated once at start-up by the service shell. A bad value stops
// the process (exit 2) with one line per bad field naming the flag or the variable and the path,
// what was given and what is accepted. `shadow dashboard` and the standalone bin read the same
// settings. ClickHouse is chosen as `shadow report` chooses it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadedCriteria } from '@shadow/analysis';
import { isAnalysisError, parseCriteria, parseDuration } from '@shadow/analysis';
import type { ClickHouseOptions } from '@shadow/clickhouse';
import { defineConfig, fromText, httpUrlSchema, loadConfig as load, logLevelSetting, portSchema } from '@shadow/service-admin';
import type { Env, LoadConfigOptions, SettingSource } from '@shadow/service-admin';
import { z } from 'zod';

export { ConfigError, ConfigError as DashboardConfigError } from '@shadow/service-admin';

/** The dashboard's own port: the replayer and joiner admin ports are 9465, the tap proxy's 8080/9464, the joiner's query endpoint 8123. */
export const DASHBOARD_DEFAULT_PORT = 9480;
/** Longest window a view may ask for (the pair tables keep 30 days by default). */
export const MAX_WINDOW_MS = 90 * 86_400_000;

const durationIn = (minMs: number, maxMs: number, what: string) =>
  z.string().transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 30s, 15m, 1h, 7d (${what})` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs / 1000}s and ${maxMs / 1000}s (${what})` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * The dashboard's settings, read by the service shell: a YAML/JSON file (DASHBOARD_CONFIG),
 * variables over it, flags over both. Each line is a setting: its file key the path, its variable
 * DASHBOARD_<PATH> unless named (the ClickHouse ones are `shadow report`'s), its flag `--<path>`
 * unless named.
 */
export const configSchema = z.strictObject({
  /** Interface to listen on. @default 127.0.0.1 (loopback only: the dashboard has no login) */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port of the UI, its JSON API and /healthz, /readyz, /metrics. 0 picks a free port. @default 9480 */
  port: portSchema.default(DASHBOARD_DEFAULT_PORT),
  /** Criteria file (YAML or JSON, docs/gate.md) the verdict is judged on; re-read when it changes. Unset: no verdict. */
  criteria: z.string().min(1).optional(),
  /** Window a view opens with, back from now. @default 1h */
  window: durationIn(60_000, MAX_WINDOW_MS, 'from 1m to 90d').default(3_600_000),
  /** How often an open page refreshes while pairs keep landing (it slows to 6x when they stop). @default 5s */
  refresh: durationIn(1000, 600_000, 'from 1s to 10m').default(5000),
  clickhouse: z.strictObject({
    /** A ClickHouse server, or a joiner's read-only endpoint (embedded mode). Wins over CHDB_PATH at the same level. */
    url: httpUrlSchema.optional().meta({ env: 'CLICKHOUSE_URL' }),
    user: z.string().min(1).optional().meta({ env: 'CLICKHOUSE_USER' }),
    password: z.string().min(1).optional().meta({ env: 'CLICKHOUSE_PASSWORD', secret: true }),
    /** Embedded chDB opened by this process (only while no joiner owns it). @default .stack/data/chdb */
    chdbPath: z.string().min(1).optional().meta({ env: 'CHDB_PATH', flag: '--chdb-path' }),
    /** Database of the pair tables. @default default */
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database name ([A-Za-z_][A-Za-z0-9_]*)')
      .optional()
      .meta({ env: 'CLICKHOUSE_DATABASE', flag: '--database' }),
  }),
  logLevel: logLevelSetting,
});

/** A setting's variable: how the dashboard's flags are keyed (`shadow dashboard` and the bin). */
export type ConfigKey =
  | 'DASHBOARD_HOST'
  | 'DASHBOARD_PORT'
  | 'DASHBOARD_CRITERIA'
  | 'DASHBOARD_WINDOW'
  | 'DASHBOARD_REFRESH'
  | 'CLICKHOUSE_URL'
  | 'CLICKHOUSE_USER'
  | 'CLICKHOUSE_PASSWORD'
  | 'CHDB_PATH'
  | 'CLICKHOUSE_DATABASE'
  | 'LOG_LEVEL';

export interface DashboardConfig {
  host: string;
  port: number;
  /** The criteria file, validated at start (null: none given). */
  criteria: { path: string; loaded: LoadedCriteria } | null;
  windowMs: number;
  refreshMs: number;
  clickhouse: ClickHouseOptions;
  /** How ClickHouse was chosen, for the start-up log: "server http://… (CLICKHOUSE_URL)". */
  clickhouseDescription: string;
  logLevel: string;
}

function readCriteria(path: string): { path: string; loaded: LoadedCriteria } | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `cannot read ${path} (${code === 'ENOENT' ? 'not found' : String(code ?? error)}); pass a YAML or JSON criteria file (docs/gate.md)`;
  }
  try {
    return { path, loaded: parseCriteria(text, path) };
  } catch (error) {
    if (isAnalysisError(error)) return error.message.replace(/\n\s*/g, '; ');
    throw error;
  }
}

/** Layers, lowest first: how "a flag wins over the environment" is decided between two settings. */
const RANK: Readonly<Record<SettingSource['kind'], number>> = { default: 0, file: 1, env: 2, value: 3 };

function describeSource(source: SettingSource | undefined, fallback: string): string {
  if (source === undefined) return fallback;
  if (source.kind === 'env') return source.name;
  if (source.kind === 'value') return source.label ?? 'the caller';
  if (source.kind === 'default') return source.from;
  return source.file;
}

export const dashboardConfig = defineConfig({
  name: 'dashboard',
  envPrefix: 'DASHBOARD',
  schema: configSchema,
  check: (config, context) => {
    const problems: string[] = [];
    const url = context.sourceOf('clickhouse.url');
    const chdb = context.sourceOf('clickhouse.chdbPath');
    if (url?.kind === 'value' && chdb?.kind === 'value') {
      problems.push(`${context.nameOf(['clickhouse', 'url'])} and ${context.nameOf(['clickhouse', 'chdbPath'])} select different databases: give one of them`);
    }
    const path = config?.criteria ?? (typeof context.input['criteria'] === 'string' ? context.input['criteria'] : undefined);
    if (path !== undefined && path !== '') {
      const read = readCriteria(resolve(context.cwd, path));
      if (typeof read === 'string') problems.push(`${context.nameOf(['criteria'])}: ${read}`);
    }
    return problems;
  },
  build: (c, context): DashboardConfig => {
    const url = context.sourceOf('clickhouse.url');
    const chdb = context.sourceOf('clickhouse.chdbPath');
    // As `shadow report`: a flag wins over the environment, a URL over a chDB path at the same level.
    const urlFirst = c.clickhouse.url !== undefined && (c.clickhouse.chdbPath === undefined || RANK[url?.kind ?? 'default'] >= RANK[chdb?.kind ?? 'default']);
    const common: ClickHouseOptions = c.clickhouse.database === undefined ? {} : { database: c.clickhouse.database };
    let clickhouse: ClickHouseOptions;
    let clickhouseDescription: string;
    if (urlFirst && c.clickhouse.url !== undefined) {
      clickhouse = {
        ...common,
        mode: 'server',
        url: c.clickhouse.url,
        ...(c.clickhouse.user === undefined ? {} : { username: c.clickhouse.user }),
        ...(c.clickhouse.password === undefined ? {} : { password: c.clickhouse.password }),
      };
      clickhouseDescription = `server ${c.clickhouse.url} (from ${describeSource(url, 'CLICKHOUSE_URL')})`;
    } else {
      const path = resolve(context.cwd, c.clickhouse.chdbPath ?? '.stack/data/chdb');
      clickhouse = { ...common, mode: 'embedded', path };
      clickhouseDescription = `embedded chDB ${path} (from ${describeSource(chdb, 'the default .stack/data/chdb')})`;
    }
    const criteria = c.criteria === undefined ? null : readCriteria(resolve(context.cwd, c.criteria));
    return {
      host: c.host,
      port: c.port,
      // Read and validated by check.
      criteria: typeof criteria === 'string' ? null : criteria,
      windowMs: c.window,
      refreshMs: c.refresh,
      clickhouse,
      clickhouseDescription,
      logLevel: c.logLevel,
    };
  },
});

/** The command-line flag of each setting, by its variable (`shadow dashboard` and the standalone bin). */
export const FLAGS: Readonly<Record<ConfigKey, string>> = Object.freeze(
  Object.fromEntries(dashboardConfig.settings.map((s) => [s.env, s.flag])) as Record<ConfigKey, string>,
);

/** `--port` -> DASHBOARD_PORT: the setting a flag names. */
export function keyOfFlag(flag: string): ConfigKey | undefined {
  return (Object.keys(FLAGS) as ConfigKey[]).find((k) => FLAGS[k] === flag);
}

/** Flags (text, keyed by the setting's variable) as the shell's values, labelled by their flag. */
export function flagValues(flags: Partial<Record<ConfigKey, string>>): Pick<LoadConfigOptions, 'values' | 'labels'> {
  const values: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const setting of dashboardConfig.settings) {
    const text = flags[setting.env as ConfigKey];
    if (text === undefined) continue;
    values[setting.key] = fromText(text, setting.schema);
    labels[setting.key] = setting.flag;
  }
  return { values, labels };
}

/**
 * Reads and validates the configuration: the file (DASHBOARD_CONFIG or `file`), `env` over it,
 * `flags` over both. Throws ConfigError listing every bad field.
 */
export function loadConfig(
  env: Env,
  flags: Partial<Record<ConfigKey, string>> = {},
  cwd = process.cwd(),
  options: Pick<LoadConfigOptions, 'file' | 'fileLabel' | 'defaults'> = {},
): DashboardConfig {
  return load(dashboardConfig, { ...options, env, cwd, ...flagValues(flags) });
}
