// `shadow report`: what a challenger did over a window (or a replay run), overall and per route,
// as a terminal table, JSON or Markdown (for a CI comment). The numbers come from the pair tables
// through @shadow/analysis' ClickHouse PairStore; building and rendering are @shadow/analysis'.
import type { Measurements, PairStore, Report } from '@shadow/analysis';
import { buildReport, createClickHousePairStore, renderReportJson, renderReportMarkdown, renderReportText, routeMatches } from '@shadow/analysis';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { integerIn } from '../options.js';
import type { ConnectionFlags, WindowFlags } from './clickhouse-flags.js';
import { CONNECTION_HELP, debugMode, emit, measureFailure, notAVerdictOnCrash, openClickHouse, resolveConnection, resolveWindow, withConnectionOptions, withWindowOptions } from './clickhouse-flags.js';

export const OUTPUT_FORMATS = ['text', 'json', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

interface ReportFlags extends ConnectionFlags, WindowFlags {
  challenger?: string;
  route?: string[];
  format: OutputFormat;
  out?: string;
  top: number;
  excludeRoute?: string[];
  excludePath?: string[];
  countNoise?: boolean;
  label?: string;
  outcome?: string;
}

function keepRoutes(m: Measurements, patterns: readonly string[] | undefined): Measurements {
  if (patterns === undefined || patterns.length === 0) return m;
  return { ...m, routes: m.routes.filter((r) => patterns.some((p) => routeMatches(p, { route: r.route, method: r.method }))) };
}

function render(reports: Report[], format: OutputFormat): string {
  if (format === 'json') return reports.length === 1 ? renderReportJson(reports[0] as Report) : `[${reports.map((r) => renderReportJson(r)).join(',\n')}]`;
  const one = format === 'markdown' ? renderReportMarkdown : renderReportText;
  return reports.map((r) => one(r)).join('\n\n');
}

/** "run R", "2026-…Z .. 2026-…Z" or both: which pairs were asked for, for messages. */
function describeTarget(target: { window?: { fromMs: number; toMs: number }; runId?: string }): string {
  const parts: string[] = [];
  if (target.runId !== undefined) parts.push(`run ${target.runId}`);
  if (target.window !== undefined) parts.push(`${new Date(target.window.fromMs).toISOString()} .. ${new Date(target.window.toMs).toISOString()}`);
  return parts.join(' within ');
}

async function run(flags: ReportFlags, io: CliIo, now: number): Promise<number> {
  const debug = debugMode(flags, io);
  const target = resolveWindow(flags, now);
  const connection = resolveConnection(flags, io);
  if (flags.challenger === undefined && target.window === undefined) {
    throw new CliError('--run-id without --since needs --challenger (challengers are listed per window)', EXIT.usage);
  }
  if ((flags.label === undefined) !== (flags.outcome === undefined)) {
    throw new CliError('--label and --outcome go together: the label name and the JSONPath of the answer it is compared with', EXIT.usage);
  }
  const accuracy = flags.label === undefined || flags.outcome === undefined ? undefined : { default: { label: flags.label, outcome: flags.outcome } };
  const ch = await openClickHouse(connection, io, { debug });
  try {
    const store: PairStore = createClickHousePairStore(ch);
    let challengers: string[];
    if (flags.challenger !== undefined) challengers = [flags.challenger];
    else {
      const found = await store.challengers(target.window as { fromMs: number; toMs: number }).catch((e: unknown) => {
        throw measureFailure(e, connection, debug);
      });
      challengers = found.map((c) => c.challengerId);
    }
    const reports: Report[] = [];
    const empty: string[] = [];
    for (const challengerId of challengers) {
      const m = await store
        .measurements({
          challengerId,
          ...target,
          excludeRoutes: flags.excludeRoute,
          excludePaths: flags.excludePath,
          countNoise: flags.countNoise ?? false,
          topDifferences: flags.top,
          accuracy,
        })
        .catch((e: unknown) => {
          throw measureFailure(e, connection, debug);
        });
      // A report of nothing is not a report: a CI step must not post it as one.
      if (m.overall.pairs === 0) empty.push(challengerId);
      else reports.push(buildReport(keepRoutes(m, flags.route), { top: flags.top, ...(flags.excludeRoute === undefined ? {} : { excludeRoutes: flags.excludeRoute }) }));
    }
    const where = `${describeTarget(target)} (${connection.description})`;
    if (reports.length === 0) {
      const of = flags.challenger === undefined ? (empty.length === 0 ? '' : ` (${empty.join(', ')} only on excluded routes)`) : ` of challenger ${flags.challenger}`;
      throw new CliError(`no pairs${of} in ${where}: nothing to report; check the challenger id, --since/--until or --run-id, and that the joiner lands pairs in this database`, EXIT.notMeasured);
    }
    for (const id of empty) io.err(`note: challenger ${id} has no pairs in ${where} after the route exclusions: left out of the report`);
    await emit(render(reports, flags.format), flags.out, io);
    return EXIT.ok;
  } finally {
    await ch.close();
  }
}

/** Adds `report` to the program. */
export function registerReportCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('report')
    .description('report a challenger against live over a window or a replay run: agreement (Wilson interval), status matrix, errors, latency, differing paths and headers, side effects, unmatched')
    .option('--challenger <id>', 'challenger id (default: every challenger with pairs in the window)')
    .option('--route <pattern...>', 'only list these routes ("GET /users/:id", "/orders/**"); overall still covers every route')
    .option('--exclude-route <pattern...>', 'leave these routes out of every scope (as a criteria file\'s exclude.routes)')
    .option('--exclude-path <path...>', 'JSON paths whose differences do not count against agreement')
    .option('--count-noise', 'count differences flagged as noise (live and the secondary differ there too)')
    .option('--label <name>', 'accuracy on labelled pairs: the label name (with --outcome)')
    .option('--outcome <jsonpath>', 'accuracy: JSONPath of the answer compared with the label, e.g. $.decision (with --label)')
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--top <n>', 'differing paths, headers and side effects listed per scope', integerIn(0, 1000), 10);
  withWindowOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow report --challenger pricing-v2 --since 24h
  shadow report --run-id 7f3c… --challenger pricing-v2 --format markdown --out report.md
  shadow report --challenger fraud-v3 --since 48h --label chargeback --outcome '$.fraud'
${CONNECTION_HELP}

Exit codes: 0 report written; 2 no report: no pairs for the challenger in the window or run (as the
gate's "insufficient"), nothing measured (ClickHouse unreachable, credentials refused, unknown
database or table, a query failed: one line says what and the fix; --verbose or SHADOW_DEBUG=1 add
the stack), or a bad command line (unknown option, bad value, no window). Never 1.`,
  );
  command.action(async (flags: ReportFlags) => setExitCode(await notAVerdictOnCrash('report', debugMode(flags, io), () => run(flags, io, Date.now()))));
}
