// `shadow query "<SQL>"`: one read-only statement against the pair tables, in either ClickHouse
// mode. A statement check first (@shadow/clickhouse checkReadOnlyQuery: SELECT/SHOW/DESCRIBE/
// EXPLAIN/EXISTS only, one statement) refuses a write before connecting, even to a writable server.
// Then: embedded, the statement runs through a read-only endpoint this process serves on loopback,
// so the joiner endpoint's allow lists (functions, table functions, settings, databases) apply as
// they do through a joiner; through a joiner's endpoint they apply there; on a ClickHouse server the
// account's grants decide the rest.
import { randomUUID } from 'node:crypto';
import type { ClickHouse, QueryEndpoint } from '@shadow/clickhouse';
import { checkReadOnlyQuery, createClickHouse, createQueryEndpoint, toClickHouseError } from '@shadow/clickhouse';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { integerIn } from '../options.js';
import type { ConnectionFlags } from './clickhouse-flags.js';
import {
  clickhouseFailure,
  CONNECTION_HELP,
  debugMode,
  emit,
  notAVerdictOnCrash,
  openClickHouse,
  resolveConnection,
  withConnectionOptions,
} from './clickhouse-flags.js';

export const QUERY_FORMATS = ['table', 'tsv', 'csv', 'json'] as const;

/** The endpoint's refusals: READONLY (a statement), SETTING_CONSTRAINT_VIOLATION (a setting), ACCESS_DENIED (the rest). */
const REFUSALS: ReadonlySet<number> = new Set([164, 452, 497]);

const none = (): void => undefined;
const SILENT = { trace: none, debug: none, info: none, warn: none, error: none, isLevelEnabled: () => false };
type QueryFormat = (typeof QUERY_FORMATS)[number];

interface QueryFlags extends ConnectionFlags {
  format: QueryFormat;
  out?: string;
  maxRows: number;
}

/** A text table with aligned columns (numbers right-aligned), like clickhouse-client's. */
export function formatTable(names: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown): string => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v));
  const text = rows.map((r) => r.map(cell));
  const numeric = names.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || (typeof r[i] === 'string' && /^-?\d+(\.\d+)?$/.test(r[i]))),
  );
  const width = names.map((n, i) => Math.max(n.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] === true ? c.padStart(width[i] ?? 0) : c.padEnd(width[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(names), width.map((w) => '-'.repeat(w)).join('  '), ...text.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

async function run(sql: string, flags: QueryFlags, io: CliIo): Promise<number> {
  const verdict = checkReadOnlyQuery(sql);
  if (!verdict.ok) throw new CliError(`refused (read-only): ${verdict.error.message}`, EXIT.usage);
  if (verdict.format !== undefined)
    throw new CliError(`remove "FORMAT ${verdict.format}" from the statement and pass --format (${QUERY_FORMATS.join(', ')})`, EXIT.usage);
  const statement = sql.trim().replace(/;\s*$/, '');
  const debug = debugMode(flags, io);
  const connection = resolveConnection(flags, io);
  const ch = await openClickHouse(connection, io, { debug });
  let guarded: ClickHouse | undefined;
  let endpoint: QueryEndpoint | undefined;
  try {
    // Embedded, the engine is this process's: nothing but chDB itself stands between the statement
    // and the files and network it can reach (file(), url(), ...). So the statement goes through a
    // read-only endpoint on loopback, with a one-off password: the allow lists a joiner's endpoint
    // applies (functions, table functions, settings, databases) apply to `shadow query` too.
    if (ch.mode === 'embedded') {
      const password = randomUUID();
      endpoint = await createQueryEndpoint({
        clickhouse: ch,
        host: '127.0.0.1',
        port: 0,
        user: 'shadow-query',
        password,
        limits: { maxResultRows: flags.maxRows },
      });
      guarded = await createClickHouse({
        mode: 'server',
        url: endpoint.url,
        username: 'shadow-query',
        password,
        database: ch.database,
        ensureDatabase: false,
        logger: SILENT,
      });
    }
    const client = (guarded ?? ch).client;
    const settings = { max_result_rows: String(flags.maxRows), result_overflow_mode: 'throw' } as const;
    let text: string;
    try {
      if (flags.format === 'tsv' || flags.format === 'csv') {
        const rs = await client.query({
          query: statement,
          format: flags.format === 'tsv' ? 'TabSeparatedWithNames' : 'CSVWithNames',
          clickhouse_settings: settings,
        });
        text = await rs.text();
      } else {
        const rs = await client.query({ query: statement, format: 'JSONCompact', clickhouse_settings: settings });
        const body = (await rs.json()) as unknown as { meta: { name: string }[]; data: unknown[][] };
        const names = body.meta.map((m) => m.name);
        text =
          flags.format === 'json'
            ? body.data.map((row) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i]])))).join('\n')
            : formatTable(names, body.data);
      }
    } catch (error) {
      // What the endpoint's allow lists refuse is a statement this command does not run (exit 2, as
      // the statement check's refusals), not an account without rights.
      if (guarded !== undefined && REFUSALS.has(toClickHouseError(error).serverCode ?? 0)) {
        throw new CliError(`refused (read-only): ${(toClickHouseError(error).message.split('\n')[0] ?? '').trim()}`, EXIT.usage);
      }
      const failure = clickhouseFailure(error, connection, 'the query', debug);
      // TOO_MANY_ROWS_OR_BYTES: the --max-rows bound, not a broken query.
      const tooMany = toClickHouseError(error).serverCode === 396;
      throw tooMany ? new CliError(`${failure.message}; raise --max-rows (${flags.maxRows}) or add a LIMIT`, failure.exitCode, failure.details) : failure;
    }
    await emit(text, flags.out, io);
    return EXIT.ok;
  } finally {
    await guarded?.close();
    await endpoint?.close();
    await ch.close();
  }
}

/** Adds `query` to the program. */
export function registerQueryCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('query')
    .description('run one read-only SQL statement (SELECT, SHOW, DESCRIBE, EXPLAIN) against the pair tables and views')
    .argument('<sql>', 'the statement, e.g. "SELECT * FROM v_route_summary"')
    .addOption(
      new Option('--format <format>', 'output: table (aligned text), tsv, csv (with a header line), json (one object per line)')
        .choices([...QUERY_FORMATS])
        .default('table'),
    )
    .option('--out <file>', 'write the result to a file instead of stdout')
    .option('--max-rows <n>', 'fail instead of returning more rows than this', integerIn(1, 100_000_000), 10_000);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow query "SELECT * FROM v_route_summary WHERE challenger_id = 'pricing-v2'"
  shadow query "SELECT diff_path, sum(pairs) FROM v_top_diff_paths GROUP BY diff_path ORDER BY 2 DESC LIMIT 10" --format csv
Views and example queries: docs/analysis-sql.md.
${CONNECTION_HELP}

Exit codes: 0 rows printed (none is an answer too); 2 nothing answered: ClickHouse unreachable,
credentials refused, unknown database or table (run \`shadow migrate\`), the query failed or
returned more than --max-rows (one line says what and the fix; --verbose or SHADOW_DEBUG=1 add the
stack), a bad command line, or a statement that is not read-only (INSERT, ALTER, DROP, SYSTEM,
several statements; on embedded chDB and through a joiner's endpoint also what the endpoint's allow
lists refuse: file/url/s3/remote table functions, settings, other databases) or carries its own
FORMAT. Never 1.`,
  );
  command.action(async (sql: string, flags: QueryFlags) => setExitCode(await notAVerdictOnCrash('query', debugMode(flags, io), () => run(sql, flags, io))));
}
