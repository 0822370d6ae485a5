// The tables the joiner lands and the analysis reads, as versioned migrations. Design notes (why
// these keys) are in docs/tables.md; the short version:
// - Every table is a ReplacingMergeTree whose sorting key is the row's identity (pair key: challenger,
//   run, exchange; plus the path for pair_diffs). The joiner delivers at least once, so a re-read
//   batch inserts the same rows again; merges collapse them and every documented query reads with
//   FINAL (or argMax), so answers are exact before merges too.
// - Keys hold only what a re-delivery reproduces exactly (ids and capture time), never derived labels
//   such as the route template, which a learning templater may name differently after a restart.
// - Daily partitions (toYYYYMMDD of the capture time) keep FINAL cheap: duplicates of one exchange
//   always fall into one partition. Retention counts from landing since migration 40
//   (retention-migrations.ts); version 1 below still shows the capture-time TTLs it replaced.
// - Per-minute aggregates count distinct exchanges (uniqExact of a 64-bit hash), so a duplicate
//   insert, which a materialized view sees as new rows, does not inflate them.
import type { Migration } from './migration.js';
import { ANALYSIS_MIGRATIONS } from './analysis-migrations.js';
import { JUDGE_MIGRATIONS } from './judge-migrations.js';
import { LABELS_MIGRATIONS } from './labels-migrations.js';
import { OUTCOMES_MIGRATIONS } from './outcomes-migrations.js';
import { RUNS_MIGRATIONS } from './runs-migrations.js';
import { RETENTION_MIGRATIONS } from './retention-migrations.js';
import { RESOURCES_MIGRATIONS } from './resources-migrations.js';
import { SANDBOX_MIGRATIONS } from './sandbox-migrations.js';

const pairs = `
CREATE TABLE IF NOT EXISTS pairs (
  exchange_id String,
  challenger_id LowCardinality(String),
  challenger_name LowCardinality(String),
  challenger_role LowCardinality(String),
  run_id String,
  attempt UInt16,
  service LowCardinality(String),
  environment LowCardinality(String),
  capture_time DateTime64(3, 'UTC'),
  replay_time DateTime64(3, 'UTC'),
  joined_time DateTime64(3, 'UTC'),
  route LowCardinality(String),
  method LowCardinality(String),
  path String,
  live_status UInt16,
  shadow_status UInt16,
  live_latency_us UInt64,
  shadow_latency_us UInt64,
  latency_delta_us Int64,
  shadow_error_kind LowCardinality(String),
  status_match Bool,
  headers_match Bool,
  body_match Bool,
  side_effects_match Bool,
  agree Bool,
  real_agree Bool,
  diff_count UInt16,
  real_diff_count UInt16,
  diff_paths Array(String),
  noisy_paths Array(String),
  live_side_effects UInt16,
  shadow_side_effects UInt16,
  side_effects_missing UInt16,
  side_effects_extra UInt16,
  side_effects_different UInt16,
  side_effects_detail String,
  live_body_hash FixedString(16),
  shadow_body_hash FixedString(16),
  live_body_size UInt32,
  shadow_body_size UInt32,
  bodies_kept Bool,
  live_body String CODEC(ZSTD(3)) TTL toDateTime(capture_time) + INTERVAL 7 DAY,
  shadow_body String CODEC(ZSTD(3)) TTL toDateTime(capture_time) + INTERVAL 7 DAY,
  comparator LowCardinality(String),
  verdict LowCardinality(String),
  score Nullable(Float64),
  INDEX idx_exchange exchange_id TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_route route TYPE set(512) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(joined_time)
PARTITION BY toYYYYMMDD(capture_time)
ORDER BY (challenger_id, run_id, toStartOfHour(capture_time), exchange_id)
TTL toDateTime(capture_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1`;

const pairDiffs = `
CREATE TABLE IF NOT EXISTS pair_diffs (
  exchange_id String,
  challenger_id LowCardinality(String),
  challenger_role LowCardinality(String),
  run_id String,
  capture_time DateTime64(3, 'UTC'),
  joined_time DateTime64(3, 'UTC'),
  route LowCardinality(String),
  method LowCardinality(String),
  diff_path String,
  kind LowCardinality(String),
  noisy Bool,
  live_example String,
  shadow_example String
)
ENGINE = ReplacingMergeTree(joined_time)
PARTITION BY toYYYYMMDD(capture_time)
ORDER BY (challenger_id, run_id, toStartOfHour(capture_time), exchange_id, diff_path)
TTL toDateTime(capture_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1`;

const unmatched = `
CREATE TABLE IF NOT EXISTS unmatched (
  exchange_id String,
  challenger_id LowCardinality(String),
  challenger_role LowCardinality(String),
  run_id String,
  reason LowCardinality(String),
  expired_by LowCardinality(String),
  has_live Bool,
  has_result Bool,
  side_effects UInt16,
  event_time DateTime64(3, 'UTC'),
  joined_time DateTime64(3, 'UTC'),
  service LowCardinality(String),
  route LowCardinality(String),
  method LowCardinality(String),
  path String
)
ENGINE = ReplacingMergeTree(joined_time)
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (challenger_id, run_id, exchange_id)
TTL toDateTime(event_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1`;

const pairMinutes = `
CREATE TABLE IF NOT EXISTS pair_minutes (
  minute DateTime('UTC'),
  route LowCardinality(String),
  challenger_id LowCardinality(String),
  challenger_role LowCardinality(String),
  run_id String,
  pairs AggregateFunction(uniqExact, UInt64),
  agreed AggregateFunction(uniqExact, UInt64),
  real_agreed AggregateFunction(uniqExact, UInt64),
  status_mismatches AggregateFunction(uniqExact, UInt64),
  body_mismatches AggregateFunction(uniqExact, UInt64),
  side_effect_mismatches AggregateFunction(uniqExact, UInt64),
  shadow_errors AggregateFunction(uniqExact, UInt64),
  live_latency_us AggregateFunction(quantiles(0.5, 0.9, 0.99), UInt64),
  shadow_latency_us AggregateFunction(quantiles(0.5, 0.9, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (challenger_id, challenger_role, run_id, route, minute)
TTL minute + INTERVAL 180 DAY`;

const pairMinutesView = `
CREATE MATERIALIZED VIEW IF NOT EXISTS pair_minutes_mv TO pair_minutes AS
SELECT
  toStartOfMinute(capture_time) AS minute,
  route,
  challenger_id,
  challenger_role,
  run_id,
  uniqExactState(cityHash64(exchange_id)) AS pairs,
  uniqExactStateIf(cityHash64(exchange_id), agree) AS agreed,
  uniqExactStateIf(cityHash64(exchange_id), real_agree) AS real_agreed,
  uniqExactStateIf(cityHash64(exchange_id), NOT status_match) AS status_mismatches,
  uniqExactStateIf(cityHash64(exchange_id), NOT body_match) AS body_mismatches,
  uniqExactStateIf(cityHash64(exchange_id), NOT side_effects_match) AS side_effect_mismatches,
  uniqExactStateIf(cityHash64(exchange_id), shadow_error_kind != '') AS shadow_errors,
  quantilesState(0.5, 0.9, 0.99)(live_latency_us) AS live_latency_us,
  quantilesState(0.5, 0.9, 0.99)(shadow_latency_us) AS shadow_latency_us
FROM pairs
GROUP BY minute, route, challenger_id, challenger_role, run_id`;

/** The system's tables, oldest first. Run with `migrate(client, SCHEMA_MIGRATIONS)`. */
export const SCHEMA_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'pairs, pair_diffs, unmatched and per-minute aggregates by route and challenger',
    statements: [pairs, pairDiffs, unmatched, pairMinutes, pairMinutesView].map((s) => s.trim()),
  },
  // The analysis layer's gate_runs and views (analysis-migrations.ts), versions 10 and up.
  ...ANALYSIS_MIGRATIONS,
  // Ground truth landed by the joiner's labels ingester (labels-migrations.ts), versions 20 and up.
  ...LABELS_MIGRATIONS,
  // Business outcomes of both sides on the pair row (outcomes-migrations.ts), versions 30 and up.
  ...OUTCOMES_MIGRATIONS,
  // Retention counts from landing, not capture (retention-migrations.ts), versions 40 and up.
  ...RETENTION_MIGRATIONS,
  // Historical runs and what became of live exchanges (runs-migrations.ts), versions 50 and up.
  ...RUNS_MIGRATIONS,
  // Sandbox-induced answer differences on pairs and pair_diffs (sandbox-migrations.ts), versions 60 and up.
  ...SANDBOX_MIGRATIONS,
  // The judge's verdict and audits on pairs (judge-migrations.ts), versions 65 to 69.
  ...JUDGE_MIGRATIONS,
  // Both sides' scraped resources, @shadow/watch (resources-migrations.ts), versions 70 and up.
  ...RESOURCES_MIGRATIONS,
]);

/** Table names the joiner writes, for callers that must not hard-code them. */
export const SCHEMA_TABLES = Object.freeze({
  pairs: 'pairs',
  pairDiffs: 'pair_diffs',
  unmatched: 'unmatched',
  pairMinutes: 'pair_minutes',
} as const);
