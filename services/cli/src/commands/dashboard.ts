// `shadow dashboard`: the dashboard service (@shadow/dashboard, docs/dashboard.md) mounted as it
// exports itself: its options (flag, help, the variable behind each) and its run, which serves until
// SIGINT/SIGTERM (exit 0), exit 1 when it cannot start, 2 for bad settings. The CLI adds one thing:
// where ClickHouse is when nothing says so. Like `shadow report`, it reads the local stack's chDB
// (<repo>/.stack/data/chdb, found from the working directory); but while a joiner owns that
// directory (chDB allows one process per directory) it reads through the joiner's read-only
// endpoint instead, http://127.0.0.1:8123, when that answers. The choice is printed on stderr.
import { dashboardCommand, flagsFromAttributes } from '@shadow/dashboard';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { embeddedOwner, resolveConnection } from './clickhouse-flags.js';

/** The joiner's query endpoint on its default port (JOINER_QUERY_PORT). */
export const JOINER_ENDPOINT = 'http://127.0.0.1:8123';

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * ClickHouse settings the dashboard gets when the user gave none (flag or variable): the local
 * stack's chDB, or the joiner's endpoint while a joiner holds it. Undefined: leave the choice to the
 * dashboard (a setting was given, or there is no checkout).
 */
async function defaultClickHouse(settings: Partial<Record<string, string>>, io: CliIo): Promise<{ CHDB_PATH?: string; CLICKHOUSE_URL?: string } | undefined> {
  const given = (key: string): boolean => settings[key] !== undefined || (io.env[key] ?? '') !== '';
  if (given('CLICKHOUSE_URL') || given('CHDB_PATH')) return undefined;
  let path: string;
  try {
    const connection = resolveConnection({}, io);
    if (connection.options.mode !== 'embedded' || connection.options.path === undefined) return undefined;
    path = connection.options.path;
  } catch {
    return undefined;
  }
  const owner = await embeddedOwner(path);
  if (owner === undefined) {
    io.err(`clickhouse: the local stack's chDB ${path} (no --clickhouse-url or --chdb-path given)`);
    return { CHDB_PATH: path };
  }
  if (await answers(JOINER_ENDPOINT)) {
    io.err(`clickhouse: ${path} is held by process ${owner} (a joiner): reading through its endpoint ${JOINER_ENDPOINT}`);
    return { CLICKHOUSE_URL: JOINER_ENDPOINT };
  }
  throw new CliError(
    `dashboard: the local stack's chDB ${path} is held by process ${owner} and nothing answers on ${JOINER_ENDPOINT}: stop that process, or pass --clickhouse-url of the joiner's query endpoint (its JOINER_QUERY_PORT)`,
    EXIT.problems,
  );
}

/** Adds `dashboard` to the program. */
export function registerDashboardCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program.command(dashboardCommand.name).description(dashboardCommand.description);
  for (const o of dashboardCommand.options) command.option(`${o.flag} <${o.value}>`, o.description);
  command.addHelpText(
    'after',
    `
ClickHouse: --clickhouse-url or --chdb-path (or their variables); with neither, the local stack's
chDB (<repo>/.stack/data/chdb), or the joiner's endpoint ${JOINER_ENDPOINT} while a joiner holds it.

Examples:
  shadow dashboard --database demo --criteria examples/gate.yaml       # after npm run demo
  shadow dashboard --clickhouse-url ${JOINER_ENDPOINT} --criteria gate.yaml   # beside a running joiner

Exit codes: 0 stopped by SIGINT/SIGTERM (Ctrl-C), 1 could not start (port taken, ClickHouse
unreachable, page not built), 2 bad settings (every bad one named).`,
  );
  command.action(async (parsed: Record<string, unknown>) => {
    const settings = flagsFromAttributes(parsed);
    const fallback = await defaultClickHouse(settings, io);
    setExitCode(await dashboardCommand.run({ ...settings, ...fallback }, io));
  });
}
