// The PairStore over the joiner's tables (packages/clickhouse/src/schema/, docs/tables.md), in
// either ClickHouse mode: a server, embedded chDB, or the joiner's read-only endpoint (which speaks
// the server protocol; only recordGateRun needs write access).
//
// Why the SQL looks the way it does:
// - Exact before merges, and the same answer after them. `pairs` is a ReplacingMergeTree whose
//   sorting key is (challenger, run, hour of capture, exchange) and whose version is joined_time:
//   a re-delivered batch lands the same pair again until a merge keeps the copy with the highest
//   joined_time; a replay attempt lands as a later row with the same key and replaces the earlier
//   one the same way. Every aggregate reads `base`: one row per (run, exchange) of the
//   challenger, the columns of the row with the highest joined_time picked by argMax. That is what
//   FINAL returns, so numbers do not move when merges run. It equals measurementsFromPairs'
//   distinctPairs (latest version, latest attempt) as long as a later attempt lands later, which
//   the joiner guarantees for a retry (it is joined after the attempt it retries); ordering by
//   (attempt, joined_time) instead would disagree with what a merge keeps.
// - One pass per aggregate for every scope: each base row is fanned out to its route scope and to
//   the overall scope (ARRAY JOIN over two scope tuples), so overall and per-route numbers come
//   from the same rows in the same query.
// - Route exclusion uses the same glob matcher as the criteria (routeMatches) instead of a SQL
//   translation of it: the store first lists the (method, route) pairs present, matches them here,
//   and passes the excluded ones to SQL as a parameter.
// - Business outcomes come from the pair row's outcome maps (migration 30: outcome_types,
//   live_outcomes, shadow_outcomes), read from the same de-duplicated rows; accuracy from
//   labelledAccuracyQuery (@shadow/clickhouse), one run per distinct (label, outcome) the query asks
//   for, with the same window, run and route exclusion.
// - What the tables do not hold stays empty rather than guessed: the dependency kind of a side
//   effect and the noise flag of side-effect differences (side_effects_detail carries neither).
import type { ClickHouse } from '@shadow/clickhouse';
import { LABELS_TABLE, labelledAccuracyQuery, SCHEMA_TABLES } from '@shadow/clickhouse';
import { routeMatches, splitRouteKey } from '../criteria/patterns.js';
import { AnalysisError } from '../errors.js';
import { JUDGE_LATENCY_QUANTILES, sortJudgeExamples } from '../measurements/from-pairs.js';
import {
  MAX_JUDGE_EXAMPLES,
  MAX_SANDBOX_CAUSES,
  parseSandboxCause,
  parseSideEffectKey,
  sideEffectKindId,
  sortSideEffectSets,
} from '../measurements/pair-record.js';
import type { PairedCounts } from '../stats/proportions.js';
import type {
  BusinessOutcome,
  HeaderDifference,
  JudgeMeasurements,
  JudgeReasonExample,
  LatencySummary,
  Measurements,
  PathDifference,
  ReplayConditions,
  RouteMeasurements,
  SandboxCauseCount,
  ScopeMeasurements,
  SideEffectDifference,
  SideEffectKind,
  StatusCell,
} from '../measurements/types.js';
import type { AccuracyRequest, GateRunRecord, MeasurementQuery, PairStore } from './pair-store.js';

const JUDGE_VERDICTS = ['equal', 'different', 'error'] as const;

/** Table the audit trail of gate runs lands in (GATE_RUNS_MIGRATION creates it). */
export const GATE_RUNS_TABLE = 'gate_runs';

export interface ClickHousePairStoreOptions {
  /** Table names, when they differ from the schema's (tests, several systems in one database). @default SCHEMA_TABLES + gate_runs */
  tables?: { pairs?: string; unmatched?: string; gateRuns?: string; labels?: string; runs?: string };
  /** Bound on the rows of side-effect differences returned per scope. @default 100 */
  maxSideEffects?: number;
  /**
   * Bound on the distinct sets of side-effect differences returned per scope (the gate counts pairs
   * on them); pairs of sets beyond it are counted as unexpected. @default 1000
   */
  maxSideEffectSets?: number;
  /** k of the top-k overlap of list outcomes (as measurementsFromPairs' topK). @default 10 */
  topK?: number;
}

const SUMMARY_QUANTILES = [0.5, 0.9, 0.99];
/** Quantiles of numeric business outcomes (as measurementsFromPairs). */
const NUMERIC_QUANTILES = [0.5, 0.9, 0.99];
/** Scope key of the overall scope; no real method is a NUL byte. */
const OVERALL = '\u0000';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const scopeKey = (method: string, route: string): string => `${method}\u0000${route}`;

function table(name: string, field: string): string {
  if (!IDENT.test(name))
    throw new AnalysisError(
      'ANALYSIS_INVALID_ARGUMENT',
      `tables.${field} must be a table name ([A-Za-z_][A-Za-z0-9_]*, optionally database-qualified); got "${name}"`,
    );
  return name;
}

/** Milliseconds as a DateTime64(3) literal expression on a query parameter. */
const msParam = (name: string): string => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;

interface Compiled {
  /** SQL of the deduplicated, filtered pairs with a `scope` column per fanned-out scope. */
  scoped: string;
  /** Same without the fan-out (one row per pair). */
  base: string;
  params: Record<string, unknown>;
}

/** The secondary's answer of the same (run, exchange) joined in (compile with a secondary). */
const SECONDARY_ANSWERED = "(p_sec_status > 0 AND p_sec_error_kind = '')";

/**
 * The de-duplicated pairs of the query: one row per (run, exchange), the latest landed
 * (joined_time), filtered by challenger, window, run id and excluded routes. With a secondary, its
 * answer to the same (run, exchange) is joined in (p_sec_*; defaults 0 and '' where it has none).
 */
function compile(pairs: string, q: MeasurementQuery, excluded: readonly string[], secondaryId: string | null = null): Compiled {
  const where = ['challenger_id = {challenger:String}'];
  const params: Record<string, unknown> = { challenger: q.challengerId, excluded };
  if (q.window !== undefined) {
    // capture_time is the live exchange's: the same in every copy and attempt of a pair, so the
    // window can filter before de-duplication (and prune partitions).
    where.push(`capture_time >= ${msParam('fromMs')}`, `capture_time < ${msParam('toMs')}`);
    params['fromMs'] = q.window.fromMs;
    params['toMs'] = q.window.toMs;
  }
  const inner = `SELECT exchange_id, capture_time, run_id AS p_run_id,
      argMax(challenger_name, v) AS p_challenger_name,
      argMax(toString(method), v) AS p_method,
      argMax(toString(route), v) AS p_route,
      argMax(live_status, v) AS p_live_status,
      argMax(shadow_status, v) AS p_shadow_status,
      argMax(live_latency_us, v) AS p_live_latency_us,
      argMax(shadow_latency_us, v) AS p_shadow_latency_us,
      argMax(toString(shadow_error_kind), v) AS p_shadow_error_kind,
      argMax(agree, v) AS p_agree,
      argMax(real_agree, v) AS p_real_agree,
      argMax(side_effects_match, v) AS p_side_effects_match,
      argMax(diff_paths, v) AS p_diff_paths,
      argMax(noisy_paths, v) AS p_noisy_paths,
      argMax(side_effects_detail, v) AS p_side_effects_detail,
      argMax(outcome_types, v) AS p_outcome_types,
      argMax(live_outcomes, v) AS p_live_outcomes,
      argMax(shadow_outcomes, v) AS p_shadow_outcomes,
      argMax(sandbox_induced, v) AS p_sandbox_induced,
      argMax(sandbox_causes, v) AS p_sandbox_causes,
      argMax(toString(judge_id), v) AS p_judge_id,
      argMax(judge_path, v) AS p_judge_path,
      argMax(toString(judge_verdict), v) AS p_judge_verdict,
      argMax(toString(judge_kind), v) AS p_judge_kind,
      argMax(judge_reason, v) AS p_judge_reason,
      argMax(judge_latency_ms, v) AS p_judge_latency_ms,
      argMax(judge_cached, v) AS p_judge_cached,
      argMax(judge_tokens, v) AS p_judge_tokens,
      argMax(toString(judge_audit_secondary_verdict), v) AS p_judge_audit_secondary,
      argMax(toString(judge_audit_reference_verdict), v) AS p_judge_audit_reference
    FROM (SELECT *, joined_time AS v FROM ${pairs} WHERE ${where.join(' AND ')})
    GROUP BY run_id, exchange_id, capture_time`;
  // Excluded routes as 'METHOD route' keys (a method has no space, so the key is unambiguous).
  const outer = ["NOT has({excluded:Array(String)}, concat(p_method, ' ', p_route))"];
  if (q.runId !== undefined) {
    outer.push('p_run_id = {runId:String}');
    params['runId'] = q.runId;
  }
  let base = `(SELECT * FROM (${inner}) WHERE ${outer.join(' AND ')})`;
  if (secondaryId !== null) {
    // One row per (run, exchange) on the secondary's side too, so the join never multiplies a pair.
    const secWhere = ['challenger_id = {secondary:String}', ...where.slice(1), ...(q.runId === undefined ? [] : ['run_id = {runId:String}'])];
    params['secondary'] = secondaryId;
    base = `(SELECT * FROM ${base} AS b LEFT JOIN (
        SELECT run_id AS sec_run_id, exchange_id AS sec_exchange_id,
          argMax(shadow_latency_us, joined_time) AS p_sec_latency_us,
          argMax(shadow_status, joined_time) AS p_sec_status,
          argMax(toString(shadow_error_kind), joined_time) AS p_sec_error_kind
        FROM ${pairs} WHERE ${secWhere.join(' AND ')}
        GROUP BY run_id, exchange_id) AS s
      ON b.p_run_id = s.sec_run_id AND b.exchange_id = s.sec_exchange_id)`;
  }
  const scoped = `(SELECT *, scope.1 AS s_method, scope.2 AS s_route FROM ${base} ARRAY JOIN [tuple(p_method, p_route), tuple('${OVERALL}', '')] AS scope)`;
  return { base, scoped, params };
}

export function agreementExpr(q: MeasurementQuery): string {
  const excludePaths = q.excludePaths ?? [];
  const countNoise = q.countNoise ?? false;
  if (excludePaths.length === 0 && !countNoise) return 'p_real_agree';
  // compare's ignore rule: an excluded path covers its subtree.
  const ignored = ignoredPath(q);
  // Rows from @shadow/compare list side-effect differences in diff_paths too ('effect:<key>', noise
  // flagged); older rows only in side_effects_match, which then has to hold on its own.
  return `(arrayAll(p -> ${ignored}, p_diff_paths) AND (p_side_effects_match OR arrayExists(p -> startsWith(p, 'effect:'), p_diff_paths)) AND p_shadow_error_kind = '')`;
}

/** Paths the query does not count: noise (unless counted) and excluded paths with their subtrees. */
function ignoredPath(q: MeasurementQuery): string {
  const excluded = `arrayExists(x -> p = x OR startsWith(p, concat(x, '.')) OR startsWith(p, concat(x, '[')), {excludePaths:Array(String)})`;
  return (q.countNoise ?? false) ? excluded : `(has(p_noisy_paths, p) OR ${excluded})`;
}

/**
 * A pair left out of agreement's trials (docs/compare.md "Sandbox-induced differences"):
 * sandbox-induced, not agreeing as is, and agreeing once its answer differences (status, headers,
 * body: every path but `effect:`) are set aside. 'false' when the query counts such pairs.
 */
export function sandboxLeftOutExpr(q: MeasurementQuery): string {
  if (q.includeSandboxInduced ?? false) return 'false';
  const ignoringAnswer = `(arrayAll(p -> NOT startsWith(p, 'effect:') OR ${ignoredPath(q)}, p_diff_paths) AND (p_side_effects_match OR arrayExists(p -> startsWith(p, 'effect:'), p_diff_paths)) AND p_shadow_error_kind = '')`;
  return `(p_sandbox_induced AND NOT ${agreementExpr(q)} AND ${ignoringAnswer})`;
}

/**
 * A pair that agrees as landed only because a judge called its difference equal (the judged path
 * not excluded by the query, else that difference never counted): not a success of agreement
 * before the judge (docs/judge.md, measurements' `agreement`).
 */
export function judgeRaisedExpr(): string {
  const jp = "if(p_judge_path = '', '$', p_judge_path)";
  return `(p_judge_verdict = 'equal' AND NOT arrayExists(x -> ${jp} = x OR startsWith(${jp}, concat(x, '.')) OR startsWith(${jp}, concat(x, '[')), {excludePaths:Array(String)}))`;
}

/** A judged pair that got a verdict (not skipped). */
const JUDGED = "p_judge_verdict IN ('equal', 'different', 'error')";

/** Pairs the error rate leaves out: sandbox-induced ones, unless counted. */
const sandboxSetAside = (q: MeasurementQuery): string => ((q.includeSandboxInduced ?? false) ? 'false' : 'p_sandbox_induced');

/** A detail entry whose 'effect:<key>' diff path is flagged noisy (@shadow/compare rows only). */
const NOISY_EFFECT = "arrayExists(n -> startsWith(n, concat('effect:', substring(entry, position(entry, ' ') + 1))), p_noisy_paths)";
/** The pair's distinct side-effect detail entries, noise left out unless counted. */
const effectEntries = (countNoise: boolean): string =>
  `arrayFilter(entry -> entry != ''${countNoise ? '' : ` AND NOT ${NOISY_EFFECT}`}, arrayDistinct(splitByString('; ', p_side_effects_detail)))`;
const LIVE_ERROR = '(p_live_status = 0 OR p_live_status >= 500)';
const CANDIDATE_ERROR = "(p_shadow_status = 0 OR p_shadow_status >= 500 OR p_shadow_error_kind != '')";
const LIVE_ANSWERED = 'p_live_status > 0';
const CANDIDATE_ANSWERED = "(p_shadow_status > 0 AND p_shadow_error_kind = '')";

function latency(count: unknown, qs: unknown, levels: readonly number[], max: unknown, mean: unknown): LatencySummary {
  const n = num(count);
  const values = (qs as unknown[]).map(num);
  return {
    count: n,
    quantiles: n === 0 ? [] : levels.map((q, i) => ({ q, value: values[i] as number })),
    maxMs: n === 0 ? null : num(max),
    meanMs: n === 0 ? undefined : num(mean),
  };
}

const SIDE_EFFECT_DIRECTIONS: Record<string, SideEffectDifference['direction']> = {
  extra: 'candidate-only',
  missing: 'live-only',
  different: 'payload-changed',
  extra_in_candidate: 'candidate-only',
  missing_in_candidate: 'live-only',
  payload_changed: 'payload-changed',
};

/**
 * One entry of the joiner's side_effects_detail, in either spelling the joiner has used:
 * `<extra_in_candidate|missing_in_candidate|payload_changed> <compare's key>` (the key is
 * `<dependencyKind> <METHOD> <target><path>`, see parseSideEffectKey) from @shadow/compare, or the
 * older `<extra|missing|different> METHOD target[ path]`.
 */
export function parseSideEffectDetail(entry: string): Omit<SideEffectDifference, 'pairs' | 'examplePairId'> | null {
  const space = entry.indexOf(' ');
  const kind = space < 0 ? entry : entry.slice(0, space);
  const direction = SIDE_EFFECT_DIRECTIONS[kind];
  if (direction === undefined) return null;
  if (kind.includes('_')) {
    const key = parseSideEffectKey(entry.slice(space + 1));
    if (key.method === '') return null;
    return { direction, method: key.method, target: key.target, path: key.path, dependencyKind: key.dependencyKind };
  }
  const [, method = '', target = '', ...rest] = entry.split(' ');
  if (method === '') return null;
  return { direction, method, target, path: rest.join(' ') };
}

export function createClickHousePairStore(clickhouse: Pick<ClickHouse, 'client'>, options: ClickHousePairStoreOptions = {}): PairStore {
  const pairs = table(options.tables?.pairs ?? SCHEMA_TABLES.pairs, 'pairs');
  const unmatched = table(options.tables?.unmatched ?? SCHEMA_TABLES.unmatched, 'unmatched');
  const gateRuns = table(options.tables?.gateRuns ?? GATE_RUNS_TABLE, 'gateRuns');
  const labels = table(options.tables?.labels ?? LABELS_TABLE, 'labels');
  const runsTable = table(options.tables?.runs ?? 'runs', 'runs');
  const maxSideEffects = options.maxSideEffects ?? 100;
  const maxSideEffectSets = options.maxSideEffectSets ?? 1000;
  if (!Number.isInteger(maxSideEffectSets) || maxSideEffectSets < 1)
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `maxSideEffectSets must be a positive integer; got ${maxSideEffectSets}`);
  const topK = options.topK ?? 10;
  if (!Number.isInteger(topK) || topK < 1) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `topK must be a positive integer; got ${topK}`);
  const { client } = clickhouse;

  async function rows(what: string, query: string, params: Record<string, unknown>): Promise<Row[]> {
    try {
      const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
      return await rs.json<Row>();
    } catch (error) {
      const retriable = typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
      throw new AnalysisError('ANALYSIS_QUERY_FAILED', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retriable });
    }
  }

  async function measurements(q: MeasurementQuery): Promise<Measurements> {
    if (q.window === undefined && q.runId === undefined) {
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', 'a measurement query needs a window or a runId');
    }
    const windowWhere = q.window === undefined ? '' : ` AND capture_time >= ${msParam('fromMs')} AND capture_time < ${msParam('toMs')}`;
    const routeRows = await rows(
      'listing routes',
      `SELECT DISTINCT toString(method) AS method, toString(route) AS route FROM ${pairs} WHERE challenger_id = {challenger:String}${windowWhere}`,
      {
        challenger: q.challengerId,
        ...(q.window === undefined ? {} : { fromMs: q.window.fromMs, toMs: q.window.toMs }),
      },
    );
    const patterns = q.excludeRoutes ?? [];
    const excluded = routeRows
      .filter((r) => patterns.some((p) => routeMatches(p, { method: str(r['method']), route: str(r['route']) })))
      .map((r) => `${str(r['method'])} ${str(r['route'])}`);
    // The measured challenger's role, and the secondaries that answered in the same window or run.
    const roleRows = await rows(
      'listing roles',
      `SELECT challenger_id, argMax(toString(challenger_role), joined_time) AS role FROM ${pairs}
      WHERE (challenger_id = {challenger:String} OR challenger_role = 'secondary')${windowWhere}${q.runId === undefined ? '' : ' AND run_id = {runId:String}'}
      GROUP BY challenger_id ORDER BY challenger_id`,
      {
        challenger: q.challengerId,
        ...(q.window === undefined ? {} : { fromMs: q.window.fromMs, toMs: q.window.toMs }),
        ...(q.runId === undefined ? {} : { runId: q.runId }),
      },
    );
    const ownRole = str(roleRows.find((r) => str(r['challenger_id']) === q.challengerId)?.['role'] ?? '');
    const role = ownRole === '' ? 'candidate' : ownRole;
    const secondaries = roleRows
      .filter((r) => str(r['challenger_id']) !== q.challengerId && str(r['role']) === 'secondary')
      .map((r) => str(r['challenger_id']));
    const secondaryId = role === 'secondary' || q.secondaryId === null ? null : (q.secondaryId ?? secondaries[0] ?? null);
    const withSecondary = secondaryId !== null && secondaries.includes(secondaryId) ? secondaryId : null;
    const { base, scoped, params } = compile(pairs, q, excluded, withSecondary);
    params['excludePaths'] = q.excludePaths ?? [];
    const levels = [...new Set([...SUMMARY_QUANTILES, ...(q.latencyQuantiles ?? [])])].sort((a, b) => a - b);
    const levelList = levels.join(', ');
    const top = q.topDifferences ?? 20;
    const sampleLimit = q.latencySampleLimit ?? 100_000;

    const setAside = sandboxSetAside(q);
    const secondarySummary =
      withSecondary === null
        ? ''
        : `
        countIf(${SECONDARY_ANSWERED}) AS secondary_n,
        quantilesExactIf(${levelList})(p_sec_latency_us / 1000, ${SECONDARY_ANSWERED}) AS secondary_q,
        maxIf(p_sec_latency_us / 1000, ${SECONDARY_ANSWERED}) AS secondary_max,
        avgIf(p_sec_latency_us / 1000, ${SECONDARY_ANSWERED}) AS secondary_mean,`;
    const summaryQuery = `SELECT s_method, s_route,
        count() AS pairs,
        countIf(${agreementExpr(q)} AND NOT ${judgeRaisedExpr()}) AS successes,
        countIf(${sandboxLeftOutExpr(q)}) AS sandbox_left_out,
        countIf(p_judge_verdict != '') AS judge_needed,
        arraySort(groupUniqArrayIf(p_judge_id, p_judge_verdict != '' AND p_judge_id != '')) AS judge_ids,
        countIf(p_judge_verdict = 'equal') AS judge_equal,
        countIf(p_judge_verdict = 'different') AS judge_different,
        countIf(p_judge_verdict = 'error') AS judge_error,
        countIf(${agreementExpr(q)} AND p_judge_verdict != 'not_run') AS judge_after_successes,
        countIf(NOT ${sandboxLeftOutExpr(q)} AND p_judge_verdict != 'not_run') AS judge_after_trials,
        countIf(${JUDGED} AND p_judge_cached) AS judge_cached,
        countIf(${JUDGED} AND NOT p_judge_cached) AS judge_latency_n,
        quantilesExactIf(${JUDGE_LATENCY_QUANTILES.join(', ')})(p_judge_latency_ms, ${JUDGED} AND NOT p_judge_cached) AS judge_latency_q,
        sumIf(p_judge_tokens, p_judge_verdict != '') AS judge_tokens,
        countIf(${JUDGED} AND p_judge_audit_secondary = 'equal') AS audit_sec_equal,
        countIf(${JUDGED} AND p_judge_audit_secondary = 'different') AS audit_sec_different,
        countIf(${JUDGED} AND p_judge_audit_secondary = 'error') AS audit_sec_error,
        countIf(${JUDGED} AND p_judge_audit_secondary = 'not_run') AS audit_sec_not_run,
        countIf(p_judge_verdict IN ('equal', 'different') AND p_judge_audit_reference IN ('equal', 'different')) AS audit_ref_pairs,
        countIf(p_judge_verdict IN ('equal', 'different') AND p_judge_audit_reference = p_judge_verdict) AS audit_ref_agreed,
        countIf(p_sandbox_induced) AS sandbox_pairs,
        countIf(p_sandbox_induced AND p_live_status != p_shadow_status) AS sandbox_status,
        countIf(NOT ${setAside}) AS error_pairs,
        countIf(${LIVE_ERROR} AND NOT ${setAside}) AS live_errors,
        countIf(${CANDIDATE_ERROR} AND NOT ${setAside}) AS candidate_errors,
        countIf(${LIVE_ERROR} AND ${CANDIDATE_ERROR} AND NOT ${setAside}) AS both_errors,${secondarySummary}
        arraySort(groupUniqArray(p_run_id)) AS run_ids,
        countIf(${LIVE_ANSWERED}) AS live_n,
        quantilesExactIf(${levelList})(p_live_latency_us / 1000, ${LIVE_ANSWERED}) AS live_q,
        maxIf(p_live_latency_us / 1000, ${LIVE_ANSWERED}) AS live_max,
        avgIf(p_live_latency_us / 1000, ${LIVE_ANSWERED}) AS live_mean,
        countIf(${CANDIDATE_ANSWERED}) AS candidate_n,
        quantilesExactIf(${levelList})(p_shadow_latency_us / 1000, ${CANDIDATE_ANSWERED}) AS candidate_q,
        maxIf(p_shadow_latency_us / 1000, ${CANDIDATE_ANSWERED}) AS candidate_max,
        avgIf(p_shadow_latency_us / 1000, ${CANDIDATE_ANSWERED}) AS candidate_mean,
        countIf(notEmpty(${effectEntries(q.countNoise ?? false)})) AS side_effect_pairs,
        toUnixTimestamp64Milli(min(capture_time)) AS first_ms,
        toUnixTimestamp64Milli(max(capture_time)) AS last_ms,
        anyIf(p_challenger_name, p_challenger_name != '') AS challenger_name
      FROM ${scoped} GROUP BY s_method, s_route`;
    const statusQuery = `SELECT s_method, s_route, p_live_status AS live, p_shadow_status AS candidate, count() AS pairs
      FROM ${scoped} GROUP BY s_method, s_route, live, candidate ORDER BY s_method, s_route, live, candidate`;
    // A uniform sample of paired latencies per scope (cityHash64 of the exchange id: the same pairs
    // on every run), returned in capture order like the in-memory reference.
    const samplesQuery = `SELECT s_method, s_route, l, c FROM (
        SELECT s_method, s_route, exchange_id, capture_time, p_live_latency_us / 1000 AS l, p_shadow_latency_us / 1000 AS c
        FROM ${scoped} WHERE ${LIVE_ANSWERED} AND ${CANDIDATE_ANSWERED}
        ORDER BY cityHash64(exchange_id) LIMIT ${sampleLimit} BY s_method, s_route)
      ORDER BY s_method, s_route, capture_time, exchange_id`;
    const secondarySamplesQuery = `SELECT s_method, s_route, sec, c FROM (
        SELECT s_method, s_route, exchange_id, capture_time, p_sec_latency_us / 1000 AS sec, p_shadow_latency_us / 1000 AS c
        FROM ${scoped} WHERE ${CANDIDATE_ANSWERED} AND ${SECONDARY_ANSWERED}
        ORDER BY cityHash64(exchange_id) LIMIT ${sampleLimit} BY s_method, s_route)
      ORDER BY s_method, s_route, capture_time, exchange_id`;
    const causesQuery = `SELECT s_method, s_route, cause, uniqExact(exchange_id) AS pairs, min(exchange_id) AS example
      FROM ${scoped} ARRAY JOIN arrayDistinct(p_sandbox_causes) AS cause
      WHERE p_sandbox_induced
      GROUP BY s_method, s_route, cause ORDER BY pairs DESC, cause LIMIT ${MAX_SANDBOX_CAUSES} BY s_method, s_route`;
    const sideEffectsQuery = `SELECT s_method, s_route, entry, uniqExact(exchange_id) AS pairs, min(exchange_id) AS example
      FROM ${scoped} ARRAY JOIN arrayDistinct(splitByString('; ', p_side_effects_detail)) AS entry
      WHERE p_side_effects_detail != '' AND entry != ''${(q.countNoise ?? false) ? '' : ` AND NOT ${NOISY_EFFECT}`}
      GROUP BY s_method, s_route, entry ORDER BY pairs DESC, entry LIMIT ${maxSideEffects} BY s_method, s_route`;
    // Pairs per set of differences: the gate counts pairs with an unexpected one, not differences.
    const sideEffectSetsQuery = `SELECT s_method, s_route, arraySort(${effectEntries(q.countNoise ?? false)}) AS entries, count() AS pairs
      FROM ${scoped} WHERE p_side_effects_detail != '' AND notEmpty(entries)
      GROUP BY s_method, s_route, entries ORDER BY pairs DESC, entries LIMIT ${maxSideEffectSets} BY s_method, s_route`;
    // diff_paths holds 'status', 'header:<name>', 'effect:<key>' and body paths; noisy_paths the noisy subset.
    // A sandbox-induced pair's body and header paths are listed apart (p_sandbox_induced as `induced`).
    const diffQuery = (
      kind: 'paths' | 'headers',
    ) => `SELECT s_method, s_route, ${kind === 'headers' ? 'substring(p, 8)' : 'p'} AS name, has(p_noisy_paths, p) AS noisy,
        p_sandbox_induced AS induced, uniqExact(exchange_id) AS pairs, min(exchange_id) AS example
      FROM ${scoped} ARRAY JOIN arrayDistinct(p_diff_paths) AS p
      WHERE ${kind === 'headers' ? "startsWith(p, 'header:')" : "p != 'status' AND NOT startsWith(p, 'header:') AND NOT startsWith(p, 'effect:')"}
      GROUP BY s_method, s_route, name, noisy, induced ORDER BY pairs DESC, name, noisy, induced LIMIT ${top} BY s_method, s_route`;
    const judgeKindsQuery = `SELECT s_method, s_route, p_judge_verdict AS v, if(p_judge_kind = '', 'unknown', p_judge_kind) AS k, count() AS n
      FROM ${scoped} WHERE p_judge_verdict IN ('error', 'not_run') GROUP BY s_method, s_route, v, k`;
    // Ties at the boundary of 5 are broken in JS (as measurementsFromPairs does), so fetch more.
    const judgeReasonsQuery = `SELECT s_method, s_route, p_judge_verdict AS v, p_judge_reason AS r, count() AS pairs, min(exchange_id) AS example
      FROM ${scoped} WHERE ${JUDGED} AND p_judge_reason != ''
      GROUP BY s_method, s_route, v, r ORDER BY pairs DESC, r LIMIT 100 BY s_method, s_route, v`;
    const unmatchedQuery = `SELECT reason, uniqExact(exchange_id) AS exchanges FROM ${unmatched} FINAL
      WHERE challenger_id = {challenger:String}
        ${q.window === undefined ? '' : ` AND event_time >= ${msParam('fromMs')} AND event_time < ${msParam('toMs')}`}
        ${q.runId === undefined ? '' : ' AND run_id = {runId:String}'}
        AND NOT has({excluded:Array(String)}, concat(toString(method), ' ', toString(route)))
        AND exchange_id NOT IN (SELECT exchange_id FROM ${base})
      GROUP BY reason ORDER BY reason`;

    // One query at a time: chDB runs them one by one anyway, and the read-only endpoint bounds
    // concurrent queries per process (4 by default), which a parallel burst would exceed.
    const summary = await rows('measuring scopes', summaryQuery, params);
    const status = await rows('status matrix', statusQuery, params);
    const samples = await rows('latency samples', samplesQuery, params);
    const secondarySamples = withSecondary === null ? [] : await rows('secondary latency samples', secondarySamplesQuery, params);
    const causes = await rows('sandbox causes', causesQuery, params);
    const effects = await rows('side-effect differences', sideEffectsQuery, params);
    const effectSets = await rows('side-effect difference sets', sideEffectSetsQuery, params);
    const paths = top === 0 ? [] : await rows('differing paths', diffQuery('paths'), params);
    const headers = top === 0 ? [] : await rows('differing headers', diffQuery('headers'), params);
    const unmatchedRows = await rows('unmatched exchanges', unmatchedQuery, params);
    const anyJudged = summary.some((r) => num(r['judge_needed']) > 0);
    const judgeKinds = anyJudged ? await rows('judge verdict kinds', judgeKindsQuery, params) : [];
    const judgeReasons = anyJudged ? await rows('judge reasons', judgeReasonsQuery, params) : [];
    const business = await businessOutcomes(scoped, params, q.businessMetrics);
    const accuracy = await accuracyCounts(q, excluded);

    const group = (list: Row[]): Map<string, Row[]> => {
      const out = new Map<string, Row[]>();
      for (const r of list) {
        const key = scopeKey(str(r['s_method']), str(r['s_route']));
        const entry = out.get(key);
        if (entry === undefined) out.set(key, [r]);
        else entry.push(r);
      }
      return out;
    };
    const byStatus = group(status);
    const bySamples = group(samples);
    const bySecondarySamples = group(secondarySamples);
    const byCauses = group(causes);
    const byEffects = group(effects);
    const byEffectSets = group(effectSets);
    const byPaths = group(paths);
    const byHeaders = group(headers);
    const byJudgeKinds = group(judgeKinds);
    const byJudgeReasons = group(judgeReasons);
    const judgeOf = (key: string, r: Row): JudgeMeasurements | undefined => {
      const needed = num(r['judge_needed']);
      if (needed === 0) return undefined;
      const errorKinds: Record<string, number> = {};
      const notRun: Record<string, number> = {};
      for (const k of byJudgeKinds.get(key) ?? []) (str(k['v']) === 'error' ? errorKinds : notRun)[str(k['k'])] = num(k['n']);
      const n = num(r['judge_latency_n']);
      const qs = (r['judge_latency_q'] as unknown[]).map(num);
      const examples = JUDGE_VERDICTS.flatMap((v) =>
        (byJudgeReasons.get(key) ?? [])
          .filter((x) => str(x['v']) === v)
          .map((x): JudgeReasonExample => ({ verdict: v, reason: str(x['r']), pairs: num(x['pairs']), examplePairId: str(x['example']) }))
          .sort((a, b) => b.pairs - a.pairs || a.reason.localeCompare(b.reason))
          .slice(0, MAX_JUDGE_EXAMPLES),
      );
      return {
        judges: (r['judge_ids'] as unknown[]).map(str),
        needed,
        equal: num(r['judge_equal']),
        different: num(r['judge_different']),
        error: num(r['judge_error']),
        errorKinds,
        notRun,
        agreement: { trials: num(r['judge_after_trials']), successes: num(r['judge_after_successes']) },
        cached: num(r['judge_cached']),
        latency: { count: n, quantiles: n === 0 ? [] : JUDGE_LATENCY_QUANTILES.map((q, i) => ({ q, value: qs[i] as number })) },
        tokens: num(r['judge_tokens']),
        audit: {
          secondary: {
            equal: num(r['audit_sec_equal']),
            different: num(r['audit_sec_different']),
            error: num(r['audit_sec_error']),
            notRun: num(r['audit_sec_not_run']),
          },
          reference: { pairs: num(r['audit_ref_pairs']), agreed: num(r['audit_ref_agreed']) },
        },
        examples: sortJudgeExamples(examples),
      };
    };
    const excludePaths = q.excludePaths ?? [];
    const isExcludedPath = (p: string) => excludePaths.some((x) => p === x || p.startsWith(`${x}.`) || p.startsWith(`${x}[`));

    const scopeOf = (r: Row): ScopeMeasurements => {
      const key = scopeKey(str(r['s_method']), str(r['s_route']));
      const sample = bySamples.get(key) ?? [];
      const sideEffects: SideEffectDifference[] = [];
      const merged = new Map<string, SideEffectDifference>();
      for (const e of byEffects.get(key) ?? []) {
        const parsed = parseSideEffectDetail(str(e['entry']));
        if (parsed === null) continue;
        const id = `${parsed.direction} ${parsed.method} ${parsed.target}${parsed.path}`;
        const seen = merged.get(id);
        // Two detail spellings of one call (path '' vs absent) count as one difference.
        if (seen === undefined) merged.set(id, { ...parsed, pairs: num(e['pairs']), examplePairId: str(e['example']) });
        else {
          seen.pairs = Math.max(seen.pairs, num(e['pairs']));
          if (str(e['example']) < seen.examplePairId) seen.examplePairId = str(e['example']);
        }
      }
      const label = (d: SideEffectDifference) => `${d.direction} ${d.method} ${d.target}${d.path}`;
      sideEffects.push(...[...merged.values()].sort((a, b) => b.pairs - a.pairs || label(a).localeCompare(label(b))));
      // Sets read like measurementsFromPairs': entries parsed, two spellings of one call merged.
      const sets = new Map<string, { differences: SideEffectKind[]; pairs: number }>();
      for (const e of byEffectSets.get(key) ?? []) {
        const kinds = new Map<string, SideEffectKind>();
        for (const entry of e['entries'] as unknown[]) {
          const parsed = parseSideEffectDetail(str(entry));
          if (parsed !== null) kinds.set(sideEffectKindId(parsed), parsed);
        }
        if (kinds.size === 0) continue;
        const id = [...kinds.keys()].sort().join('\n');
        const set = sets.get(id) ?? { differences: [...kinds.values()], pairs: 0 };
        set.pairs += num(e['pairs']);
        sets.set(id, set);
      }
      const judge = judgeOf(key, r);
      return {
        pairs: num(r['pairs']),
        agreement: { trials: num(r['pairs']) - num(r['sandbox_left_out']), successes: num(r['successes']) },
        ...(judge === undefined ? {} : { judge }),
        errors: { pairs: num(r['error_pairs']), live: num(r['live_errors']), candidate: num(r['candidate_errors']), both: num(r['both_errors']) },
        latency: {
          live: latency(r['live_n'], r['live_q'], levels, r['live_max'], r['live_mean']),
          candidate: latency(r['candidate_n'], r['candidate_q'], levels, r['candidate_max'], r['candidate_mean']),
          samples: { liveMs: sample.map((s) => num(s['l'])), candidateMs: sample.map((s) => num(s['c'])), paired: true },
          ...(secondaryKept
            ? {
                secondary: latency(r['secondary_n'], r['secondary_q'], levels, r['secondary_max'], r['secondary_mean']),
                secondarySamples: {
                  secondaryMs: (bySecondarySamples.get(key) ?? []).map((s) => num(s['sec'])),
                  candidateMs: (bySecondarySamples.get(key) ?? []).map((s) => num(s['c'])),
                },
              }
            : {}),
        },
        sideEffects,
        sideEffectPairs: { pairs: num(r['side_effect_pairs']), sets: sortSideEffectSets([...sets.values()]) },
        status: (byStatus.get(key) ?? []).map((s): StatusCell => ({ live: num(s['live']), candidate: num(s['candidate']), pairs: num(s['pairs']) })),
        paths: (byPaths.get(key) ?? []).map(
          (p): PathDifference => ({
            path: str(p['name']),
            pairs: num(p['pairs']),
            noise: p['noisy'] === true || p['noisy'] === 1,
            excluded: isExcludedPath(str(p['name'])),
            ...(p['induced'] === true || p['induced'] === 1 ? { sandboxInduced: true } : {}),
            examplePairId: str(p['example']),
          }),
        ),
        headers: (byHeaders.get(key) ?? []).map(
          (h): HeaderDifference => ({
            header: str(h['name']),
            pairs: num(h['pairs']),
            noise: h['noisy'] === true || h['noisy'] === 1,
            ...(h['induced'] === true || h['induced'] === 1 ? { sandboxInduced: true } : {}),
            examplePairId: str(h['example']),
          }),
        ),
        sandboxInduced: {
          pairs: num(r['sandbox_pairs']),
          statusMismatches: num(r['sandbox_status']),
          leftOutOfAgreement: num(r['sandbox_left_out']),
          counted: q.includeSandboxInduced ?? false,
          causes: sandboxCauses(byCauses.get(key) ?? []),
        },
        ...scopeExtras(key, str(r['s_method']) === OVERALL ? undefined : { method: str(r['s_method']), route: str(r['s_route']) }),
      };
    };
    const scopeExtras = (
      key: string,
      ref: { method: string; route: string } | undefined,
    ): Pick<ScopeMeasurements, 'business' | 'accuracy' | 'accuracyUnscored'> => {
      const out: Pick<ScopeMeasurements, 'business' | 'accuracy' | 'accuracyUnscored'> = {};
      const biz = business.get(key);
      if (biz !== undefined) out.business = biz;
      const request = accuracyRequestFor(q, ref);
      const counts = request === undefined ? undefined : accuracy.get(requestKey(request))?.get(key);
      if (counts !== undefined) {
        out.accuracy = counts.counts;
        out.accuracyUnscored = counts.unscored;
      }
      return out;
    };

    const overallRow = summary.find((r) => str(r['s_method']) === OVERALL);
    // A secondary that answered none of these exchanges is no baseline.
    const secondaryKept = withSecondary !== null && overallRow !== undefined && num(overallRow['secondary_n']) > 0;
    const empty: ScopeMeasurements = {
      pairs: 0,
      agreement: { trials: 0, successes: 0 },
      errors: { pairs: 0, live: 0, candidate: 0, both: 0 },
      latency: {
        live: { count: 0, quantiles: [], maxMs: null },
        candidate: { count: 0, quantiles: [], maxMs: null },
        samples: { liveMs: [], candidateMs: [], paired: true },
      },
      sideEffects: [],
      sideEffectPairs: { pairs: 0, sets: [] },
      status: [],
      paths: [],
      headers: [],
      sandboxInduced: { pairs: 0, statusMismatches: 0, leftOutOfAgreement: 0, counted: q.includeSandboxInduced ?? false, causes: [] },
    };
    const routes: RouteMeasurements[] = summary
      .filter((r) => str(r['s_method']) !== OVERALL)
      .map((r) => ({ route: str(r['s_route']), method: str(r['s_method']), ...scopeOf(r) }))
      .sort((a, b) => `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`));
    const unmatchedCounts: Record<string, number> = {};
    for (const u of unmatchedRows) unmatchedCounts[str(u['reason'])] = num(u['exchanges']);
    const name = overallRow === undefined ? '' : str(overallRow['challenger_name']);
    const conditions = await replayConditions(overallRow === undefined ? [] : (overallRow['run_ids'] as unknown[]).map(str));
    const secondaryName = secondaryKept ? await challengerName(withSecondary, q) : null;
    return {
      challengerId: q.challengerId,
      challengerName: name === '' ? undefined : name,
      role,
      secondary: secondaryKept ? { challengerId: withSecondary, challengerName: secondaryName } : null,
      conditions,
      runId: q.runId ?? null,
      window: q.window ?? null,
      observed: overallRow === undefined ? null : { firstMs: num(overallRow['first_ms']), lastMs: num(overallRow['last_ms']) },
      overall: overallRow === undefined ? empty : scopeOf(overallRow),
      routes,
      unmatched: unmatchedCounts,
    };
  }

  /** The counted pairs' runs with the settings the replayer recorded (the runs table), and whether live shadowing is among them. */
  async function replayConditions(runIds: readonly string[]): Promise<ReplayConditions> {
    const ids = runIds.filter((r) => r !== '');
    const recorded =
      ids.length === 0
        ? []
        : await rows(
            'replay settings of the runs',
            `SELECT run_id, argMax(toString(speed), produced_time) AS speed,
        argMax(max_concurrency, produced_time) AS concurrency, argMax(toString(ordering), produced_time) AS ordering
      FROM ${runsTable} FINAL WHERE has({runIds:Array(String)}, run_id) GROUP BY run_id`,
            { runIds: ids },
          );
    const byId = new Map(recorded.map((r) => [str(r['run_id']), r]));
    return {
      runs: [...ids].sort().map((runId) => {
        const r = byId.get(runId);
        return {
          runId,
          speed: r === undefined ? null : str(r['speed']),
          maxConcurrency: r === undefined ? null : num(r['concurrency']),
          ordering: r === undefined ? null : str(r['ordering']),
        };
      }),
      liveShadowing: runIds.includes(''),
    };
  }

  /** A challenger's name in the query's window or run (null: none landed). */
  async function challengerName(id: string, q: MeasurementQuery): Promise<string | null> {
    const [r] = await rows(
      'secondary name',
      `SELECT anyIf(challenger_name, challenger_name != '') AS name FROM ${pairs}
      WHERE challenger_id = {id:String}${q.window === undefined ? '' : ` AND capture_time >= ${msParam('fromMs')} AND capture_time < ${msParam('toMs')}`}${q.runId === undefined ? '' : ' AND run_id = {runId:String}'}`,
      {
        id,
        ...(q.window === undefined ? {} : { fromMs: q.window.fromMs, toMs: q.window.toMs }),
        ...(q.runId === undefined ? {} : { runId: q.runId }),
      },
    );
    const n = str(r?.['name'] ?? '');
    return n === '' ? null : n;
  }

  /** Business outcomes per scope key, metric names sorted; only scopes with a metric appear. */
  async function businessOutcomes(
    scoped: string,
    params: Record<string, unknown>,
    names: readonly string[] | undefined,
  ): Promise<Map<string, Record<string, BusinessOutcome>>> {
    const p = { ...params, metrics: names ?? [] };
    const kind = (type: string) => `FROM ${scoped} ARRAY JOIN mapKeys(p_outcome_types) AS m
        WHERE p_outcome_types[m] = '${type}' AND mapContains(p_live_outcomes, m) AND mapContains(p_shadow_outcomes, m)${names === undefined ? '' : ' AND has({metrics:Array(String)}, m)'}`;
    const levels = NUMERIC_QUANTILES.join(', ');
    const numeric = await rows(
      'numeric outcomes',
      `SELECT s_method, s_route, m, count() AS pairs,
        avg(toFloat64(p_live_outcomes[m])) AS l_mean, avg(toFloat64(p_shadow_outcomes[m])) AS c_mean,
        quantilesExact(${levels})(toFloat64(p_live_outcomes[m])) AS l_q, quantilesExact(${levels})(toFloat64(p_shadow_outcomes[m])) AS c_q
      ${kind('number')} GROUP BY s_method, s_route, m`,
      p,
    );
    const decisions = await rows(
      'decision outcomes',
      `SELECT s_method, s_route, m, count() AS pairs, countIf(p_live_outcomes[m] != p_shadow_outcomes[m]) AS flips
      ${kind('string')} GROUP BY s_method, s_route, m`,
      p,
    );
    // Ties at the top-10 boundary are broken in JS (as measurementsFromPairs does), so fetch more.
    const transitions = await rows(
      'decision transitions',
      `SELECT s_method, s_route, m, p_live_outcomes[m] AS l, p_shadow_outcomes[m] AS c, count() AS pairs
      ${kind('string')} AND p_live_outcomes[m] != p_shadow_outcomes[m]
      GROUP BY s_method, s_route, m, l, c ORDER BY pairs DESC LIMIT 100 BY s_method, s_route, m`,
      p,
    );
    const lists = await rows(
      'list outcomes',
      `SELECT s_method, s_route, m, count() AS pairs, avg(j) AS jaccard, avg(o) AS overlap FROM (
        SELECT s_method, s_route, m,
          JSONExtract(p_live_outcomes[m], 'Array(String)') AS l, JSONExtract(p_shadow_outcomes[m], 'Array(String)') AS c,
          length(arrayDistinct(arrayConcat(l, c))) AS u,
          if(u = 0, 1, length(arrayIntersect(arrayDistinct(l), arrayDistinct(c))) / u) AS j,
          length(arrayFilter(x -> has(arraySlice(l, 1, ${topK}), x), arraySlice(c, 1, ${topK}))) / ${topK} AS o
        ${kind('string[]')})
      GROUP BY s_method, s_route, m`,
      p,
    );
    const out = new Map<string, Record<string, BusinessOutcome>>();
    const put = (r: Row, outcome: BusinessOutcome) => {
      const key = scopeKey(str(r['s_method']), str(r['s_route']));
      const entry = out.get(key) ?? {};
      entry[str(r['m'])] = outcome;
      out.set(key, entry);
    };
    const quantiles = (qs: unknown) => (qs as unknown[]).map((v, i) => ({ q: NUMERIC_QUANTILES[i] as number, value: num(v) }));
    for (const r of numeric)
      put(r, {
        kind: 'numeric',
        pairs: num(r['pairs']),
        live: { mean: num(r['l_mean']), quantiles: quantiles(r['l_q']) },
        candidate: { mean: num(r['c_mean']), quantiles: quantiles(r['c_q']) },
      });
    for (const r of decisions) {
      const key = `${str(r['s_method'])}\u0000${str(r['s_route'])}\u0000${str(r['m'])}`;
      const list = transitions
        .filter((t) => `${str(t['s_method'])}\u0000${str(t['s_route'])}\u0000${str(t['m'])}` === key)
        .map((t) => ({ live: str(t['l']), candidate: str(t['c']), pairs: num(t['pairs']) }))
        .sort((a, b) => b.pairs - a.pairs || `${a.live}>${a.candidate}`.localeCompare(`${b.live}>${b.candidate}`))
        .slice(0, 10);
      put(r, { kind: 'decision', pairs: num(r['pairs']), flips: num(r['flips']), transitions: list });
    }
    for (const r of lists) put(r, { kind: 'list', pairs: num(r['pairs']), meanJaccard: num(r['jaccard']), k: topK, meanTopKOverlap: num(r['overlap']) });
    for (const [key, entry] of out) out.set(key, Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b))));
    return out;
  }

  /**
   * Accuracy per distinct request (label + outcome), per scope key: the scored pairs' paired counts
   * and the labelled pairs that could not be scored.
   */
  async function accuracyCounts(
    q: MeasurementQuery,
    excluded: readonly string[],
  ): Promise<Map<string, Map<string, { counts: PairedCounts; unscored: number }>>> {
    const requests = new Map<string, AccuracyRequest>();
    if (q.accuracy?.default !== undefined) requests.set(requestKey(q.accuracy.default), q.accuracy.default);
    for (const r of Object.values(q.accuracy?.routes ?? {})) requests.set(requestKey(r), r);
    const out = new Map<string, Map<string, { counts: PairedCounts; unscored: number }>>();
    for (const [id, request] of requests) {
      let sql: string;
      try {
        sql = labelledAccuracyQuery({
          outcomePath: request.outcome,
          pairsTable: pairs,
          labelsTable: labels,
          window: q.window !== undefined,
          runId: q.runId !== undefined,
          excludeRoutes: true,
        });
      } catch (error) {
        throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `accuracy outcome: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const params: Record<string, unknown> = { challenger: q.challengerId, label: request.label, excluded };
      if (q.window !== undefined) Object.assign(params, { fromMs: q.window.fromMs, toMs: q.window.toMs });
      if (q.runId !== undefined) params['runId'] = q.runId;
      const byScope = new Map<string, { counts: PairedCounts; unscored: number }>();
      for (const r of await rows(`accuracy (label ${request.label}, outcome ${request.outcome})`, sql, params)) {
        // The overall grouping set yields a row even without labelled pairs: no labels, no accuracy.
        if (num(r['labelled']) === 0) continue;
        const overall = num(r['overall']) === 1;
        const key = overall ? scopeKey(OVERALL, '') : scopeKey(str(r['method']), str(r['route']));
        const scored = num(r['scored']);
        byScope.set(key, {
          counts: { pairs: scored, live: num(r['live']), candidate: num(r['candidate']), both: num(r['both']) },
          unscored: num(r['labelled']) - scored,
        });
      }
      out.set(id, byScope);
    }
    return out;
  }

  return {
    measurements,
    async challengers(window) {
      const list = await rows(
        'listing challengers',
        `SELECT challenger_id, anyIf(challenger_name, challenger_name != '') AS name, uniqExact(run_id, exchange_id) AS pairs
         FROM ${pairs} WHERE capture_time >= ${msParam('fromMs')} AND capture_time < ${msParam('toMs')}
         GROUP BY challenger_id ORDER BY challenger_id`,
        { fromMs: window.fromMs, toMs: window.toMs },
      );
      return list.map((r) => ({
        challengerId: str(r['challenger_id']),
        challengerName: str(r['name']) === '' ? null : str(r['name']),
        pairs: num(r['pairs']),
      }));
    },
    async recordGateRun(record: GateRunRecord) {
      try {
        await client.insert({ table: gateRuns, values: [gateRunRow(record)], format: 'JSONEachRow' });
      } catch (error) {
        const retriable = typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
        throw new AnalysisError(
          'ANALYSIS_QUERY_FAILED',
          `recording gate run ${record.runId} in ${gateRuns}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error, retriable },
        );
      }
    },
  };
}

/** Cause rows of a scope, parsed and ordered as measurementsFromPairs orders them. */
function sandboxCauses(list: Row[]): SandboxCauseCount[] {
  const out: SandboxCauseCount[] = [];
  for (const r of list) {
    const text = str(r['cause']);
    const cause = parseSandboxCause(text);
    if (cause !== null) out.push({ ...cause, pairs: num(r['pairs']), examplePairId: str(r['example']) });
  }
  const id = (c: SandboxCauseCount) => `${c.kind} ${c.disposition} ${c.status} ${c.key}`;
  return out.sort((a, b) => b.pairs - a.pairs || id(a).localeCompare(id(b)));
}

const requestKey = (r: AccuracyRequest): string => `${r.label}\u0000${r.outcome}`;

/**
 * The accuracy request of a scope: a route's own (its criteria `routes` key, method-specific
 * first, as overrideKeyFor picks it), else the default; the overall scope takes the default.
 */
export function accuracyRequestFor(q: MeasurementQuery, ref: { method: string; route: string } | undefined): AccuracyRequest | undefined {
  const routes = q.accuracy?.routes ?? {};
  if (ref !== undefined) {
    const keys = Object.keys(routes);
    const withMethod = keys.find((k) => {
      const { method, template } = splitRouteKey(k);
      return method !== undefined && method === ref.method.toUpperCase() && template === ref.route;
    });
    const key =
      withMethod ??
      keys.find((k) => {
        const { method, template } = splitRouteKey(k);
        return method === undefined && template === ref.route;
      });
    if (key !== undefined) return routes[key];
  }
  return q.accuracy?.default;
}

/** The gate_runs row of a GateRunRecord (column names as in GATE_RUNS_MIGRATION). */
export function gateRunRow(record: GateRunRecord): Record<string, unknown> {
  return {
    run_id: record.runId,
    at: record.atMs,
    by: record.by,
    challenger_id: record.challengerId,
    replay_run_id: record.replayRunId ?? '',
    window_from: record.window?.fromMs ?? null,
    window_to: record.window?.toMs ?? null,
    criteria_sha256: record.criteriaSha256,
    criteria_source: record.criteriaSource,
    verdict: record.verdict,
    exit_code: record.exitCode,
    verdict_json: record.verdictJson,
  };
}
