// The analysis layer's objects (owned by @shadow/analysis; see docs/analysis-sql.md): the audit
// trail of gate runs and the views that make analysts' common questions one-liners. Kept apart from
// the joiner's tables so each owner edits one file; appended to SCHEMA_MIGRATIONS after them.
//
// - gate_runs: one row per `shadow gate` run, never expired (the trail a promotion or a rollback
//   starts from). ReplacingMergeTree on the run id so a retried insert of the same run collapses.
// - Views read `pairs` de-duplicated exactly like the report: one row per (challenger, run,
//   exchange), the latest landed (argMax by joined_time, the table's version column), which is what
//   FINAL returns, whether or not merges ran. Tables are qualified
//   with {database} so a view never depends on the connection that queries it.
import type { Migration } from './migration.js';

const gateRuns = `
CREATE TABLE IF NOT EXISTS {database}.gate_runs (
  run_id String,
  at DateTime64(3, 'UTC'),
  by String,
  challenger_id LowCardinality(String),
  replay_run_id String,
  window_from Nullable(DateTime64(3, 'UTC')),
  window_to Nullable(DateTime64(3, 'UTC')),
  criteria_sha256 String,
  criteria_source String,
  verdict LowCardinality(String),
  exit_code UInt8,
  verdict_json String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree
ORDER BY (challenger_id, at, run_id)`;

const pairsLatest = `
CREATE VIEW IF NOT EXISTS {database}.v_pairs_latest AS
SELECT
  challenger_id,
  run_id,
  exchange_id,
  capture_time,
  argMax(challenger_name, v) AS challenger_name,
  argMax(challenger_role, v) AS challenger_role,
  argMax(attempt, v) AS attempt,
  argMax(service, v) AS service,
  argMax(route, v) AS route,
  argMax(method, v) AS method,
  argMax(path, v) AS path,
  argMax(live_status, v) AS live_status,
  argMax(shadow_status, v) AS shadow_status,
  argMax(live_latency_us, v) AS live_latency_us,
  argMax(shadow_latency_us, v) AS shadow_latency_us,
  argMax(shadow_error_kind, v) AS shadow_error_kind,
  argMax(status_match, v) AS status_match,
  argMax(headers_match, v) AS headers_match,
  argMax(body_match, v) AS body_match,
  argMax(side_effects_match, v) AS side_effects_match,
  argMax(agree, v) AS agree,
  argMax(real_agree, v) AS real_agree,
  argMax(diff_paths, v) AS diff_paths,
  argMax(noisy_paths, v) AS noisy_paths,
  argMax(side_effects_detail, v) AS side_effects_detail,
  argMax(verdict, v) AS verdict,
  max(v) AS joined_time
FROM (SELECT *, joined_time AS v FROM {database}.pairs)
GROUP BY challenger_id, run_id, exchange_id, capture_time`;

const routeSummary = `
CREATE VIEW IF NOT EXISTS {database}.v_route_summary AS
SELECT
  challenger_id,
  run_id,
  method,
  route,
  count() AS pairs,
  countIf(real_agree) AS agreed,
  round(countIf(real_agree) / count(), 4) AS agreement,
  countIf(live_status = 0 OR live_status >= 500) AS live_errors,
  countIf(shadow_status = 0 OR shadow_status >= 500 OR shadow_error_kind != '') AS candidate_errors,
  countIf(NOT status_match) AS status_mismatches,
  countIf(NOT side_effects_match) AS side_effect_mismatches,
  quantileExactIf(0.5)(live_latency_us / 1000, live_status > 0) AS live_p50_ms,
  quantileExactIf(0.99)(live_latency_us / 1000, live_status > 0) AS live_p99_ms,
  quantileExactIf(0.5)(shadow_latency_us / 1000, shadow_status > 0 AND shadow_error_kind = '') AS candidate_p50_ms,
  quantileExactIf(0.99)(shadow_latency_us / 1000, shadow_status > 0 AND shadow_error_kind = '') AS candidate_p99_ms,
  min(capture_time) AS first_capture,
  max(capture_time) AS last_capture
FROM {database}.v_pairs_latest
GROUP BY challenger_id, run_id, method, route`;

const topDiffPaths = `
CREATE VIEW IF NOT EXISTS {database}.v_top_diff_paths AS
SELECT
  challenger_id,
  run_id,
  method,
  route,
  diff_path,
  has(noisy_paths, diff_path) AS noisy,
  count() AS pairs,
  min(exchange_id) AS example_exchange_id
FROM {database}.v_pairs_latest
ARRAY JOIN arrayDistinct(diff_paths) AS diff_path
GROUP BY challenger_id, run_id, method, route, diff_path, noisy`;

/** The analysis layer's migrations; versions start at 10 so the joiner's tables keep 1..9. */
export const ANALYSIS_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 10,
    name: 'gate_runs audit table; analyst views v_pairs_latest, v_route_summary, v_top_diff_paths',
    statements: [gateRuns, pairsLatest, routeSummary, topDiffPaths].map((s) => s.trim()),
  },
]);
