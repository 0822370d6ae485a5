// What the joiner records about replays, beyond the pairs (docs/tables.md "runs", "capture_minutes";
// docs/joiner.md "What unmatched means"). Versions 50 and up; kept in its own file so each owner
// edits one file, appended to SCHEMA_MIGRATIONS.
//
// - runs: one row per (historical run, session, exchanges partition), landed from the replayer's
//   run_started / run_ended records on the progress topic. stage 1 = the session started; stage 2 =
//   the session ended AND every result it produced on that partition has landed (the joiner drained
//   it). ReplacingMergeTree(stage) keeps the furthest stage whatever order re-deliveries land in; a
//   run is fully landed when its last session has stage 2 on all of its `partitions`. Few rows (one
//   per partition per session): never expired, like gate_runs.
// - capture_minutes: per service, challenger and capture minute, how many live exchanges the joiner
//   saw and what became of each for the challenger: replayed (a result arrived), no_result (a
//   replayer passed it and sent it, no result: the only case that is also an `unmatched` row),
//   sampled_out (a replayer passed it and did not send it to this challenger), not_replayed (no
//   replayer passed it: none running, paused, or lagging past the join window). Counted as distinct
//   exchanges (uniqExact of a 64-bit hash), so a re-delivered batch does not inflate them. The joiner
//   inserts one row per (exchange, challenger) into capture_events, a Null table (nothing stored):
//   the materialized view keeps only the per-minute states. Expires like pair_minutes, 180 days after
//   the latest landing in the row (landed_time, filled by the server).
import type { ClickHouseClient } from '@clickhouse/client';
import type { Migration } from './migration.js';

const runs = `
CREATE TABLE IF NOT EXISTS {database}.runs (
  run_id String,
  session_id String,
  partition UInt16,
  stage UInt8,
  state LowCardinality(String),
  replayer String,
  window_from DateTime64(3, 'UTC'),
  window_to DateTime64(3, 'UTC'),
  speed LowCardinality(String),
  ordering LowCardinality(String),
  sampling String,
  max_concurrency UInt32,
  partitions UInt16,
  resumed Bool,
  challengers Array(String),
  challenger_roles Array(LowCardinality(String)),
  replayed Array(UInt64),
  failed Array(UInt64),
  exchanges UInt64,
  outside_window UInt64,
  sampled_out UInt64,
  dead_lettered UInt64,
  results_end_offset Int64,
  produced_time DateTime64(3, 'UTC'),
  landed_time DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(stage)
ORDER BY (run_id, session_id, partition)`;

const captureEvents = `
CREATE TABLE IF NOT EXISTS {database}.capture_events (
  exchange_id String,
  service LowCardinality(String),
  challenger_id LowCardinality(String),
  capture_time DateTime64(3, 'UTC'),
  status LowCardinality(String)
)
ENGINE = Null`;

const captureMinutes = `
CREATE TABLE IF NOT EXISTS {database}.capture_minutes (
  minute DateTime('UTC'),
  service LowCardinality(String),
  challenger_id LowCardinality(String),
  seen AggregateFunction(uniqExact, UInt64),
  replayed AggregateFunction(uniqExact, UInt64),
  no_result AggregateFunction(uniqExact, UInt64),
  sampled_out AggregateFunction(uniqExact, UInt64),
  not_replayed AggregateFunction(uniqExact, UInt64),
  landed_time SimpleAggregateFunction(max, DateTime('UTC')) DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (service, challenger_id, minute)
TTL landed_time + INTERVAL 180 DAY`;

const captureMinutesView = `
CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.capture_minutes_mv TO {database}.capture_minutes AS
SELECT
  toStartOfMinute(capture_time) AS minute,
  service,
  challenger_id,
  uniqExactState(cityHash64(exchange_id)) AS seen,
  uniqExactStateIf(cityHash64(exchange_id), status = 'replayed') AS replayed,
  uniqExactStateIf(cityHash64(exchange_id), status = 'no_result') AS no_result,
  uniqExactStateIf(cityHash64(exchange_id), status = 'sampled_out') AS sampled_out,
  uniqExactStateIf(cityHash64(exchange_id), status = 'not_replayed') AS not_replayed,
  max(now()) AS landed_time
FROM {database}.capture_events
GROUP BY minute, service, challenger_id`;

/** Tables these migrations create. */
export const RUNS_TABLES = Object.freeze({ runs: 'runs', captureEvents: 'capture_events', captureMinutes: 'capture_minutes' } as const);

/** What became of a live exchange for one challenger (capture_events.status). */
export const CAPTURE_STATUSES = ['replayed', 'no_result', 'sampled_out', 'not_replayed'] as const;
export type CaptureStatus = (typeof CAPTURE_STATUSES)[number];

export const RUNS_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 50,
    name: 'runs (historical runs by session and partition, drained when landed); capture_minutes (live exchanges by what became of them, per challenger)',
    statements: [runs, captureEvents, captureMinutes, captureMinutesView].map((s) => s.trim()),
  },
]);

/** What `summarizeRun` says about one historical run (docs/tables.md "runs"). */
export interface RunSummary {
  readonly runId: string;
  /** Sessions of the run the joiner saw start (a resumed run has several); 0: none yet. */
  readonly sessions: number;
  /** The last session's state: running, completed or interrupted; `unknown` when no session is recorded. */
  readonly state: string;
  /** Exchanges-topic partitions of the last session, and how many of them the joiner drained. */
  readonly partitions: number;
  readonly drainedPartitions: number;
  /** The last session completed and every one of its results landed: pairs and unmatched rows are final. */
  readonly landed: boolean;
  readonly windowFromMs: number | null;
  readonly windowToMs: number | null;
  /** The replayer's counts, summed over sessions (a resumed run may count its overlap twice). */
  readonly exchanges: number;
  readonly outsideWindow: number;
  readonly sampledOut: number;
  readonly deadLettered: number;
  readonly challengers: readonly RunChallengerSummary[];
}

export interface RunChallengerSummary {
  readonly id: string;
  readonly role: string;
  /** Exchanges the replayer sent it (summed over sessions). */
  readonly replayed: number;
  /** Of those, answered with an errorKind. */
  readonly failed: number;
  /** Distinct exchanges with a pair row. */
  readonly paired: number;
  /** Distinct exchanges still unmatched (no pair), by reason. */
  readonly unmatched: Readonly<Record<string, number>>;
}

// One row per session; summed in code (plain aggregates only, so the query also passes the read-only
// endpoint's function allow list).
const RUN_SESSIONS_QUERY = `
SELECT session_id,
  countIf(stage = 2) AS drained,
  any(partitions) AS parts,
  argMax(state, stage) AS st,
  toUnixTimestamp64Milli(min(produced_time)) AS started,
  toUnixTimestamp64Milli(min(window_from)) AS from_ms,
  toUnixTimestamp64Milli(max(window_to)) AS to_ms,
  argMax(challengers, stage) AS ids,
  argMax(challenger_roles, stage) AS roles,
  argMax(replayed, stage) AS sent,
  argMax(failed, stage) AS errs,
  argMax(exchanges, stage) AS ex,
  argMax(outside_window, stage) AS outside,
  argMax(sampled_out, stage) AS sampled,
  argMax(dead_lettered, stage) AS dead
FROM (SELECT * FROM runs FINAL WHERE run_id = {runId:String})
GROUP BY session_id
ORDER BY started`;

interface SessionRow {
  session_id: string;
  drained: string;
  parts: number;
  st: string;
  started: string;
  from_ms: string;
  to_ms: string;
  ids: string[];
  roles: string[];
  sent: (string | number)[];
  errs: (string | number)[];
  ex: string;
  outside: string;
  sampled: string;
  dead: string;
}

const RUN_PAIRS_QUERY = `
SELECT challenger_id AS id, any(challenger_role) AS role, uniqExact(exchange_id) AS n
FROM pairs WHERE run_id = {runId:String} GROUP BY challenger_id`;

const RUN_UNMATCHED_QUERY = `
SELECT challenger_id AS id, reason, uniqExact(exchange_id) AS n
FROM unmatched FINAL
WHERE run_id = {runId:String}
  AND (exchange_id, challenger_id) NOT IN (SELECT exchange_id, challenger_id FROM pairs WHERE run_id = {runId:String})
GROUP BY challenger_id, reason`;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * One historical run: the replayer's own account (`runs`, landed by the joiner from the progress
 * topic) next to what landed (`pairs`, `unmatched`), per challenger. Exact before merges (FINAL,
 * distinct exchange counts). `landed` says the numbers are final: the last session completed and
 * the joiner drained every partition of it. Unqualified table names: the client's database.
 */
export async function summarizeRun(client: ClickHouseClient, runId: string): Promise<RunSummary> {
  const read = async <T>(query: string): Promise<T[]> => (await client.query({ query, query_params: { runId }, format: 'JSONEachRow' })).json<T>();
  const [sessions, pairs, unmatched] = await Promise.all([
    read<SessionRow>(RUN_SESSIONS_QUERY),
    read<{ id: string; role: string; n: string }>(RUN_PAIRS_QUERY),
    read<{ id: string; reason: string; n: string }>(RUN_UNMATCHED_QUERY),
  ]);
  const last = sessions[sessions.length - 1];
  const byId = new Map<string, { id: string; role: string; replayed: number; failed: number; paired: number; unmatched: Record<string, number> }>();
  const entry = (id: string, role = ''): { id: string; role: string; replayed: number; failed: number; paired: number; unmatched: Record<string, number> } => {
    let e = byId.get(id);
    if (e === undefined) {
      e = { id, role, replayed: 0, failed: 0, paired: 0, unmatched: {} };
      byId.set(id, e);
    }
    if (e.role === '' && role !== '') e.role = role;
    return e;
  };
  for (const s of sessions) {
    s.ids.forEach((id, i) => {
      const e = entry(id, s.roles[i] ?? '');
      e.replayed += num(s.sent[i]);
      e.failed += num(s.errs[i]);
    });
  }
  for (const p of pairs) entry(p.id, p.role).paired = num(p.n);
  for (const u of unmatched) entry(u.id).unmatched[u.reason] = num(u.n);
  const sum = (f: (s: SessionRow) => unknown): number => sessions.reduce((n, s) => n + num(f(s)), 0);
  const state = last === undefined ? 'unknown' : last.st;
  const partitions = num(last?.parts);
  const drained = num(last?.drained);
  return {
    runId,
    sessions: sessions.length,
    state,
    partitions,
    drainedPartitions: drained,
    landed: state === 'completed' && partitions > 0 && drained >= partitions,
    windowFromMs: sessions.length === 0 ? null : Math.min(...sessions.map((s) => num(s.from_ms))),
    windowToMs: sessions.length === 0 ? null : Math.max(...sessions.map((s) => num(s.to_ms))),
    exchanges: sum((s) => s.ex),
    outsideWindow: sum((s) => s.outside),
    sampledOut: sum((s) => s.sampled),
    deadLettered: sum((s) => s.dead),
    challengers: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/**
 * The run for a terminal: one line with the window's exchanges and, summed over the challengers,
 * replayed / paired / unmatched by reason, then one line per challenger:
 * `run R (landed): 140 exchanges in the window; 2 challengers: replayed 280, paired 280, unmatched 0`.
 */
export function formatRunSummary(s: RunSummary): string {
  const total = (u: Readonly<Record<string, number>>): number => Object.values(u).reduce((a, b) => a + b, 0);
  const reasons = (u: Readonly<Record<string, number>>): string =>
    total(u) === 0
      ? ''
      : ` (${Object.entries(u)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ')})`;
  const all: Record<string, number> = {};
  for (const c of s.challengers) for (const [r, n] of Object.entries(c.unmatched)) all[r] = (all[r] ?? 0) + n;
  const sum = (f: (c: RunChallengerSummary) => number): number => s.challengers.reduce((n, c) => n + f(c), 0);
  const state = s.landed
    ? 'landed'
    : s.state === 'unknown'
      ? 'not recorded by the joiner yet'
      : `${s.state}, ${s.drainedPartitions} of ${s.partitions} partitions landed`;
  const extra = [
    s.outsideWindow > 0 ? `${s.outsideWindow} read outside it` : '',
    s.sampledOut > 0 ? `${s.sampledOut} sampled out` : '',
    s.deadLettered > 0 ? `${s.deadLettered} dead-lettered` : '',
  ].filter((x) => x !== '');
  return [
    `run ${s.runId} (${state}): ${s.exchanges} exchanges in the window${extra.length > 0 ? ` (${extra.join(', ')})` : ''}; ${s.challengers.length} challenger${s.challengers.length === 1 ? '' : 's'}: replayed ${sum((c) => c.replayed)}, paired ${sum((c) => c.paired)}, unmatched ${total(all)}${reasons(all)}`,
    ...s.challengers.map(
      (c) =>
        `  ${c.id}${c.role === '' ? '' : ` (${c.role})`}: replayed ${c.replayed}${c.failed > 0 ? ` (${c.failed} with an error)` : ''}, paired ${c.paired}, unmatched ${total(c.unmatched)}${reasons(c.unmatched)}`,
    ),
  ].join('\n');
}
