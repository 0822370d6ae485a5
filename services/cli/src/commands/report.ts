// `shadow report`: what a challenger did over a window (or a replay run), overall and per route,
// as a terminal table, JSON or Markdown (for a CI comment). The numbers come from the pair tables
// through @shadow/analysis' ClickHouse PairStore; building and rendering are @shadow/analysis'.
import type { Measurements, PairStore, Report } from '@shadow/analysis';
import { buildReport, createClickHousePairStore, isAnalysisError, renderReportJson, renderReportMarkdown, renderReportText, routeMatches } from '@shadow/analysis';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { integerIn } from '../options.js';
import type { ConnectionFlags, WindowFlags } from './clickhouse-flags.js';
import { CONNECTION_HELP, emit, openClickHouse, resolveConnection, resolveWindow, withConnectionOptions, withWindowOptions } from './clickhouse-flags.js';

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

/** A query failure as a CLI error; a missing table says how to create it. */
export function queryFailure(error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /UNKNOWN_TABLE|doesn't exist|does not exist/i.test(message) ? ' (the tables are missing: run `shadow migrate` against this database)' : '';
  return new CliError(`${isAnalysisError(error) ? '' : 'query failed: '}${message}${hint}`, EXIT.problems);
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

async function run(flags: ReportFlags, io: CliIo, now: number): Promise<number> {
  const target = resolveWindow(flags, now);
  const connection = resolveConnection(flags, io);
  if (flags.challenger === undefined && target.window === undefined) {
    throw new CliError('--run-id without --since needs --challenger (challengers are listed per window)', EXIT.usage);
  }
  if ((flags.label === undefined) !== (flags.outcome === undefined)) {
    throw new CliError('--label and --outcome go together: the label name and the JSONPath of the answer it is compared with', EXIT.usage);
  }
  const accuracy = flags.label === undefined || flags.outcome === undefined ? undefined : { default: { label: flags.label, outcome: flags.outcome } };
  const ch = await openClickHouse(connection, io);
  try {
    const store: PairStore = createClickHousePairStore(ch);
    let challengers: string[];
    if (flags.challenger !== undefined) challengers = [flags.challenger];
    else {
      const found = await store.challengers(target.window as { fromMs: number; toMs: number }).catch((e: unknown) => {
        throw queryFailure(e);
      });
      challengers = found.map((c) => c.challengerId);
      if (challengers.length === 0) {
        io.err('no pairs in the window: nothing to report (is the joiner landing pairs? is the window right?)');
        return EXIT.problems;
      }
    }
    const reports: Report[] = [];
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
          throw queryFailure(e);
        });
      reports.push(buildReport(keepRoutes(m, flags.route), { top: flags.top, ...(flags.excludeRoute === undefined ? {} : { excludeRoutes: flags.excludeRoute }) }));
    }
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

Exit codes: 0 report written; 1 no pairs in the window, ClickHouse unreachable or a query failed;
2 bad command line (unknown option, bad value, no window).`,
  );
  command.action(async (flags: ReportFlags) => setExitCode(await run(flags, io, Date.now())));
}
