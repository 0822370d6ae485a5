// `shadow report`: what a challenger did over a window (or a replay run), overall and per route,
// as a terminal table, JSON or Markdown (for a CI comment). The numbers come from the pair tables
// through @shadow/analysis' ClickHouse PairStore; building and rendering are @shadow/analysis'.
// With --run-id the report starts with the run (summarizeRun of @shadow/clickhouse: exchanges in the
// window, replayed, paired, unmatched by reason); --wait first waits, bounded, until the joiner has
// landed every result of the run, so a CI job replays, then reports or gates, without sleeping.
import type { Measurements, PairStore, Report, ReportRun } from '@shadow/analysis';
import {
  buildReport,
  createClickHousePairStore,
  isAnalysisError,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  routeMatches,
} from '@shadow/analysis';
import { formatRunSummary, summarizeRun } from '@shadow/clickhouse';
import type { ClickHouse, RunSummary } from '@shadow/clickhouse';
import { durationMs } from '@shadow/contracts';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { integerIn } from '../options.js';
import type { ConnectionFlags, WindowFlags } from './clickhouse-flags.js';
import { readResources, REPORT_RESOURCE_DEFAULTS } from './resources.js';
import {
  CONNECTION_HELP,
  debugMode,
  emit,
  measureFailure,
  notAVerdictOnCrash,
  openClickHouse,
  resolveConnection,
  resolveWindow,
  withConnectionOptions,
  withWindowOptions,
} from './clickhouse-flags.js';

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
  includeSandboxInduced?: boolean;
  label?: string;
  outcome?: string;
  wait?: boolean;
  /** ms (--timeout, a duration). */
  timeout: number;
  /** ms: the CPU ratio's paired buckets and the memory growth's minimum span (durations). */
  resourceBucket: number;
  resourceMinSpan: number;
  resourceService?: string;
}

function duration(value: string): number {
  const ms = durationMs(value.trim());
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 10m or 1h.');
  return ms;
}

/** The run as one challenger's report states it. */
function reportRun(s: RunSummary, challengerId: string): ReportRun {
  const c = s.challengers.find((x) => x.id === challengerId);
  return {
    runId: s.runId,
    state: s.state,
    landed: s.landed,
    partitions: s.partitions,
    drainedPartitions: s.drainedPartitions,
    exchangesInWindow: s.exchanges,
    replayed: c?.replayed ?? 0,
    failed: c?.failed ?? 0,
    paired: c?.paired ?? 0,
    unmatched: { ...(c?.unmatched ?? {}) },
  };
}

/**
 * Waits until the joiner has landed every result of the run: its last session completed and each
 * partition drained (docs/joiner.md "Runs"). Bounded by `timeoutMs`; an interrupted run or the
 * timeout is exit 2 naming where the run stands.
 */
async function waitForRun(ch: ClickHouse, runId: string, timeoutMs: number, io: CliIo): Promise<RunSummary> {
  const deadline = Date.now() + timeoutMs;
  io.err(`waiting until run ${runId} has landed (at most ${Math.round(timeoutMs / 1000)} s)`);
  for (;;) {
    const s = await summarizeRun(ch.client, runId);
    if (s.landed) return s;
    if (s.state === 'interrupted' && s.drainedPartitions >= s.partitions) {
      throw new CliError(
        `run ${runId} was interrupted and what it replayed has landed: resume it (shadow replay --run-id ${runId}), then wait again. ${formatRunSummary(s).split('\n')[0] ?? ''}`,
        EXIT.notMeasured,
      );
    }
    if (Date.now() >= deadline) {
      const hint = s.sessions === 0 ? ': the joiner has recorded no session of it (is a joiner running on this database, with the progress topic?)' : '';
      throw new CliError(
        `run ${runId} has not landed within ${Math.round(timeoutMs / 1000)} s${hint}. ${formatRunSummary(s).split('\n')[0] ?? ''}`,
        EXIT.notMeasured,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
  }
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
  if (flags.wait === true && target.runId === undefined) throw new CliError('--wait needs --run-id: it waits until that replay run has landed', EXIT.usage);
  if ((flags.label === undefined) !== (flags.outcome === undefined)) {
    throw new CliError('--label and --outcome go together: the label name and the JSONPath of the answer it is compared with', EXIT.usage);
  }
  const accuracy = flags.label === undefined || flags.outcome === undefined ? undefined : { default: { label: flags.label, outcome: flags.outcome } };
  const ch = await openClickHouse(connection, io, { debug });
  try {
    const store: PairStore = createClickHousePairStore(ch);
    const runId = target.runId;
    const summary =
      runId === undefined
        ? undefined
        : await (flags.wait === true ? waitForRun(ch, runId, flags.timeout, io) : summarizeRun(ch.client, runId)).catch((e: unknown) => {
            throw e instanceof CliError ? e : measureFailure(e, connection, debug);
          });
    let challengers: string[];
    if (flags.challenger !== undefined) challengers = [flags.challenger];
    else if (target.window === undefined) {
      // A run without a window: its challengers are the ones it recorded.
      challengers = summary?.challengers.map((c) => c.id) ?? [];
      if (challengers.length === 0)
        throw new CliError(
          `run ${runId ?? ''} is not recorded in ${connection.description}: name the challenger (--challenger) or a window (--since)`,
          EXIT.notMeasured,
        );
    } else {
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
          includeSandboxInduced: flags.includeSandboxInduced ?? false,
          topDifferences: flags.top,
          accuracy,
        })
        .catch((e: unknown) => {
          throw measureFailure(e, connection, debug);
        });
      // A report of nothing is not a report: a CI step must not post it as one.
      if (m.overall.pairs === 0) empty.push(challengerId);
      else {
        const resources = await readResources(ch, m, {
          service: flags.resourceService,
          ...REPORT_RESOURCE_DEFAULTS,
          bucketMs: flags.resourceBucket,
          minDurationMs: flags.resourceMinSpan,
        }).catch((e: unknown) => {
          throw isAnalysisError(e) || (e as { code?: unknown }).code !== undefined
            ? measureFailure(e, connection, debug)
            : new CliError((e as Error).message, EXIT.notMeasured);
        });
        const report = buildReport(keepRoutes(resources === undefined ? m : { ...m, resources }, flags.route), {
          top: flags.top,
          ...(flags.excludeRoute === undefined ? {} : { excludeRoutes: flags.excludeRoute }),
        });
        reports.push(summary === undefined || summary.sessions === 0 ? report : { ...report, run: reportRun(summary, challengerId) });
      }
    }
    const where = `${describeTarget(target)} (${connection.description})`;
    if (reports.length === 0) {
      const of =
        flags.challenger === undefined ? (empty.length === 0 ? '' : ` (${empty.join(', ')} only on excluded routes)`) : ` of challenger ${flags.challenger}`;
      throw new CliError(
        `no pairs${of} in ${where}: nothing to report; check the challenger id, --since/--until or --run-id, and that the joiner lands pairs in this database`,
        EXIT.notMeasured,
      );
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
    .description(
      'report a challenger against live over a window or a replay run: agreement (Wilson interval), status matrix, errors, latency, differing paths and headers, side effects, unmatched',
    )
    .option('--challenger <id>', 'challenger id (default: every challenger with pairs in the window)')
    .option('--route <pattern...>', 'only list these routes ("GET /users/:id", "/orders/**"); overall still covers every route')
    .option('--exclude-route <pattern...>', "leave these routes out of every scope (as a criteria file's exclude.routes)")
    .option('--exclude-path <path...>', 'JSON paths whose differences do not count against agreement')
    .option('--count-noise', 'count differences flagged as noise (live and the secondary differ there too)')
    .option(
      '--include-sandbox-induced',
      'count sandbox-induced pairs (answered differently after the sandbox answered a call as live never was) in agreement and the error rate; by default they are listed apart (docs/compare.md)',
    )
    .option('--label <name>', 'accuracy on labelled pairs: the label name (with --outcome)')
    .option('--outcome <jsonpath>', 'accuracy: JSONPath of the answer compared with the label, e.g. $.decision (with --label)')
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--top <n>', 'differing paths, headers and side effects listed per scope', integerIn(0, 1000), 10)
    .option('--wait', 'with --run-id: first wait until the joiner has landed every result of the run (bounded by --timeout; exit 2 if not)')
    .option('--timeout <duration>', 'how long --wait waits (90s, 10m, 1h)', duration, 600_000)
    .option('--resource-bucket <duration>', "resources: width of the CPU ratio's paired time buckets", duration, REPORT_RESOURCE_DEFAULTS.bucketMs)
    .option(
      '--resource-min-span <duration>',
      'resources: memory growth is not measured over a shorter span of samples',
      duration,
      REPORT_RESOURCE_DEFAULTS.minDurationMs,
    )
    .option('--resource-service <name>', "resources: the scraped service (default: the one the challenger's processes were scraped for)");
  withWindowOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow report --challenger pricing-v2 --since 24h
  shadow report --run-id 7f3c… --challenger pricing-v2 --format markdown --out report.md
  shadow report --run-id incident-42 --wait --timeout 15m     # after shadow replay: waits for its pairs
  shadow report --challenger fraud-v3 --since 48h --label chargeback --outcome '$.fraud'
${CONNECTION_HELP}

Exit codes: 0 report written; 2 no report: no pairs for the challenger in the window or run (as the
gate's "insufficient"), nothing measured (ClickHouse unreachable, credentials refused, unknown
database or table, a query failed: one line says what and the fix; --verbose or SHADOW_DEBUG=1 add
the stack), --wait: the run has not landed within --timeout or was interrupted, or a bad command line
(unknown option, bad value, no window). Never 1.`,
  );
  command.action(async (flags: ReportFlags) => setExitCode(await notAVerdictOnCrash('report', debugMode(flags, io), () => run(flags, io, Date.now()))));
}
