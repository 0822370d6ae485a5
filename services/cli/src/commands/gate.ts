// `shadow gate`: the promotion step a CI/CD pipeline runs. Loads and validates the criteria file
// (before touching ClickHouse, so a bad file is exit 2 anywhere), measures the challenger's pairs,
// judges them (@shadow/analysis evaluateGate), prints every criterion and exits with the verdict.
// Every run is recorded in gate_runs (the audit trail) when the connection can write: see
// docs/analysis-sql.md "Gate audit" for what happens in each ClickHouse mode.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Criteria, GateRunRecord, GateVerdict, LoadedCriteria, Measurements, PairStore } from '@shadow/analysis';
import {
  createClickHousePairStore,
  evaluateGate,
  isAnalysisError,
  loadCriteriaFile,
  measurementQueryFor,
  parseDuration,
  renderVerdictJson,
  renderVerdictMarkdown,
  renderVerdictText,
  toGateRunRecord,
} from '@shadow/analysis';
import type { ClickHouse } from '@shadow/clickhouse';
import { toClickHouseError } from '@shadow/clickhouse';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import type { Connection, ConnectionFlags, WindowFlags } from './clickhouse-flags.js';
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
import type { OutputFormat } from './report.js';
import { readResources, REPORT_RESOURCE_DEFAULTS } from './resources.js';
import { OUTPUT_FORMATS } from './report.js';

interface GateFlags extends ConnectionFlags, WindowFlags {
  criteria: string;
  challenger: string;
  format: OutputFormat;
  out?: string;
  by?: string;
  audit: boolean;
}

/** Who ran the gate: --by, else the CI job (GitHub Actions, GitLab CI), else user@host. */
export function gateRunner(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return flag;
  const e = (n: string) => (env[n] === undefined || env[n] === '' ? undefined : env[n]);
  if (e('GITHUB_RUN_ID') !== undefined) {
    return `${e('GITHUB_ACTOR') ?? 'github'} ${e('GITHUB_SERVER_URL') ?? 'https://github.com'}/${e('GITHUB_REPOSITORY') ?? '?'}/actions/runs/${e('GITHUB_RUN_ID') ?? '?'}`;
  }
  if (e('CI_JOB_URL') !== undefined) return `${e('GITLAB_USER_LOGIN') ?? 'gitlab'} ${e('CI_JOB_URL') ?? ''}`;
  let user = e('USER') ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

async function loadCriteria(path: string, io: CliIo): Promise<LoadedCriteria> {
  try {
    return await loadCriteriaFile(resolve(io.cwd, path));
  } catch (error) {
    // An invalid or unreadable criteria file is a usage problem: exit 2, naming the fields.
    if (isAnalysisError(error)) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

function render(verdict: GateVerdict, format: OutputFormat): string {
  if (format === 'json') return renderVerdictJson(verdict);
  return format === 'markdown' ? renderVerdictMarkdown(verdict) : renderVerdictText(verdict);
}

async function run(flags: GateFlags, io: CliIo, now: number): Promise<number> {
  const debug = debugMode(flags, io);
  const target = resolveWindow(flags, now);
  const connection = resolveConnection(flags, io);
  const loaded = await loadCriteria(flags.criteria, io);
  const ch = await openClickHouse(connection, io, { debug });
  try {
    const store = createClickHousePairStore(ch);
    const query = measurementQueryFor(loaded.criteria, { challengerId: flags.challenger, ...target });
    const measured = await store.measurements(query).catch((e: unknown) => {
      throw measureFailure(e, connection, debug);
    });
    const measurements = await withResources(ch, measured, loaded.criteria, connection, debug);
    const verdict = evaluateGate(loaded.criteria, measurements, { criteriaSha256: loaded.sha256, criteriaSource: loaded.source });
    await emit(render(verdict, flags.format), flags.out, io);
    if (flags.audit) {
      const record = toGateRunRecord(verdict, { id: randomUUID(), atMs: Date.now(), by: gateRunner(flags.by, io.env) });
      await recordAudit(store, connection, record, io);
    }
    return verdict.exitCode;
  } finally {
    await ch.close();
  }
}

/** The criteria's resources section measured from resource_samples (docs/gate.md "Resources"); as is without one. */
async function withResources(ch: ClickHouse, m: Measurements, criteria: Criteria, connection: Connection, debug: boolean): Promise<Measurements> {
  const r = criteria.resources;
  if (r === undefined) return m;
  const resources = await readResources(ch, m, {
    service: r.service,
    bucketMs: r.cpuRatio === undefined ? REPORT_RESOURCE_DEFAULTS.bucketMs : parseDuration(r.cpuRatio.bucket),
    minBuckets: r.cpuRatio?.minBuckets ?? REPORT_RESOURCE_DEFAULTS.minBuckets,
    minPoints: r.memoryGrowth?.minPoints ?? REPORT_RESOURCE_DEFAULTS.minPoints,
    minDurationMs: r.memoryGrowth === undefined ? REPORT_RESOURCE_DEFAULTS.minDurationMs : parseDuration(r.memoryGrowth.minDuration),
    confidence: criteria.statistics.confidence,
  }).catch((e: unknown) => {
    throw isAnalysisError(e) || (e as { code?: unknown }).code !== undefined
      ? measureFailure(e, connection, debug)
      : new CliError((e as Error).message, EXIT.notMeasured);
  });
  return resources === undefined ? m : { ...m, resources };
}

/**
 * Stores the audit row where the connection can take it, deciding the route before writing: a
 * server URL may be the joiner's read-only endpoint (its SQL interface refuses every write, by
 * design) or a ClickHouse server. The endpoint's audit route is asked first; a 404 there means a
 * plain server (it answers an unknown path with 404, as the endpoint does), which gets the SQL
 * insert. So a successful run never tries a write that is bound to be refused, and prints no error.
 * The verdict stands whatever happens here (the pipeline must not fail on the audit), but a missing
 * row is said loudly, with why.
 */
async function recordAudit(store: PairStore, connection: Connection, record: GateRunRecord, io: CliIo): Promise<void> {
  if (connection.options.mode === 'server') {
    const routed = await postGateRun(connection, record);
    if (routed.ok) {
      io.err(`gate run ${record.runId} recorded in gate_runs through the endpoint's audit route ${routed.url} (its SQL interface is read-only)`);
      return;
    }
    if (!routed.noRoute) {
      io.err(
        `warning: gate run ${record.runId} NOT recorded in gate_runs: the endpoint's audit route POST ${GATE_RUNS_ROUTE} refused it (${routed.why}); check the credentials (CLICKHOUSE_USER/PASSWORD) and the joiner's log`,
      );
      return;
    }
  }
  try {
    await store.recordGateRun(record);
    io.err(`gate run ${record.runId} recorded in gate_runs (${connection.description})`);
  } catch (error) {
    const why = toClickHouseError(isAnalysisError(error) && error.cause !== undefined ? error.cause : error);
    const hint =
      why.code === 'CH_UNKNOWN_TABLE'
        ? 'run `shadow migrate` to create gate_runs'
        : why.code === 'CH_ACCESS_DENIED' || why.code === 'CH_AUTHENTICATION'
          ? "a read-only endpoint without the audit route, or an account without INSERT on gate_runs, cannot store it: point the gate at a running joiner's endpoint or at a server account allowed to insert (docs/analysis-sql.md, Gate audit)"
          : 'see docs/analysis-sql.md, Gate audit';
    io.err(`warning: gate run ${record.runId} NOT recorded in gate_runs: ${(why.message.split('\n')[0] ?? '').trim().replace(/\.$/, '')}; ${hint}`);
  }
}

/** The joiner's query endpoint route that stores one gate run (services/joiner, query/gate-runs-route.ts). */
export const GATE_RUNS_ROUTE = '/shadow/gate-runs';

type Routed = { ok: true; url: string } | { ok: false; noRoute: boolean; why: string };

/** POSTs the audit row to `<clickhouse-url>/shadow/gate-runs`, with the connection's credentials. */
async function postGateRun(connection: Connection, record: GateRunRecord): Promise<Routed> {
  const { options } = connection;
  if (options.mode !== 'server' || options.url === undefined) return { ok: false, noRoute: true, why: 'not an HTTP endpoint' };
  let url: URL;
  try {
    url = new URL(String(options.url));
  } catch {
    return { ok: false, noRoute: false, why: `bad URL ${String(options.url)}` };
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${GATE_RUNS_ROUTE}`;
  url.search = '';
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.username !== undefined || options.password !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${options.username ?? 'default'}:${options.password ?? ''}`).toString('base64')}`;
  }
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(record), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (res.ok) return { ok: true, url: url.href };
    let message: unknown = text;
    try {
      if (/^\s*\{/.test(text)) message = (JSON.parse(text) as { error?: unknown }).error ?? text;
    } catch {
      // not JSON after all: keep the text
    }
    // No such route: a ClickHouse server (or a proxy in front of one) rather than the joiner.
    const noRoute = res.status === 404 || res.status === 405 || res.status === 501;
    return { ok: false, noRoute, why: `HTTP ${res.status} ${String(message).split('\n')[0] ?? ''}`.trim() };
  } catch (error) {
    return { ok: false, noRoute: false, why: error instanceof Error ? error.message : String(error) };
  }
}

/** Adds `gate` to the program. */
export function registerGateCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('gate')
    .description('judge a challenger against a criteria file (promotion step for CI/CD); exit 0 pass, 1 fail, 2 not enough data or a bad criteria file')
    .requiredOption('--criteria <file>', 'criteria file, YAML or JSON (schema: @shadow/analysis/criteria.schema.json; docs/gate.md)')
    .requiredOption('--challenger <id>', 'challenger id whose pairs are judged')
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('text'))
    .option('--out <file>', 'write the verdict to a file instead of stdout')
    .option('--by <who>', 'who runs the gate, for the audit row (default: the CI job from GitHub/GitLab variables, else user@host)')
    .option('--no-audit', 'do not record this run in gate_runs');
  withWindowOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow gate --criteria deploy/gate.yaml --challenger pricing-v2 --since 48h
  shadow gate --criteria deploy/gate.yaml --challenger pricing-v2 --run-id 7f3c… --format markdown > gate.md
${CONNECTION_HELP}

Every run is recorded in the gate_runs table (criteria sha256, verdict, every measured value, who,
when, window). With --clickhouse-url the row goes to the joiner's audit route POST ${GATE_RUNS_ROUTE}
when the URL is a joiner's read-only endpoint, else (a server: 404 there) by SQL; where it cannot be
stored a warning says so (the verdict stands).

Exit codes (1 is only ever a verdict):
  0  pass: every blocking criterion holds (promote)
  1  fail: a blocking criterion is violated (do not promote)
  2  insufficient data (too few pairs, too short, a required route unseen: run again later),
     or no verdict at all: nothing measured (ClickHouse unreachable, credentials refused, unknown
     database or table, a query failed: one line says what and the fix; --verbose or SHADOW_DEBUG=1
     add the stack),
     an invalid or unreadable criteria file (the message names each field at fault),
     or a bad command line (unknown option, bad value, no window)`,
  );
  command.action(async (flags: GateFlags) => setExitCode(await notAVerdictOnCrash('gate', debugMode(flags, io), () => run(flags, io, Date.now()))));
}
