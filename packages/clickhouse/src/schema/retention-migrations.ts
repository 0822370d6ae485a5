// Migration 40: retention counts from when a row LANDED, not from when its traffic was captured.
// Until now every table expired rows by capture time (pairs, pair_diffs: capture_time; unmatched:
// event_time; pair_minutes: minute; labels: observed_time), so a replay of traffic older than 30
// days landed nothing, one older than 7 days landed pairs without their bodies, and a test that
// seeded pairs at a fixed date failed once the date was a month old. Each table now expires by the
// time it was written:
// - pairs, pair_diffs, unmatched: joined_time (set by the joiner when it builds the rows);
// - pair_minutes: a new landed_time, max over the merged rows, filled by the server at insert
//   (DEFAULT now(); the materialized view does not name it), so an aggregate lives as long after
//   its latest landing. Rows written before this migration read now() until a merge stores it,
//   so they get a full retention from the upgrade;
// - labels: landed_time (set by the ingester).
// A CHECK constraint on each table the joiner writes refuses, at insert, a row whose landing time is
// already past retention (only a clock far behind the server's, or a writer setting old landing
// times, can produce one): the insert fails loudly instead of landing rows that vanish at the next
// merge. pair_minutes needs none: its landing time is the server's own clock.
//
// The values here are the documented defaults (30 days for rows, 7 for kept bodies, 180 for
// aggregates, 90 for labels). `migrate(..., { retention })` changes them afterwards (retention.ts);
// these statements are frozen like every applied migration (a checksum guards them), which is why
// they are written out rather than built by retention.ts.
//
// Partitions stay by capture day (toYYYYMMDD(capture_time)): every copy of a re-delivered row must
// fall in one partition for ReplacingMergeTree to collapse it. With ttl_only_drop_parts = 1 a part is
// dropped once ALL its rows are past retention, so rows of a capture day that keeps receiving
// landings (a fixed day replayed again and again) merge with newer rows and live as long as the
// newest of their part: retention is a minimum. Changing a TTL rewrites the TTL information of the
// existing parts (a mutation, one per table; see docs/tables.md "Retention").
import type { Migration } from './migration.js';

export const RETENTION_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 40,
    name: 'retention counts from landing: TTL by joined_time/landed_time, pair_minutes.landed_time, landing checks',
    statements: [
      // Three TTL changes on the biggest table, one rewrite of its TTL information (not three).
      'ALTER TABLE {database}.pairs MODIFY TTL toDateTime(joined_time) + INTERVAL 30 DAY SETTINGS materialize_ttl_after_modify = 0',
      'ALTER TABLE {database}.pairs MODIFY COLUMN live_body TTL toDateTime(joined_time) + INTERVAL 7 DAY SETTINGS materialize_ttl_after_modify = 0',
      'ALTER TABLE {database}.pairs MODIFY COLUMN shadow_body TTL toDateTime(joined_time) + INTERVAL 7 DAY SETTINGS materialize_ttl_after_modify = 0',
      'ALTER TABLE {database}.pairs MATERIALIZE TTL',
      'ALTER TABLE {database}.pair_diffs MODIFY TTL toDateTime(joined_time) + INTERVAL 30 DAY',
      'ALTER TABLE {database}.unmatched MODIFY TTL toDateTime(joined_time) + INTERVAL 30 DAY',
      "ALTER TABLE {database}.pair_minutes ADD COLUMN IF NOT EXISTS landed_time SimpleAggregateFunction(max, DateTime('UTC')) DEFAULT now()",
      'ALTER TABLE {database}.pair_minutes MODIFY TTL landed_time + INTERVAL 180 DAY',
      'ALTER TABLE {database}.labels MODIFY TTL toDateTime(landed_time) + INTERVAL 90 DAY',
      'ALTER TABLE {database}.pairs ADD CONSTRAINT IF NOT EXISTS landed_within_retention CHECK joined_time > now() - INTERVAL 30 DAY AND (NOT bodies_kept OR joined_time > now() - INTERVAL 7 DAY)',
      'ALTER TABLE {database}.pair_diffs ADD CONSTRAINT IF NOT EXISTS landed_within_retention CHECK joined_time > now() - INTERVAL 30 DAY',
      'ALTER TABLE {database}.unmatched ADD CONSTRAINT IF NOT EXISTS landed_within_retention CHECK joined_time > now() - INTERVAL 30 DAY',
      'ALTER TABLE {database}.labels ADD CONSTRAINT IF NOT EXISTS landed_within_retention CHECK landed_time > now() - INTERVAL 90 DAY',
    ],
  },
]);
