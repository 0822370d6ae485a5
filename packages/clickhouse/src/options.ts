import { resolve } from 'node:path';
import type { ClickHouseSettings } from '@clickhouse/client';
import { describeValue, isPlainObject } from '@shadow/options';
import { ClickHouseError } from './errors.js';
import { LOGGER_METHODS } from './logger.js';
import type { ClickHouseLogger } from './logger.js';

export const CLICKHOUSE_MODES = ['embedded', 'server'] as const;
export type ClickHouseMode = (typeof CLICKHOUSE_MODES)[number];

/** chDB's throwaway engine: a temporary directory removed when its last client closes. */
export const CHDB_MEMORY_PATH = ':memory:';

/**
 * Settings sent with every query in both modes, so the same SQL and the same JSON behave the same on
 * chDB and on a server whatever their versions' defaults (chDB 3.4 / ClickHouse 26.7 defaults to
 * async_insert=1, output_format_json_quote_64bit_integers=0, input_format_skip_unknown_fields=1).
 * - `date_time_input_format: 'best_effort'`: DateTime/DateTime64 accept ISO 8601 strings with `Z` or
 *   an offset (`new Date().toISOString()`). Numbers are still read in the column's unit: epoch
 *   milliseconds fit `DateTime64(3)` only.
 * - `date_time_output_format: 'iso'`: DateTime values come back as `2024-05-06T07:08:09.123Z`, which
 *   `new Date()` parses without guessing a time zone.
 * - `output_format_json_quote_64bit_integers: 1`: (U)Int64 come back as strings in JSON formats, so
 *   values above 2^53 do not lose precision silently.
 * - `async_insert: 0`: an insert that resolved is visible to the next query.
 * - `input_format_skip_unknown_fields: 0`: a row field with no column fails the insert (CH_BAD_DATA)
 *   instead of being dropped silently.
 */
export const DEFAULT_CLICKHOUSE_SETTINGS: Readonly<ClickHouseSettings> = Object.freeze({
  date_time_input_format: 'best_effort',
  date_time_output_format: 'iso',
  output_format_json_quote_64bit_integers: 1,
  async_insert: 0,
  input_format_skip_unknown_fields: 0,
} satisfies ClickHouseSettings);

export interface ClickHouseOptions {
  /**
   * `'embedded'` runs ClickHouse in this process (chDB); `'server'` talks HTTP to a ClickHouse server.
   * @default 'embedded'
   */
  mode?: ClickHouseMode;
  /**
   * Embedded mode only. Directory chDB keeps its data in; created when missing. A relative path is
   * resolved against `process.cwd()` at construction; the default is where `infra/local/stack up`
   * points CHDB_PATH when run from the repository root. `':memory:'` is a throwaway temporary
   * directory. One process can use one path at a time (see docs/clickhouse.md).
   * @default '.stack/data/chdb'
   */
  path?: string;
  /**
   * Server mode only. The server's HTTP(S) endpoint, without credentials, path or query string.
   * @default 'http://localhost:8123'
   */
  url?: string;
  /**
   * Server mode only.
   * @default 'default'
   */
  username?: string;
  /**
   * Server mode only.
   * @default ''
   */
  password?: string;
  /**
   * Database that unqualified table names refer to, in both modes.
   * @default 'default'
   */
  database?: string;
  /**
   * Create `database` (`CREATE DATABASE IF NOT EXISTS`) while the client is created. Turn off for a
   * server user without the CREATE DATABASE grant; the database must then exist.
   * @default true
   */
  ensureDatabase?: boolean;
  /**
   * Settings sent with every query, merged over {@link DEFAULT_CLICKHOUSE_SETTINGS} (yours win).
   * @default {}
   */
  clickhouseSettings?: ClickHouseSettings;
  /**
   * Server mode only. Milliseconds before an HTTP request is abandoned (CH_TIMEOUT).
   * @default 30_000
   */
  requestTimeoutMs?: number;
  /**
   * Receives this package's and @clickhouse/client's log lines; a pino logger fits.
   * @default undefined: nothing from this package; @clickhouse/client logs WARN and up to the console
   */
  logger?: ClickHouseLogger;
}

interface ResolvedCommonOptions {
  readonly database: string;
  readonly ensureDatabase: boolean;
  readonly clickhouseSettings: Readonly<ClickHouseSettings>;
  readonly logger: ClickHouseLogger | undefined;
}

export interface ResolvedEmbeddedOptions extends ResolvedCommonOptions {
  readonly mode: 'embedded';
  /** Absolute, or `':memory:'`. */
  readonly path: string;
}

export interface ResolvedServerOptions extends ResolvedCommonOptions {
  readonly mode: 'server';
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
}

export type ResolvedClickHouseOptions = ResolvedEmbeddedOptions | ResolvedServerOptions;

const OPTION_NAMES = [
  'mode',
  'path',
  'url',
  'username',
  'password',
  'database',
  'ensureDatabase',
  'clickhouseSettings',
  'requestTimeoutMs',
  'logger',
] as const satisfies readonly (keyof ClickHouseOptions)[];
const SERVER_ONLY = ['url', 'username', 'password', 'requestTimeoutMs'] as const;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(field: string, expected: string, ...got: [] | [unknown]): ClickHouseError {
  const shown = got.length === 0 ? '' : `; got ${describeValue(got[0])}`;
  return new ClickHouseError('CH_INVALID_OPTIONS', `Invalid ClickHouse option "${field}": expected ${expected}${shown}`);
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'a non-empty string', value);
  return value;
}

function resolveUrl(value: unknown): string {
  const raw = nonEmptyString('url', value);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'an absolute http:// or https:// URL such as "http://localhost:8123"', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('url', 'an http:// or https:// URL', raw);
  }
  // @clickhouse/client would read these parts as credentials/database and override the other options.
  if (url.username || url.password) {
    throw invalid('url', 'a URL without credentials; pass them as "username"/"password" (CLICKHOUSE_USER/CLICKHOUSE_PASSWORD)');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalid('url', 'a URL without path, query or fragment; the database goes in "database" (CLICKHOUSE_DATABASE)', raw);
  }
  return url.origin;
}

function resolveSettings(value: unknown): Readonly<ClickHouseSettings> {
  if (value === undefined) return DEFAULT_CLICKHOUSE_SETTINGS;
  if (!isPlainObject(value)) throw invalid('clickhouseSettings', 'a plain object of ClickHouse settings', value);
  const merged: Record<string, unknown> = { ...DEFAULT_CLICKHOUSE_SETTINGS };
  for (const [name, setting] of Object.entries(value)) {
    if (!IDENTIFIER.test(name)) throw invalid(`clickhouseSettings.${name}`, 'a ClickHouse setting name');
    if (setting === undefined) continue;
    if (typeof setting !== 'string' && typeof setting !== 'number' && typeof setting !== 'boolean') {
      throw invalid(`clickhouseSettings.${name}`, 'a string, number or boolean', setting);
    }
    merged[name] = setting;
  }
  return Object.freeze(merged) as Readonly<ClickHouseSettings>;
}

function resolveLogger(value: unknown): ClickHouseLogger | undefined {
  if (value === undefined) return undefined;
  const missing = LOGGER_METHODS.filter((m) => typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw invalid('logger', `an object with methods ${LOGGER_METHODS.join(', ')} (a pino logger works); missing ${missing.join(', ')}`);
  }
  return value as ClickHouseLogger;
}

/**
 * Applies defaults, validates every field and freezes the result. Throws a ClickHouseError with code
 * CH_INVALID_OPTIONS naming the field and the accepted values.
 */
export function resolveClickHouseOptions(options: ClickHouseOptions = {}): ResolvedClickHouseOptions {
  if (!isPlainObject(options)) throw invalid('options', 'a plain object', options);
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw invalid(key, `no such option; accepted options are ${OPTION_NAMES.join(', ')}`);
    }
  }
  const input = options as Record<string, unknown>;

  const mode = input.mode ?? 'embedded';
  if (!(CLICKHOUSE_MODES as readonly unknown[]).includes(mode)) {
    throw invalid('mode', CLICKHOUSE_MODES.map((m) => `"${m}"`).join(' or '), mode);
  }

  const database = input.database ?? 'default';
  if (typeof database !== 'string' || !IDENTIFIER.test(database)) {
    throw invalid('database', `a database name matching ${IDENTIFIER.source}`, database);
  }
  const ensureDatabase = input.ensureDatabase ?? true;
  if (typeof ensureDatabase !== 'boolean') throw invalid('ensureDatabase', 'true or false', ensureDatabase);

  const common: ResolvedCommonOptions = {
    database,
    ensureDatabase,
    clickhouseSettings: resolveSettings(input.clickhouseSettings),
    logger: resolveLogger(input.logger),
  };

  if (mode === 'embedded') {
    const stray = SERVER_ONLY.find((key) => input[key] !== undefined);
    if (stray) throw invalid(stray, `to be unset in embedded mode; it applies to mode "server" only`);
    const path = nonEmptyString('path', input.path ?? '.stack/data/chdb');
    if (path.includes('\0')) throw invalid('path', 'a directory path without NUL characters');
    return Object.freeze({ ...common, mode, path: path === CHDB_MEMORY_PATH ? path : resolve(path) });
  }

  if (input.path !== undefined) throw invalid('path', 'to be unset in server mode; it applies to mode "embedded" only');
  const username = nonEmptyString('username', input.username ?? 'default');
  const password = input.password ?? '';
  if (typeof password !== 'string') throw invalid('password', `a string; got ${typeof password}`);
  const requestTimeoutMs = input.requestTimeoutMs ?? 30_000;
  if (typeof requestTimeoutMs !== 'number' || !Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw invalid('requestTimeoutMs', 'a positive integer number of milliseconds', requestTimeoutMs);
  }
  return Object.freeze({
    ...common,
    mode: 'server' as const,
    url: resolveUrl(input.url ?? 'http://localhost:8123'),
    username,
    password,
    requestTimeoutMs,
  });
}
