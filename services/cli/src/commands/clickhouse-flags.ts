// What report, gate, query and migrate share: where ClickHouse is and which pairs to read.
//
// Connection, first match wins (the command prints which one it used on stderr):
//   --clickhouse-url <url>   a ClickHouse server, or the joiner's read-only endpoint (same protocol)
//   --chdb-path <dir>        embedded chDB opened by this process
//   CLICKHOUSE_URL           as --clickhouse-url (CLICKHOUSE_USER / CLICKHOUSE_PASSWORD for credentials)
//   CHDB_PATH                as --chdb-path
//   <repo>/.stack/data/chdb  the local stack's embedded database
// chDB allows one engine per process and one process per data directory: while a joiner owns the
// directory, point the CLI at the joiner's read-only endpoint instead (--clickhouse-url).
import { join } from 'node:path';
import { isAnalysisError } from '@shadow/analysis';
import type { ClickHouse, ClickHouseLogger, ClickHouseOptions } from '@shadow/clickhouse';
import { createClickHouse, toClickHouseError } from '@shadow/clickhouse';
import { localStackDir } from '@shadow/local-stack';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, debugFromEnv, EXIT } from '../io.js';
import { timeFlag } from '../options.js';
import { ioLogger } from './runtime.js';

export interface ConnectionFlags {
  clickhouseUrl?: string;
  chdbPath?: string;
  database?: string;
  verbose?: boolean;
}

export interface WindowFlags {
  since?: number;
  until?: number;
  runId?: string;
}

export const CONNECTION_HELP = `
ClickHouse (first match wins): --clickhouse-url (a server or the joiner's read-only endpoint),
--chdb-path (embedded chDB in this process), $CLICKHOUSE_URL (+ $CLICKHOUSE_USER, $CLICKHOUSE_PASSWORD),
$CHDB_PATH, else the local stack's <repo>/.stack/data/chdb. While a joiner owns an embedded database,
use its read-only endpoint: --clickhouse-url http://127.0.0.1:8123 (the joiner's JOINER_QUERY_PORT, logged at its start).`;

export function withConnectionOptions(command: Command): Command {
  return command
    .option('--clickhouse-url <url>', "ClickHouse HTTP URL: a server or the joiner's read-only endpoint (default: $CLICKHOUSE_URL)")
    .option('--chdb-path <dir>', "embedded chDB data directory opened by this process (default: $CHDB_PATH, else the local stack's)")
    .option('--database <name>', 'database of the pair tables (default: $CLICKHOUSE_DATABASE, else "default")')
    .option('--verbose', "on a failure, also print the ClickHouse client's log and the stack (as SHADOW_DEBUG=1)");
}

export function withWindowOptions(command: Command, now: () => number = Date.now): Command {
  return command
    .option(
      '--since <time>',
      'start of the window: a duration back from now (48h, 30m, 7d), an ISO-8601 time with a zone (2026-11-29T10:00:00Z) or epoch s/ms (10/13 digits)',
      timeFlag(now),
    )
    .option('--until <time>', 'end of the window, exclusive, in the same forms (default: now)', timeFlag(now))
    .option('--run-id <id>', 'a historical replay run instead of (or within) a window');
}

/** The window and run id of the flags; a usage error when neither is given. */
export function resolveWindow(flags: WindowFlags, now: number): { window?: { fromMs: number; toMs: number }; runId?: string } {
  if (flags.since === undefined && flags.runId === undefined) {
    throw new CliError('say which pairs: --since <time> (e.g. --since 48h) and/or --run-id <id>', EXIT.usage);
  }
  if (flags.since === undefined && flags.until !== undefined) throw new CliError('--until needs --since', EXIT.usage);
  const out: { window?: { fromMs: number; toMs: number }; runId?: string } = {};
  if (flags.since !== undefined) {
    const toMs = flags.until ?? now;
    if (flags.since >= toMs)
      throw new CliError(`--since (${new Date(flags.since).toISOString()}) must be before --until (${new Date(toMs).toISOString()})`, EXIT.usage);
    out.window = { fromMs: flags.since, toMs };
  }
  if (flags.runId !== undefined) out.runId = flags.runId;
  return out;
}

export interface Connection {
  options: ClickHouseOptions;
  /** Human description: "server http://… (from --clickhouse-url)". */
  description: string;
  /** Embedded and opened by this process: it may write (migrate, the gate's audit row). */
  ownsEngine: boolean;
}

export function resolveConnection(flags: ConnectionFlags, io: CliIo): Connection {
  const env = (name: string): string | undefined => {
    const v = io.env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  if (flags.clickhouseUrl !== undefined && flags.chdbPath !== undefined) {
    throw new CliError('--clickhouse-url and --chdb-path select different databases; pass one of them', EXIT.usage);
  }
  const database = flags.database ?? env('CLICKHOUSE_DATABASE');
  const common: ClickHouseOptions = database === undefined ? {} : { database };
  const server = (url: string, from: string): Connection => {
    const username = env('CLICKHOUSE_USER');
    const password = env('CLICKHOUSE_PASSWORD');
    return {
      options: { ...common, mode: 'server', url, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) },
      description: `server ${url} (from ${from})`,
      ownsEngine: false,
    };
  };
  const embedded = (path: string, from: string): Connection => ({
    options: { ...common, mode: 'embedded', path },
    description: `embedded chDB ${path} (from ${from})`,
    ownsEngine: true,
  });
  if (flags.clickhouseUrl !== undefined) return server(flags.clickhouseUrl, '--clickhouse-url');
  if (flags.chdbPath !== undefined) return embedded(flags.chdbPath, '--chdb-path');
  const url = env('CLICKHOUSE_URL');
  if (url !== undefined) return server(url, 'CLICKHOUSE_URL');
  const path = env('CHDB_PATH');
  if (path !== undefined) return embedded(path, 'CHDB_PATH');
  const dir = localStackDir(io.cwd, io.env);
  if (dir === undefined) {
    throw new CliError(
      'no ClickHouse: pass --clickhouse-url or --chdb-path, set CLICKHOUSE_URL or CHDB_PATH, or run inside the repository (local stack)',
      EXIT.usage,
    );
  }
  return embedded(join(dir, 'data', 'chdb'), 'the local stack');
}

/** Debug mode of an analysis command: --verbose or SHADOW_DEBUG=1. */
export function debugMode(flags: ConnectionFlags, io: CliIo): boolean {
  return flags.verbose === true || debugFromEnv(io.env);
}

/** The client's log: nothing by default (a failure is our one line), pino lines on stderr in debug mode. */
async function clientLogger(io: CliIo, debug: boolean): Promise<ClickHouseLogger> {
  if (debug) return ioLogger(io, 'clickhouse', 'debug');
  const none = (): void => undefined;
  return { trace: none, debug: none, info: none, warn: none, error: none, isLevelEnabled: () => false };
}

/**
 * Opens the connection; a failure is exit 2 (nothing was measured) with one line naming what
 * failed and what to do. Only `migrate` creates a missing database, in either mode: a read command
 * pointed at a misspelt --database must say so, not read an empty database it just created (and on
 * a server it must not need CREATE: the joiner's read-only endpoint refuses it).
 */
export async function openClickHouse(connection: Connection, io: CliIo, options: { createDatabase?: boolean; debug?: boolean } = {}): Promise<ClickHouse> {
  const debug = options.debug ?? debugFromEnv(io.env);
  if (connection.options.mode === 'embedded' && connection.options.path !== undefined) {
    const owner = await embeddedOwner(connection.options.path);
    if (owner !== undefined) {
      throw new CliError(
        `cannot open ClickHouse, ${connection.description}: another process (PID ${owner}) has it open; if it is a joiner, query its read-only endpoint instead: --clickhouse-url http://127.0.0.1:8123 (its JOINER_QUERY_PORT)`,
        EXIT.notMeasured,
      );
    }
  }
  try {
    const ch = await createClickHouse({ ...connection.options, ensureDatabase: options.createDatabase === true, logger: await clientLogger(io, debug) });
    io.err(`clickhouse: ${connection.description}`);
    return ch;
  } catch (error) {
    throw clickhouseFailure(error, connection, 'opening ClickHouse', debug);
  }
}

/**
 * The PID of the live Node process that has the chDB directory open, else undefined. The engine
 * writes `<path>/status` ("PID: n") while open and removes it on close; asked to open a directory
 * another process holds, chDB prints its own "Cannot lock file" line on stderr before failing, so
 * the CLI looks first to fail with its one line. Linux only (/proc: the PID must be a live Node
 * process, so a status file left by a crash with a reused PID refuses nothing); elsewhere chDB's
 * own failure is reported as usual.
 */
export async function embeddedOwner(path: string): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  const { join: joinPath } = await import('node:path');
  try {
    const pid = Number(/^PID:\s*(\d+)/m.exec(await readFile(joinPath(path, 'status'), 'utf8'))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    const executable = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
    return /(^|\/)node[\d.]*$/.test(executable) ? pid : undefined;
  } catch {
    return undefined; // no status file (not open), no such process, or no /proc
  }
}

const firstLine = (text: string): string => (text.split('\n')[0] ?? text).trim().replace(/[.\s]+$/, '');

/**
 * Any failure reaching or querying ClickHouse as the CLI's one line (exit 2): what failed, where,
 * and the fix. The client's error (through an AnalysisError's cause) is classified by
 * @shadow/clickhouse's codes, so both modes read the same; `details` keeps the stack for debug mode.
 */
export function clickhouseFailure(error: unknown, connection: Connection, doing: string, debug: boolean): CliError {
  if (error instanceof CliError) return error;
  const inner = isAnalysisError(error) && error.cause !== undefined ? error.cause : error;
  const ch = toClickHouseError(inner);
  const where = connection.description;
  const database = connection.options.database ?? 'default';
  const reason = firstLine(ch.message);
  let line: string;
  switch (ch.code) {
    case 'CH_CONNECTION':
      line = `cannot reach ClickHouse, ${where}: ${reason}; start it (or the joiner whose query endpoint this is), or correct the URL`;
      break;
    case 'CH_TIMEOUT':
      line = `ClickHouse did not answer in time, ${where}: ${reason}; retry, or narrow the window (--since/--until)`;
      break;
    case 'CH_AUTHENTICATION':
      line = `ClickHouse refused the credentials (user "${connection.options.mode === 'server' ? (connection.options.username ?? 'default') : 'default'}"), ${where}: set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD to an account it accepts`;
      break;
    case 'CH_ACCESS_DENIED':
      line = `ClickHouse refused access (${doing}), ${where}: ${reason}; use an account allowed to read database "${database}"`;
      break;
    case 'CH_UNKNOWN_DATABASE':
      line = `database "${database}" does not exist, ${where}: pass --database (or CLICKHOUSE_DATABASE) naming the database the joiner writes to, or create it with \`shadow migrate\``;
      break;
    case 'CH_UNKNOWN_TABLE': {
      const table = /(?:identifier|Table) [`'"]?([\w.]+?)[`'"]? (?:in scope|does not exist|doesn't exist)/.exec(ch.message)?.[1];
      line = `table ${table ?? 'of the pairs'} does not exist in database "${database}", ${where}: run \`shadow migrate\` against this database, or pass the --database the joiner writes to`;
      break;
    }
    case 'CH_EMBEDDED_PATH_CONFLICT':
    case 'CH_EMBEDDED_UNAVAILABLE':
      line = `cannot open ClickHouse, ${where}: ${reason}${connection.ownsEngine ? '; if a joiner owns this directory, query its read-only endpoint instead: --clickhouse-url http://127.0.0.1:8123 (its JOINER_QUERY_PORT)' : ''}`;
      break;
    case 'CH_OVERLOADED':
      line = `ClickHouse is overloaded, ${where}: ${reason}; retry later`;
      break;
    case 'CH_INVALID_OPTIONS':
      line = `bad ClickHouse connection settings: ${reason}`;
      break;
    default:
      line = `${doing} failed, ${where}: ${reason}`;
  }
  return new CliError(line, EXIT.notMeasured, debug ? (inner instanceof Error ? (inner.stack ?? inner.message) : String(inner)) : undefined);
}

/**
 * A failure of a measuring step (the pair store): a bad argument the store found (an accuracy
 * outcome path it cannot use) reads as the usage error it is; anything from ClickHouse as
 * clickhouseFailure. Either way exit 2: nothing was measured.
 */
export function measureFailure(error: unknown, connection: Connection, debug: boolean): CliError {
  if (isAnalysisError(error) && error.code !== 'ANALYSIS_QUERY_FAILED') {
    return new CliError(firstLine(error.message), EXIT.usage, debug ? error.stack : undefined);
  }
  return clickhouseFailure(error, connection, 'measuring the pairs', debug);
}

/**
 * Runs an analysis command so that nothing it throws can exit 1 (gate: fail): a CliError keeps its
 * code, anything else (a bug) becomes exit 2 with its first line, the stack in debug mode.
 */
export async function notAVerdictOnCrash(command: string, debug: boolean, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `${command}: unexpected error: ${firstLine(message)}${debug ? '' : ' (--verbose prints the stack)'}`,
      EXIT.notMeasured,
      debug && error instanceof Error ? error.stack : undefined,
    );
  }
}

/** Writes `text` to --out or stdout. */
export async function emit(text: string, out: string | undefined, io: CliIo): Promise<void> {
  if (out === undefined) {
    io.out(text.replace(/\n$/, ''));
    return;
  }
  const { writeFile } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  const path = resolve(io.cwd, out);
  try {
    await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  } catch (error) {
    throw new CliError(`cannot write --out ${path}: ${error instanceof Error ? error.message : String(error)}`, EXIT.notMeasured);
  }
  io.err(`written to ${path}`);
}
