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
import { parseDuration } from '@shadow/analysis';
import type { ClickHouse, ClickHouseOptions } from '@shadow/clickhouse';
import { createClickHouse } from '@shadow/clickhouse';
import { findRepoRoot, stackDir } from '@shadow/stack-harness';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';

export interface ConnectionFlags {
  clickhouseUrl?: string;
  chdbPath?: string;
  database?: string;
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
    .option('--clickhouse-url <url>', 'ClickHouse HTTP URL: a server or the joiner\'s read-only endpoint (default: $CLICKHOUSE_URL)')
    .option('--chdb-path <dir>', 'embedded chDB data directory opened by this process (default: $CHDB_PATH, else the local stack\'s)')
    .option('--database <name>', 'database of the pair tables (default: $CLICKHOUSE_DATABASE, else "default")');
}

/** "48h" (before --until / now), an ISO time, or epoch milliseconds. */
export function timeArg(now: () => number): (value: string) => number {
  return (value) => {
    if (/^\d{12,}$/.test(value)) return Number(value);
    if (/^\d+(\.\d+)?(ms|s|m|h|d|w)(\d+(\.\d+)?(ms|s|m|h|d|w))*$/.test(value)) return now() - parseDuration(value);
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new InvalidArgumentError('expected a duration back from now ("48h", "30m"), an ISO time ("2026-11-01T00:00:00Z") or epoch milliseconds.');
    return t;
  };
}

export function withWindowOptions(command: Command, now: () => number = Date.now): Command {
  return command
    .option('--since <time>', 'start of the window: a duration back from now ("48h"), an ISO time or epoch ms', timeArg(now))
    .option('--until <time>', 'end of the window, exclusive (default: now)', timeArg(now))
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
    if (flags.since >= toMs) throw new CliError(`--since (${new Date(flags.since).toISOString()}) must be before --until (${new Date(toMs).toISOString()})`, EXIT.usage);
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
  let dir: string | undefined;
  try {
    dir = stackDir(findRepoRoot(io.cwd), io.env);
  } catch {
    dir = env('STACK_DIR');
  }
  if (dir === undefined) {
    throw new CliError('no ClickHouse: pass --clickhouse-url or --chdb-path, set CLICKHOUSE_URL or CHDB_PATH, or run inside the repository (local stack)', EXIT.usage);
  }
  return embedded(join(dir, 'data', 'chdb'), 'the local stack');
}

/**
 * Opens the connection; a failure is exit 1 with the reason and what to try. Only `migrate`
 * creates a missing database: on a server the read commands must not need CREATE (the joiner's
 * read-only endpoint refuses it).
 */
export async function openClickHouse(connection: Connection, io: CliIo, options: { createDatabase?: boolean } = {}): Promise<ClickHouse> {
  io.err(`clickhouse: ${connection.description}`);
  try {
    const ensure = options.createDatabase === true || connection.options.mode === 'embedded';
    return await createClickHouse({ ...connection.options, ensureDatabase: ensure });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = connection.ownsEngine ? ' (is a joiner using this directory? then query its read-only endpoint: --clickhouse-url http://127.0.0.1:8123, its JOINER_QUERY_PORT)' : '';
    throw new CliError(`cannot open ClickHouse, ${connection.description}: ${reason}${hint}`, EXIT.problems);
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
    throw new CliError(`cannot write --out ${path}: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
  io.err(`written to ${path}`);
}
