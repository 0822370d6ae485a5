// Dashboard configuration: command-line flags over environment variables (flags win), validated
// once at start-up. A bad value stops the process (exit 2) with one line per bad field naming the
// flag and the variable, what was given and what is accepted. Each key of the schema is the
// environment variable; FLAGS maps the command line onto it, so `shadow dashboard` and the
// standalone bin read the same settings. ClickHouse is chosen as `shadow report` chooses it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadedCriteria } from '@shadow/analysis';
import { isAnalysisError, parseCriteria, parseDuration } from '@shadow/analysis';
import type { ClickHouseOptions } from '@shadow/clickhouse';
import { z } from 'zod';

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

const PORT = 'must be a port number from 0 to 65535 (0: any free port)';
const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'must be an http:// or https:// URL');

/** Each key is the environment variable that sets it; FLAGS gives the command-line flag. */
export const configSchema = z.object({
  /** Interface to listen on. @default 127.0.0.1 (loopback only: the dashboard has no login) */
  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of the UI, its JSON API and /healthz, /readyz, /metrics. 0 picks a free port. @default 9480 */
  DASHBOARD_PORT: z.coerce.number({ error: PORT }).int({ error: PORT }).min(0, { error: PORT }).max(65_535, { error: PORT }).default(DASHBOARD_DEFAULT_PORT),
  /** Criteria file (YAML or JSON, docs/gate.md) the verdict is judged on; re-read when it changes. Unset: no verdict. */
  DASHBOARD_CRITERIA: z.string().min(1).optional(),
  /** Window a view opens with, back from now. @default 1h */
  DASHBOARD_WINDOW: durationIn(60_000, MAX_WINDOW_MS, 'from 1m to 90d').default(3_600_000),
  /** How often an open page refreshes while pairs keep landing (it slows to 6x when they stop). @default 5s */
  DASHBOARD_REFRESH: durationIn(1000, 600_000, 'from 1s to 10m').default(5000),
  /** A ClickHouse server, or a joiner's read-only endpoint (embedded mode). Wins over CHDB_PATH. */
  CLICKHOUSE_URL: httpUrl.optional(),
  CLICKHOUSE_USER: z.string().min(1).optional(),
  CLICKHOUSE_PASSWORD: z.string().min(1).optional(),
  /** Embedded chDB opened by this process (only while no joiner owns it). @default .stack/data/chdb */
  CHDB_PATH: z.string().min(1).optional(),
  /** Database of the pair tables. @default default */
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database name ([A-Za-z_][A-Za-z0-9_]*)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ConfigKey = keyof typeof configSchema.shape;

/** The command-line flag of each setting (`shadow dashboard` and the standalone bin). */
export const FLAGS: Readonly<Record<ConfigKey, string>> = Object.freeze({
  DASHBOARD_HOST: '--host',
  DASHBOARD_PORT: '--port',
  DASHBOARD_CRITERIA: '--criteria',
  DASHBOARD_WINDOW: '--window',
  DASHBOARD_REFRESH: '--refresh',
  CLICKHOUSE_URL: '--clickhouse-url',
  CLICKHOUSE_USER: '--clickhouse-user',
  CLICKHOUSE_PASSWORD: '--clickhouse-password',
  CHDB_PATH: '--chdb-path',
  CLICKHOUSE_DATABASE: '--database',
  LOG_LEVEL: '--log-level',
});

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

export class DashboardConfigError extends Error {
  override readonly name = 'DashboardConfigError';
  readonly code = 'DASHBOARD_INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid dashboard configuration:\n  ${problems.join('\n  ')}`);
  }
}

const label = (key: ConfigKey): string => `${FLAGS[key]} (${key})`;

/** `--port` -> DASHBOARD_PORT: the setting a flag names, for callers that parse argv themselves. */
export function keyOfFlag(flag: string): ConfigKey | undefined {
  return (Object.keys(FLAGS) as ConfigKey[]).find((k) => FLAGS[k] === flag);
}

/**
 * Parses `--flag value` / `--flag=value` pairs (the standalone bin's argv); unknown flags and
 * flags without a value are problems named in the same error as bad values.
 */
export function parseArgv(argv: readonly string[]): { values: Partial<Record<ConfigKey, string>>; problems: string[] } {
  const values: Partial<Record<ConfigKey, string>> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const key = keyOfFlag(flag);
    if (!flag.startsWith('--')) {
      problems.push(`${JSON.stringify(arg)}: unexpected argument (every setting is a --flag)`);
      continue;
    }
    if (key === undefined) {
      problems.push(`${flag}: unknown option (accepted: ${Object.values(FLAGS).join(', ')})`);
      // Its value, if it has one, belongs to it: not an argument of its own.
      if (eq < 0 && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) i++;
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      problems.push(`${label(key)}: needs a value`);
      if (value !== undefined) i--;
      continue;
    }
    values[key] = value;
  }
  return { values, problems };
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

/**
 * Reads and validates the configuration: `flags` (from the command line) over `env`. Throws
 * DashboardConfigError listing every bad field.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, flags: Partial<Record<ConfigKey, string>> = {}, cwd = process.cwd()): DashboardConfig {
  const merged: Record<string, string> = {};
  const from: Partial<Record<ConfigKey, string>> = {};
  for (const key of Object.keys(configSchema.shape) as ConfigKey[]) {
    const flag = flags[key];
    const value = env[key];
    if (flag !== undefined) {
      merged[key] = flag;
      from[key] = FLAGS[key];
    } else if (value !== undefined && value !== '') {
      merged[key] = value;
      from[key] = key;
    }
  }
  const problems: string[] = [];
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '') as ConfigKey;
      const got = merged[key];
      problems.push(`${key in FLAGS ? label(key) : key}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(key === 'CLICKHOUSE_PASSWORD' ? '***' : got)}`}`);
    }
  }
  if (flags.CLICKHOUSE_URL !== undefined && flags.CHDB_PATH !== undefined) {
    problems.push(`${label('CLICKHOUSE_URL')} and ${label('CHDB_PATH')} select different databases: give one of them`);
  }
  let criteria: DashboardConfig['criteria'] = null;
  const criteriaPath = merged['DASHBOARD_CRITERIA'];
  if (criteriaPath !== undefined) {
    const read = readCriteria(resolve(cwd, criteriaPath));
    if (typeof read === 'string') problems.push(`${label('DASHBOARD_CRITERIA')}: ${read}`);
    else criteria = read;
  }
  if (!result.success || problems.length > 0) throw new DashboardConfigError(problems);
  const c = result.data;
  // As `shadow report`: a flag wins over the environment, a URL over a chDB path at the same level.
  const urlFirst = c.CLICKHOUSE_URL !== undefined && (c.CHDB_PATH === undefined || from.CLICKHOUSE_URL?.startsWith('--') === true);
  const common: ClickHouseOptions = c.CLICKHOUSE_DATABASE === undefined ? {} : { database: c.CLICKHOUSE_DATABASE };
  let clickhouse: ClickHouseOptions;
  let clickhouseDescription: string;
  if (urlFirst && c.CLICKHOUSE_URL !== undefined) {
    clickhouse = {
      ...common,
      mode: 'server',
      url: c.CLICKHOUSE_URL,
      ...(c.CLICKHOUSE_USER === undefined ? {} : { username: c.CLICKHOUSE_USER }),
      ...(c.CLICKHOUSE_PASSWORD === undefined ? {} : { password: c.CLICKHOUSE_PASSWORD }),
    };
    clickhouseDescription = `server ${c.CLICKHOUSE_URL} (from ${from.CLICKHOUSE_URL ?? 'CLICKHOUSE_URL'})`;
  } else {
    const path = resolve(cwd, c.CHDB_PATH ?? '.stack/data/chdb');
    clickhouse = { ...common, mode: 'embedded', path };
    clickhouseDescription = `embedded chDB ${path} (from ${from.CHDB_PATH ?? 'the default .stack/data/chdb'})`;
  }
  return Object.freeze({
    host: c.DASHBOARD_HOST,
    port: c.DASHBOARD_PORT,
    criteria,
    windowMs: c.DASHBOARD_WINDOW,
    refreshMs: c.DASHBOARD_REFRESH,
    clickhouse,
    clickhouseDescription,
    logLevel: c.LOG_LEVEL,
  });
}
