// Read queries for looking at pairs rather than judging them: which challengers have pairs, a
// challenger's numbers over time, lists of example pairs, and everything stored about one exchange
// (the dashboard's side-by-side view; `shadow show <exchange-id>` reads the same pairDetail).
//
// The numbers follow the report's definitions (clickhouse-pair-store.ts) so a chart and the report
// never disagree: the same de-duplication (one row per (run, exchange), the latest landed copy by
// joined_time, as FINAL would keep), the same agreement (real_agree: noise discounted), the same
// error and "answered" conditions, the same capture-time window [from, to). The bucket counts of a
// time series add up to the report's overall pairs and agreement.
//
// Every value from outside arrives as a typed query parameter; the only text spliced into SQL is
// table names validated as identifiers and constants of this file.
import type { ClickHouse } from '@shadow/clickhouse';
import { SCHEMA_TABLES } from '@shadow/clickhouse';
import { AnalysisError } from '../errors.js';
import { parseSandboxCause } from '../measurements/pair-record.js';
import { judgeRaisedExpr, parseSideEffectDetail, sandboxLeftOutExpr } from '../queries/clickhouse-pair-store.js';
import { wilsonInterval } from '../stats/wilson.js';
import type {
  ChallengerSummary,
  ExploreTarget,
  KeptBody,
  PairDetail,
  PairDifference,
  PairFilter,
  PairList,
  PairListQuery,
  PairSide,
  TimeSeries,
  TimeSeriesPoint,
  TimeSeriesQuery,
  UnmatchedSide,
} from './types.js';
import { PAIR_FILTERS } from './types.js';

export interface ExploreStoreOptions {
  /** Table names, when they differ from the schema's. @default SCHEMA_TABLES */
  tables?: { pairs?: string; pairDiffs?: string; unmatched?: string };
}

export interface ExploreStore {
  /** Challengers with pairs in the window, by id, with their role (candidate / secondary). */
  challengers(target: ExploreTarget): Promise<ChallengerSummary[]>;
  /** A challenger's agreement, errors and latency quantiles per time bucket over the observed span. */
  timeSeries(query: TimeSeriesQuery): Promise<TimeSeries>;
  /** A page of pairs (newest first) of a challenger, filtered by route, differing path, agreement. */
  pairs(query: PairListQuery): Promise<PairList>;
  /** Every pair and unmatched row of one exchange; null when nothing is stored under that id. */
  pairDetail(exchangeId: string): Promise<PairDetail | null>;
}

/**
 * What an exchange id looks like (the tap's rule, packages/tap/src/capture/exchange-id.ts): a
 * UUIDv7, or the value of a configured request-id header of 1-128 visible ASCII characters.
 */
export const EXCHANGE_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const LIVE_ERROR = '(p_live_status = 0 OR p_live_status >= 500)';
const CANDIDATE_ERROR = "(p_shadow_status = 0 OR p_shadow_status >= 500 OR p_shadow_error_kind != '')";
const LIVE_ANSWERED = 'p_live_status > 0';
const CANDIDATE_ANSWERED = "(p_shadow_status > 0 AND p_shadow_error_kind = '')";
const SECONDARY_ANSWERED = "(p_sec_status > 0 AND p_sec_error_kind = '')";
/** The report's default: sandbox-induced pairs with nothing else counted are out of agreement's trials. */
const LEFT_OUT = sandboxLeftOutExpr({ challengerId: '' });
/** The report's agreement is before the judge: a pair agreeing only by a judge's equal is no success there. */
const JUDGE_RAISED = judgeRaisedExpr();
/** Candidates first, then secondaries, then any other role. */
const roleRank = (role: string): number => (role === 'candidate' ? 0 : role === 'secondary' ? 1 : 2);
/** Round bucket widths, ms: 1 s up to a week. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800].map((s) => s * 1000);
const MAX_PAGE_SIZE = 500;

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';
const msParam = (name: string): string => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;

function table(name: string, field: string): string {
  if (!IDENT.test(name))
    throw new AnalysisError(
      'ANALYSIS_INVALID_ARGUMENT',
      `tables.${field} must be a table name ([A-Za-z_][A-Za-z0-9_]*, optionally database-qualified); got "${name}"`,
    );
  return name;
}

function checkTarget(t: ExploreTarget): void {
  const { fromMs, toMs } = t.window;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs >= toMs) {
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `window must be integer epoch ms with from < to; got ${fromMs} .. ${toMs}`);
  }
}

/** The smallest round width that covers `spanMs` in at most `maxBuckets` buckets. */
export function bucketWidth(spanMs: number, maxBuckets: number): number {
  const wanted = Math.max(1, spanMs) / Math.max(1, maxBuckets);
  return STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

export function createClickHouseExploreStore(clickhouse: Pick<ClickHouse, 'client'>, options: ExploreStoreOptions = {}): ExploreStore {
  const pairsTable = table(options.tables?.pairs ?? SCHEMA_TABLES.pairs, 'pairs');
  const diffsTable = table(options.tables?.pairDiffs ?? SCHEMA_TABLES.pairDiffs, 'pairDiffs');
  const unmatchedTable = table(options.tables?.unmatched ?? SCHEMA_TABLES.unmatched, 'unmatched');
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

  /** The window (and run) filter on raw rows, and its parameters. */
  function targetFilter(t: ExploreTarget): { where: string; params: Record<string, unknown> } {
    checkTarget(t);
    const where = [`capture_time >= ${msParam('fromMs')}`, `capture_time < ${msParam('toMs')}`];
    const params: Record<string, unknown> = { fromMs: t.window.fromMs, toMs: t.window.toMs };
    if (t.runId !== undefined) {
      where.push('run_id = {runId:String}');
      params['runId'] = t.runId;
    }
    return { where: where.join(' AND '), params };
  }

  /**
   * The challenger's de-duplicated pairs of the target, as the report's store reads them; with a
   * secondary, its answer to the same (run, exchange) joined in (p_sec_*).
   */
  function base(t: ExploreTarget & { challengerId: string }, secondaryId: string | null = null): { sql: string; params: Record<string, unknown> } {
    const { where, params } = targetFilter(t);
    const sql = `(SELECT exchange_id, capture_time, run_id AS p_run_id,
        argMax(toString(method), joined_time) AS p_method,
        argMax(toString(route), joined_time) AS p_route,
        argMax(path, joined_time) AS p_path,
        argMax(live_status, joined_time) AS p_live_status,
        argMax(shadow_status, joined_time) AS p_shadow_status,
        argMax(live_latency_us, joined_time) AS p_live_latency_us,
        argMax(shadow_latency_us, joined_time) AS p_shadow_latency_us,
        argMax(toString(shadow_error_kind), joined_time) AS p_shadow_error_kind,
        argMax(real_agree, joined_time) AS p_real_agree,
        argMax(diff_paths, joined_time) AS p_diff_paths,
        argMax(noisy_paths, joined_time) AS p_noisy_paths,
        argMax(bodies_kept, joined_time) AS p_bodies_kept,
        argMax(side_effects_match, joined_time) AS p_side_effects_match,
        argMax(sandbox_induced, joined_time) AS p_sandbox_induced,
        argMax(toString(judge_verdict), joined_time) AS p_judge_verdict,
        argMax(judge_path, joined_time) AS p_judge_path
      FROM ${pairsTable} WHERE challenger_id = {challenger:String} AND ${where}
      GROUP BY run_id, exchange_id, capture_time)`;
    const out = { ...params, challenger: t.challengerId, excludePaths: [] };
    if (secondaryId === null) return { sql, params: out };
    return {
      sql: `(SELECT * FROM ${sql} AS b LEFT JOIN (
          SELECT run_id AS sec_run_id, exchange_id AS sec_exchange_id,
            argMax(shadow_latency_us, joined_time) AS p_sec_latency_us,
            argMax(shadow_status, joined_time) AS p_sec_status,
            argMax(toString(shadow_error_kind), joined_time) AS p_sec_error_kind
          FROM ${pairsTable} WHERE challenger_id = {secondary:String} AND ${where}
          GROUP BY run_id, exchange_id) AS s
        ON b.p_run_id = s.sec_run_id AND b.exchange_id = s.sec_exchange_id)`,
      params: { ...out, secondary: secondaryId },
    };
  }

  async function challengers(t: ExploreTarget): Promise<ChallengerSummary[]> {
    const { where, params } = targetFilter(t);
    const list = await rows(
      'listing challengers',
      `SELECT challenger_id, anyIf(challenger_name, challenger_name != '') AS name, argMax(toString(challenger_role), joined_time) AS role,
         uniqExact(run_id, exchange_id) AS pairs,
         toUnixTimestamp64Milli(min(capture_time)) AS first_capture, toUnixTimestamp64Milli(max(capture_time)) AS last_capture,
         toUnixTimestamp64Milli(max(joined_time)) AS last_joined
       FROM ${pairsTable} WHERE ${where}
       GROUP BY challenger_id ORDER BY challenger_id`,
      params,
    );
    const unmatchedWhere = where.replaceAll('capture_time', 'event_time');
    const unmatched = new Map(
      (
        await rows(
          'counting unmatched rows',
          `SELECT challenger_id, count() AS n, toUnixTimestamp64Milli(max(joined_time)) AS last_joined FROM ${unmatchedTable} WHERE ${unmatchedWhere} GROUP BY challenger_id`,
          params,
        )
      ).map((r) => [str(r['challenger_id']), r]),
    );
    const out: ChallengerSummary[] = list.map((r) => ({
      challengerId: str(r['challenger_id']),
      challengerName: str(r['name']) === '' ? null : str(r['name']),
      role: str(r['role']) === '' ? 'candidate' : str(r['role']),
      pairs: num(r['pairs']),
      firstCaptureMs: num(r['first_capture']),
      lastCaptureMs: num(r['last_capture']),
      lastJoinedMs: num(r['last_joined']),
      unmatchedRows: num(unmatched.get(str(r['challenger_id']))?.['n'] ?? 0),
      lastUnmatchedJoinedMs: num(unmatched.get(str(r['challenger_id']))?.['last_joined'] ?? 0),
    }));
    return out.sort((a, b) => roleRank(a.role) - roleRank(b.role) || a.challengerId.localeCompare(b.challengerId));
  }

  async function timeSeries(q: TimeSeriesQuery): Promise<TimeSeries> {
    const maxBuckets = q.maxBuckets ?? 60;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 1 || maxBuckets > 10_000) {
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `maxBuckets must be an integer in [1, 10000]; got ${maxBuckets}`);
    }
    const secondaryId = q.secondaryId ?? null;
    const { sql, params } = base(q, secondaryId);
    const [span] = await rows(
      'time span',
      `SELECT count() AS n, toUnixTimestamp64Milli(min(capture_time)) AS first, toUnixTimestamp64Milli(max(capture_time)) AS last FROM ${sql}`,
      params,
    );
    if (span === undefined || num(span['n']) === 0)
      return { challengerId: q.challengerId, bucketMs: bucketWidth(q.window.toMs - q.window.fromMs, maxBuckets), points: [] };
    const first = num(span['first']);
    const last = num(span['last']);
    const bucketMs = bucketWidth(last - first + 1, maxBuckets);
    const buckets = await rows(
      'agreement, errors and latency over time',
      `SELECT intDiv(toUnixTimestamp64Milli(capture_time), {bucketMs:Int64}) * {bucketMs:Int64} AS start,
         count() AS pairs, countIf(p_real_agree AND NOT ${JUDGE_RAISED}) AS successes, countIf(${LEFT_OUT}) AS left_out, countIf(p_sandbox_induced) AS sandbox_pairs,
         countIf(p_judge_verdict != '') AS judge_needed, countIf(p_real_agree AND p_judge_verdict != 'not_run') AS after_successes,
         countIf(NOT ${LEFT_OUT} AND p_judge_verdict != 'not_run') AS after_trials,
         countIf(NOT p_sandbox_induced) AS error_pairs,
         countIf(${LIVE_ERROR} AND NOT p_sandbox_induced) AS live_errors, countIf(${CANDIDATE_ERROR} AND NOT p_sandbox_induced) AS candidate_errors,
         countIf(${LIVE_ANSWERED}) AS live_n, quantilesExactIf(0.5, 0.99)(p_live_latency_us / 1000, ${LIVE_ANSWERED}) AS live_q,
         countIf(${CANDIDATE_ANSWERED}) AS candidate_n, quantilesExactIf(0.5, 0.99)(p_shadow_latency_us / 1000, ${CANDIDATE_ANSWERED}) AS candidate_q
         ${secondaryId === null ? '' : `, countIf(${SECONDARY_ANSWERED}) AS secondary_n, quantilesExactIf(0.5, 0.99)(p_sec_latency_us / 1000, ${SECONDARY_ANSWERED}) AS secondary_q`}
       FROM ${sql} GROUP BY start ORDER BY start`,
      { ...params, bucketMs, excludePaths: [] },
    );
    const confidence = q.confidence ?? 0.95;
    const byStart = new Map(buckets.map((b) => [num(b['start']), b]));
    const points: TimeSeriesPoint[] = [];
    // Empty buckets are kept (0 pairs, no values) so a chart shows a gap, not a line across it.
    for (let start = Math.floor(first / bucketMs) * bucketMs; start <= last; start += bucketMs) {
      const b = byStart.get(start);
      const pairs = b === undefined ? 0 : num(b['pairs']);
      const n = (key: string): number => (b === undefined ? 0 : num(b[key]));
      const qs = (key: string, count: string, i: number): number | null => (b === undefined || num(b[count] ?? 0) === 0 ? null : num((b[key] as unknown[])[i]));
      points.push({
        startMs: start,
        pairs,
        agreement: wilsonInterval(n('successes'), pairs - n('left_out'), { confidence }),
        judgeNeeded: n('judge_needed'),
        agreementAfterJudge: wilsonInterval(n('after_successes'), n('after_trials'), { confidence }),
        sandboxInduced: n('sandbox_pairs'),
        errorPairs: n('error_pairs'),
        liveErrors: n('live_errors'),
        candidateErrors: n('candidate_errors'),
        liveP50Ms: qs('live_q', 'live_n', 0),
        liveP99Ms: qs('live_q', 'live_n', 1),
        candidateP50Ms: qs('candidate_q', 'candidate_n', 0),
        candidateP99Ms: qs('candidate_q', 'candidate_n', 1),
        secondaryP50Ms: secondaryId === null ? null : qs('secondary_q', 'secondary_n', 0),
        secondaryP99Ms: secondaryId === null ? null : qs('secondary_q', 'secondary_n', 1),
      });
    }
    return { challengerId: q.challengerId, bucketMs, points };
  }

  async function pairs(q: PairListQuery): Promise<PairList> {
    const page = q.page ?? 0;
    const pageSize = q.pageSize ?? 50;
    const filter: PairFilter = q.filter ?? 'differing';
    if (!Number.isInteger(page) || page < 0 || page > 100_000)
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `page must be an integer in [0, 100000]; got ${page}`);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `pageSize must be an integer in [1, ${MAX_PAGE_SIZE}]; got ${pageSize}`);
    if (!(PAIR_FILTERS as readonly string[]).includes(filter))
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `filter must be one of ${PAIR_FILTERS.join(', ')}; got ${String(filter)}`);
    const { sql, params } = base(q);
    const where: string[] = [];
    if (q.route !== undefined) {
      where.push('p_method = {method:String}', 'p_route = {route:String}');
      params['method'] = q.route.method;
      params['route'] = q.route.route;
    }
    if (q.path !== undefined) {
      where.push('has(p_diff_paths, {path:String})');
      params['path'] = q.path;
    }
    if (filter === 'differing') where.push('NOT p_real_agree');
    if (filter === 'agreeing') where.push('p_real_agree');
    const list = await rows(
      'listing pairs',
      `SELECT exchange_id, p_run_id, toUnixTimestamp64Milli(capture_time) AS capture_ms, p_method, p_route, p_path,
         p_live_status, p_shadow_status, p_shadow_error_kind, p_live_latency_us, p_shadow_latency_us, p_real_agree,
         length(p_diff_paths) - length(p_noisy_paths) AS real_diffs, length(p_noisy_paths) AS noisy_diffs, p_bodies_kept, p_sandbox_induced
       FROM ${sql}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}
       ORDER BY capture_time DESC, exchange_id, p_run_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      { ...params, limit: pageSize + 1, offset: page * pageSize },
    );
    return {
      items: list.slice(0, pageSize).map((r) => ({
        exchangeId: str(r['exchange_id']),
        runId: str(r['p_run_id']),
        captureMs: num(r['capture_ms']),
        method: str(r['p_method']),
        route: str(r['p_route']),
        path: str(r['p_path']),
        liveStatus: num(r['p_live_status']),
        candidateStatus: num(r['p_shadow_status']),
        candidateErrorKind: str(r['p_shadow_error_kind']) === '' ? null : str(r['p_shadow_error_kind']),
        liveLatencyMs: num(r['p_live_latency_us']) / 1000,
        candidateLatencyMs: num(r['p_shadow_latency_us']) / 1000,
        agrees: bool(r['p_real_agree']),
        realDiffs: num(r['real_diffs']),
        noisyDiffs: num(r['noisy_diffs']),
        bodiesKept: bool(r['p_bodies_kept']),
        sandboxInduced: bool(r['p_sandbox_induced']),
      })),
      page,
      pageSize,
      more: list.length > pageSize,
    };
  }

  async function pairDetail(exchangeId: string): Promise<PairDetail | null> {
    if (!EXCHANGE_ID_PATTERN.test(exchangeId)) {
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', 'an exchange id is 1-128 visible ASCII characters (a UUIDv7 or a request-id header value)');
    }
    const latest = (c: string, as: string) => `argMax(${c}, joined_time) AS ${as}`;
    const pairRows = await rows(
      'reading the pairs of an exchange',
      `SELECT challenger_id, run_id,
         ${latest('challenger_name', 'name')}, ${latest('toString(challenger_role)', 'role')}, ${latest('attempt', 'attempt')},
         toUnixTimestamp64Milli(max(joined_time)) AS joined_ms, toUnixTimestamp64Milli(${'argMax(replay_time, joined_time)'}) AS replay_ms,
         toUnixTimestamp64Milli(any(capture_time)) AS capture_ms,
         ${latest('toString(service)', 'service')}, ${latest('toString(environment)', 'environment')}, ${latest('toString(method)', 'method')},
         ${latest('toString(route)', 'route')}, ${latest('path', 'path')},
         ${latest('live_status', 'live_status')}, ${latest('shadow_status', 'shadow_status')},
         ${latest('live_latency_us', 'live_latency_us')}, ${latest('shadow_latency_us', 'shadow_latency_us')}, ${latest('toString(shadow_error_kind)', 'error_kind')},
         ${latest('status_match', 'status_match')}, ${latest('headers_match', 'headers_match')}, ${latest('body_match', 'body_match')},
         ${latest('side_effects_match', 'side_effects_match')}, ${latest('agree', 'agree')}, ${latest('real_agree', 'real_agree')},
         ${latest('diff_paths', 'diff_paths')}, ${latest('noisy_paths', 'noisy_paths')},
         ${latest('live_side_effects', 'live_side_effects')}, ${latest('shadow_side_effects', 'shadow_side_effects')}, ${latest('side_effects_detail', 'side_effects_detail')},
         ${latest('toString(live_body_hash)', 'live_hash')}, ${latest('toString(shadow_body_hash)', 'shadow_hash')},
         ${latest('live_body_size', 'live_size')}, ${latest('shadow_body_size', 'shadow_size')}, ${latest('bodies_kept', 'bodies_kept')},
         ${latest('live_body', 'live_body')}, ${latest('shadow_body', 'shadow_body')},
         ${latest('toString(comparator)', 'comparator')}, ${latest('toString(verdict)', 'verdict')}, ${latest('score', 'score')},
         ${latest('sandbox_induced', 'sandbox_induced')}, ${latest('sandbox_causes', 'sandbox_causes')},
         ${latest('toString(judge_id)', 'judge_id')}, ${latest('judge_path', 'judge_path')}, ${latest('toString(judge_verdict)', 'judge_verdict')},
         ${latest('toString(judge_kind)', 'judge_kind')}, ${latest('judge_reason', 'judge_reason')}, ${latest('judge_latency_ms', 'judge_latency_ms')},
         ${latest('judge_cached', 'judge_cached')}, ${latest('judge_tokens', 'judge_tokens')}, ${latest('toString(judge_audit_secondary_verdict)', 'judge_audit_secondary')},
         ${latest('toString(judge_audit_reference_id)', 'judge_audit_reference_id')}, ${latest('toString(judge_audit_reference_verdict)', 'judge_audit_reference')}
       FROM ${pairsTable} WHERE exchange_id = {id:String}
       GROUP BY challenger_id, run_id ORDER BY challenger_id, run_id`,
      { id: exchangeId },
    );
    const unmatchedRows = await rows(
      'reading the unmatched rows of an exchange',
      `SELECT challenger_id, run_id, ${latest('toString(challenger_role)', 'role')}, ${latest('toString(reason)', 'reason')},
         ${latest('toString(expired_by)', 'expired_by')}, ${latest('has_live', 'has_live')}, ${latest('has_result', 'has_result')},
         toUnixTimestamp64Milli(argMax(event_time, joined_time)) AS event_ms
       FROM ${unmatchedTable} WHERE exchange_id = {id:String}
       GROUP BY challenger_id, run_id ORDER BY challenger_id, run_id`,
      { id: exchangeId },
    );
    if (pairRows.length === 0 && unmatchedRows.length === 0) return null;

    // pair_diffs is sorted by (challenger, run, hour of capture, exchange): the capture time of the
    // pair prunes it to one partition and hour. Only the paths of the latest landed pair count: a
    // retry's row replaces the attempt before it, whose other paths may still be in pair_diffs.
    const captureMs = pairRows.length === 0 ? null : num(pairRows[0]?.['capture_ms']);
    const diffRows =
      captureMs === null
        ? []
        : await rows(
            'reading the differences of an exchange',
            `SELECT challenger_id, run_id, diff_path, ${latest('toString(kind)', 'kind')}, ${latest('noisy', 'noisy')},
         ${latest('live_example', 'live_example')}, ${latest('shadow_example', 'shadow_example')}
       FROM ${diffsTable} WHERE exchange_id = {id:String} AND capture_time = ${msParam('captureMs')}
       GROUP BY challenger_id, run_id, diff_path ORDER BY diff_path`,
            { id: exchangeId, captureMs },
          );

    const body = (text: unknown, size: unknown, hash: unknown, kept: boolean): KeptBody => {
      const t = str(text);
      const n = num(size);
      return { text: kept ? t : null, size: n, cut: kept && Buffer.byteLength(t) < n, hash: str(hash) };
    };
    const sides: PairSide[] = pairRows.map((r) => {
      const id = str(r['challenger_id']);
      const run = str(r['run_id']);
      const paths = (r['diff_paths'] as unknown[]).map(str);
      const noisy = new Set((r['noisy_paths'] as unknown[]).map(str));
      const examples = new Map(diffRows.filter((d) => str(d['challenger_id']) === id && str(d['run_id']) === run).map((d) => [str(d['diff_path']), d]));
      const induced = bool(r['sandbox_induced']);
      const differences: PairDifference[] = [...new Set(paths)].map((path) => {
        const d = examples.get(path);
        return {
          path,
          kind: d === undefined ? '' : str(d['kind']),
          noise: noisy.has(path),
          // As the joiner marks pair_diffs: every answer path of a sandbox-induced pair, no effect: path.
          sandboxInduced: induced && !path.startsWith('effect:'),
          liveValue: d === undefined ? '' : str(d['live_example']),
          candidateValue: d === undefined ? '' : str(d['shadow_example']),
        };
      });
      const kept = bool(r['bodies_kept']);
      const detail = str(r['side_effects_detail']);
      const effects =
        detail === ''
          ? []
          : [...new Set(detail.split('; '))].flatMap((entry) => {
              const parsed = parseSideEffectDetail(entry);
              if (parsed === null) return [];
              const key = entry.slice(entry.indexOf(' ') + 1);
              return [{ ...parsed, noise: noisy.has(`effect:${key}`) }];
            });
      const errorKind = str(r['error_kind']);
      const score = r['score'];
      return {
        challengerId: id,
        challengerName: str(r['name']) === '' ? null : str(r['name']),
        role: str(r['role']) === '' ? 'candidate' : str(r['role']),
        runId: run,
        attempt: num(r['attempt']),
        joinedMs: num(r['joined_ms']),
        replayMs: num(r['replay_ms']),
        live: { status: num(r['live_status']), latencyMs: num(r['live_latency_us']) / 1000, body: body(r['live_body'], r['live_size'], r['live_hash'], kept) },
        candidate: {
          status: num(r['shadow_status']),
          latencyMs: num(r['shadow_latency_us']) / 1000,
          errorKind: errorKind === '' ? null : errorKind,
          body: body(r['shadow_body'], r['shadow_size'], r['shadow_hash'], kept),
        },
        agree: bool(r['agree']),
        realAgree: bool(r['real_agree']),
        match: { status: bool(r['status_match']), headers: bool(r['headers_match']), body: bool(r['body_match']), sideEffects: bool(r['side_effects_match']) },
        bodiesKept: kept,
        differences,
        sideEffects: { live: num(r['live_side_effects']), candidate: num(r['shadow_side_effects']), differences: effects },
        comparator: str(r['comparator']),
        verdict: str(r['verdict']),
        score: score === null || score === undefined ? null : num(score),
        judge:
          str(r['judge_verdict'] ?? '') === ''
            ? null
            : {
                judgeId: str(r['judge_id']),
                path: str(r['judge_path']),
                verdict: str(r['judge_verdict']),
                kind: str(r['judge_kind']) === '' ? null : str(r['judge_kind']),
                reason: str(r['judge_reason']) === '' ? null : str(r['judge_reason']),
                latencyMs: num(r['judge_latency_ms']),
                cached: bool(r['judge_cached']),
                tokens: num(r['judge_tokens']),
                auditSecondaryVerdict: str(r['judge_audit_secondary']) === '' ? null : str(r['judge_audit_secondary']),
                auditReference:
                  str(r['judge_audit_reference']) === '' ? null : { judgeId: str(r['judge_audit_reference_id']), verdict: str(r['judge_audit_reference']) },
              },
        sandboxInduced: induced,
        sandboxCauses: ((r['sandbox_causes'] as unknown[] | undefined) ?? []).flatMap((c) => {
          const cause = parseSandboxCause(str(c));
          return cause === null ? [] : [cause];
        }),
      };
    });
    sides.sort((a, b) => roleRank(a.role) - roleRank(b.role) || a.challengerId.localeCompare(b.challengerId) || a.runId.localeCompare(b.runId));
    const paired = new Set(sides.map((s) => `${s.challengerId}\u0000${s.runId}`));
    // A pair that landed after its unmatched row (a late result) leaves both: the pair wins.
    const unmatched: UnmatchedSide[] = unmatchedRows
      .filter((r) => !paired.has(`${str(r['challenger_id'])}\u0000${str(r['run_id'])}`))
      .map((r) => ({
        challengerId: str(r['challenger_id']),
        role: str(r['role']),
        runId: str(r['run_id']),
        reason: str(r['reason']),
        expiredBy: str(r['expired_by']),
        hasLive: bool(r['has_live']),
        hasResult: bool(r['has_result']),
        eventMs: num(r['event_ms']),
      }));
    const first = pairRows[0];
    return {
      exchangeId,
      exchange:
        first === undefined
          ? null
          : {
              service: str(first['service']),
              environment: str(first['environment']),
              method: str(first['method']),
              route: str(first['route']),
              path: str(first['path']),
              captureMs: num(first['capture_ms']),
            },
      pairs: sides,
      unmatched,
    };
  }

  return { challengers, timeSeries, pairs, pairDetail };
}
