// Reads of resource_samples (migration 70; what @shadow/watch's scraper lands, docs/watch.md) that
// the report, the gate and the dashboard need besides watch's own statistics: which service a
// challenger was scraped for, and both sides' CPU and resident memory over time for the charts.
// Every value from outside is a typed query parameter; the table name is a constant. FINAL: a batch
// the scraper wrote twice must not count twice.
import type { ClickHouse } from '@shadow/clickhouse';
import { toClickHouseError } from '@shadow/clickhouse';
import { AnalysisError } from '../errors.js';

export const RESOURCE_SAMPLES = 'resource_samples';

async function rows<T>(ch: ClickHouse, what: string, query: string, query_params: Record<string, unknown>): Promise<T[]> {
  try {
    return await (await ch.client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  } catch (error) {
    throw new AnalysisError('ANALYSIS_QUERY_FAILED', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const WINDOW = `sample_time >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND sample_time < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')`;

/** The services a challenger's processes were scraped for in the window (without a challenger: any side's), most samples first. */
export async function resourceServices(ch: ClickHouse, q: { challengerId?: string | undefined; window: { fromMs: number; toMs: number } }): Promise<string[]> {
  const who = q.challengerId === undefined ? '1' : `side = 'challenger' AND challenger_id = {challenger:String}`;
  const found = await rows<{ service: string }>(
    ch,
    'read the services of resource_samples',
    `SELECT service FROM ${RESOURCE_SAMPLES} FINAL WHERE ${who} AND ${WINDOW}
GROUP BY service ORDER BY count() DESC, service`,
    { challenger: q.challengerId ?? '', fromMs: Math.floor(q.window.fromMs), toMs: Math.ceil(q.window.toMs) },
  );
  return found.map((r) => r.service);
}

export interface ResourcePoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** CPU seconds per second (process_cpu_seconds_total's rate): per process the bucket mean, summed over processes. */
  cpu: number | null;
  /** Resident memory bytes, likewise. */
  rss: number | null;
}

/** One side's resources over time: live (challengerId '') or one challenger. */
export interface ResourceSeries {
  side: 'live' | 'challenger';
  challengerId: string;
  /** Scraped processes (targets) seen in the window. */
  targets: number;
  points: ResourcePoint[];
}

/**
 * Live's and every challenger's CPU and RSS of `service` over the window, in buckets of `bucketMs`
 * (each process averaged in the bucket, then summed over a side's processes: replicas add up).
 */
export async function resourceTimeSeries(
  ch: ClickHouse,
  q: { service: string; window: { fromMs: number; toMs: number }; bucketMs: number },
): Promise<ResourceSeries[]> {
  const bucketMs = Math.max(1000, Math.round(q.bucketMs));
  const found = await rows<{ side: string; challenger_id: string; t: string | number; metric: string; v: number; targets: string | number }>(
    ch,
    'read resource_samples over time',
    `SELECT side, challenger_id, t, metric, sum(v) AS v, count() AS targets FROM (
  SELECT side, challenger_id, target, metric,
    intDiv(toUnixTimestamp64Milli(sample_time), {bucketMs:Int64}) * {bucketMs:Int64} AS t, avg(value) AS v
  FROM ${RESOURCE_SAMPLES} FINAL
  WHERE service = {service:String} AND ${WINDOW} AND series = ''
    AND ((metric = 'process_cpu_seconds_total' AND kind = 'rate') OR (metric = 'process_resident_memory_bytes' AND kind = 'value'))
  GROUP BY side, challenger_id, target, metric, t
) GROUP BY side, challenger_id, t, metric ORDER BY side DESC, challenger_id, t`,
    { service: q.service, bucketMs, fromMs: Math.floor(q.window.fromMs), toMs: Math.ceil(q.window.toMs) },
  );
  const bySide = new Map<string, ResourceSeries & { byT: Map<number, ResourcePoint> }>();
  for (const r of found) {
    const key = `${r.side}\u0000${r.challenger_id}`;
    let s = bySide.get(key);
    if (s === undefined) {
      s = { side: r.side === 'live' ? 'live' : 'challenger', challengerId: r.challenger_id, targets: 0, points: [], byT: new Map() };
      bySide.set(key, s);
    }
    const t = Number(r.t);
    let p = s.byT.get(t);
    if (p === undefined) {
      p = { t, cpu: null, rss: null };
      s.byT.set(t, p);
      s.points.push(p);
    }
    if (r.metric === 'process_cpu_seconds_total') p.cpu = Number(r.v);
    else p.rss = Number(r.v);
    s.targets = Math.max(s.targets, Number(r.targets));
  }
  return [...bySide.values()].map(({ byT: _byT, ...s }) => s);
}

/** One scraped service's resources over a window, as the dashboard charts them. */
export interface ResourcePanel {
  service: string;
  bucketMs: number;
  series: ResourceSeries[];
}

const isUnknownTable = (error: unknown): boolean => toClickHouseError((error as { cause?: unknown }).cause ?? error).code === 'CH_UNKNOWN_TABLE';

/**
 * Every service scraped in the window with both sides' CPU and RSS over time, in about 60 buckets
 * (at least 1 s). A database without resource_samples (migration 70 not run) has none: [].
 */
export async function resourcePanels(ch: ClickHouse, window: { fromMs: number; toMs: number }): Promise<ResourcePanel[]> {
  const bucketMs = Math.max(1000, Math.ceil((window.toMs - window.fromMs) / 60 / 1000) * 1000);
  try {
    const services = await resourceServices(ch, { window });
    const panels: ResourcePanel[] = [];
    for (const service of services.slice(0, 10)) panels.push({ service, bucketMs, series: await resourceTimeSeries(ch, { service, window, bucketMs }) });
    return panels;
  } catch (error) {
    if (isUnknownTable(error)) return [];
    throw error;
  }
}
