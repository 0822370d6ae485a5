// What @shadow/watch scrapes from the Prometheus endpoints of live and of each challenger while a
// shadow run goes on (docs/watch.md): CPU as a rate, resident memory, heap, event-loop lag and any
// metric named in its config, one row per scraped value. Versions 70 and up; kept in its own file
// so each owner edits one file, appended to SCHEMA_MIGRATIONS.
//
// - resource_samples: ReplacingMergeTree keyed by the sample's identity (service, side, challenger,
//   metric, kind, target, series = the canonical label set, sample time). A scrape batch the sink
//   writes again after a failed insert lands the same rows again; merges collapse them and the
//   reads use FINAL, so a re-delivery never doubles a point of a series (which would bend the
//   slope of memory growth). `labels` holds the same label set as a map for queries; `series` is
//   its key form because a Map cannot be part of a sorting key.
// - Retention counts from landing (as migration 40 made it for every other table): landed_time is
//   filled by the server at insert (DEFAULT now64(3)), the version of the replacing engine, and the
//   TTL counts 30 days from it. Partitions by sample day keep every copy of a row in one partition.
import type { Migration } from './migration.js';

const resourceSamples = `
CREATE TABLE IF NOT EXISTS {database}.resource_samples (
  sample_time DateTime64(3, 'UTC'),
  service LowCardinality(String),
  side LowCardinality(String),
  challenger_id LowCardinality(String),
  target LowCardinality(String),
  metric LowCardinality(String),
  kind LowCardinality(String),
  series String,
  labels Map(LowCardinality(String), String),
  value Float64,
  landed_time DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(landed_time)
PARTITION BY toYYYYMMDD(sample_time)
ORDER BY (service, side, challenger_id, metric, kind, target, series, sample_time)
TTL toDateTime(landed_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1`;

/** Tables these migrations create. */
export const RESOURCES_TABLES = Object.freeze({ resourceSamples: 'resource_samples' } as const);

export const RESOURCES_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 70,
    name: "resource_samples (both sides' scraped CPU, memory and named metrics, keyed by series and time, expiring 30 days after landing)",
    statements: [resourceSamples.trim()],
  },
]);
