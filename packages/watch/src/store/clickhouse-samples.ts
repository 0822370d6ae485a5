// The scraped samples in ClickHouse: a sink that inserts them into `resource_samples` (migration
// 70, packages/clickhouse/src/schema/resources-migrations.ts) and the reads the statistics and the
// alert rules need, through @shadow/clickhouse's client. Every read uses FINAL: a batch the sink
// wrote twice (a retry after a failed insert) must not count twice in a slope.
import type { ClickHouse } from '@shadow/clickhouse';
import { toWatchError, WatchError } from '../errors.js';
import type { ResourceSample, SampleKind, SampleSink, Side } from '../scrape/types.js';

/** The table migration 70 creates. */
export const RESOURCE_SAMPLES_TABLE = 'resource_samples';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function tableName(name: string | undefined): string {
  const table = name ?? RESOURCE_SAMPLES_TABLE;
  if (!IDENT.test(table))
    throw new WatchError(
      'WATCH_INVALID_ARGUMENT',
      `table must be a table name ([A-Za-z_][A-Za-z0-9_]*, optionally database-qualified); got ${JSON.stringify(table)}`,
    );
  return table;
}

/** The label set in its canonical key form (sorted `k="v"` pairs), the `series` column. */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
}

export interface ClickHouseSampleStoreOptions {
  /** @default resource_samples (unqualified: the client's database) */
  table?: string | undefined;
}

/** A SampleSink inserting into resource_samples. A failed insert rejects (the scraper keeps the batch). */
export function createClickHouseSampleSink(ch: ClickHouse, options: ClickHouseSampleStoreOptions = {}): SampleSink {
  const table = tableName(options.table);
  return {
    async write(samples: readonly ResourceSample[]): Promise<void> {
      if (samples.length === 0) return;
      const values = samples.map((s) => ({
        sample_time: s.timeMs,
        service: s.service,
        side: s.side,
        challenger_id: s.challengerId,
        target: s.target,
        metric: s.metric,
        kind: s.kind,
        series: seriesKey(s.labels),
        labels: s.labels,
        value: s.value,
      }));
      try {
        await ch.client.insert({ table, values, format: 'JSONEachRow' });
      } catch (error) {
        throw toWatchError(error, 'WATCH_STORE_FAILED', `insert into ${table}`);
      }
    },
  };
}

export interface SeriesQuery {
  service: string;
  side: Side;
  /** '' (or absent) for live. */
  challengerId?: string | undefined;
  metric: string;
  kind: SampleKind;
  /** Sample time window, epoch ms, [fromMs, toMs). */
  window: { fromMs: number; toMs: number };
  /** Only series with exactly these labels, e.g. `{ quantile: '0.99' }`. @default {} (the series without labels) */
  labels?: Readonly<Record<string, string>> | undefined;
}

export interface Point {
  readonly t: number;
  readonly v: number;
}

/** One process' series (a replica of a side is its own target). */
export interface TargetSeries {
  readonly target: string;
  readonly points: readonly Point[];
}

export interface ResourceReader {
  /** The points of one metric of one side, per target, in time order. */
  series(query: SeriesQuery): Promise<TargetSeries[]>;
}

/** Reads resource_samples (FINAL: exact before merges). */
export function createClickHouseResourceReader(ch: ClickHouse, options: ClickHouseSampleStoreOptions = {}): ResourceReader {
  const table = tableName(options.table);
  return {
    async series(q: SeriesQuery): Promise<TargetSeries[]> {
      const query = `
SELECT target, toUnixTimestamp64Milli(sample_time) AS t, value AS v
FROM ${table} FINAL
WHERE service = {service:String} AND side = {side:String} AND challenger_id = {challenger:String}
  AND metric = {metric:String} AND kind = {kind:String} AND series = {series:String}
  AND sample_time >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND sample_time < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
ORDER BY target, t`;
      const query_params = {
        service: q.service,
        side: q.side,
        challenger: q.challengerId ?? '',
        metric: q.metric,
        kind: q.kind,
        series: seriesKey(q.labels ?? {}),
        fromMs: Math.floor(q.window.fromMs),
        toMs: Math.ceil(q.window.toMs),
      };
      let rows: { target: string; t: string | number; v: number | string }[];
      try {
        rows = await (await ch.client.query({ query, query_params, format: 'JSONEachRow' })).json();
      } catch (error) {
        throw toWatchError(error, 'WATCH_STORE_FAILED', `read ${table}`);
      }
      const byTarget = new Map<string, Point[]>();
      for (const r of rows) {
        let points = byTarget.get(r.target);
        if (points === undefined) {
          points = [];
          byTarget.set(r.target, points);
        }
        points.push({ t: Number(r.t), v: Number(r.v) });
      }
      return [...byTarget].map(([target, points]) => ({ target, points }));
    },
  };
}
