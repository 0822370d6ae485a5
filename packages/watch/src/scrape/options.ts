// What the scraper reads and from where, validated once at start-up (zod, every bad field named by
// full path) and frozen.
import { z } from 'zod';
import { deepFreeze, httpUrl, parseConfig } from '../config/problems.js';
import { SIDES } from './types.js';

/** prom-client's default metrics the scraper always reads (unless `defaultMetrics: false`). */
export const DEFAULT_METRICS = Object.freeze([
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
] as const);

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const target = z
  .strictObject({
    /** The /metrics endpoint, http(s), no credentials. */
    url: httpUrl,
    /** `live` or `challenger`. */
    side: z.enum(SIDES),
    /** Service whose traffic the process serves (the tap's service name). */
    service: z.string().regex(NAME, 'must be a name ([A-Za-z0-9][A-Za-z0-9._:-]{0,127})'),
    /** The challenger's id as the replayer names it; required for side challenger, absent for live. */
    challengerId: z.string().regex(NAME, 'must be a challenger id ([A-Za-z0-9][A-Za-z0-9._:-]{0,127})').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.side === 'challenger' && t.challengerId === undefined)
      ctx.addIssue({ code: 'custom', path: ['challengerId'], message: 'required when side is challenger' });
    if (t.side === 'live' && t.challengerId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['challengerId'], message: 'must not be set when side is live' });
  });

const metric = z.strictObject({
  /** Family name as exposed (`http_request_duration_seconds`, `orders_total`). */
  name: z.string().regex(METRIC_NAME, 'must be a Prometheus metric name'),
  /** Histogram only: the quantiles computed from its buckets per scrape interval. @default [0.5, 0.9, 0.99] */
  quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(10).optional(),
  /** Only series whose labels equal these. @default {} (every series) */
  match: z.record(z.string().regex(LABEL_NAME, 'must be a label name'), z.string().max(256)).optional(),
  /**
   * Sum the matching series into one without labels before deriving (counters, gauges, histogram
   * buckets by le), as `sum without (...)` in PromQL: a latency histogram labelled by route gives one
   * quantile for the whole process. @default false
   */
  aggregate: z.boolean().default(false),
});

export const scraperConfigSchema = z.strictObject({
  /** Endpoints to scrape. At least one. */
  targets: z.array(target).min(1).max(256),
  /** Time between the starts of two scrapes. @default 15000 */
  intervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
  /** One scrape longer than this fails (`up` = 0). Must be below intervalMs. @default 5000 */
  timeoutMs: z.number().int().min(50).max(600_000).default(5_000),
  /** An exposition larger than this fails the scrape. @default 8388608 (8 MiB) */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(268_435_456)
    .default(8 * 1024 * 1024),
  /** Read DEFAULT_METRICS. @default true */
  defaultMetrics: z.boolean().default(true),
  /** More metrics by name. @default [] */
  metrics: z.array(metric).max(100).default([]),
  /** Samples kept while the sink fails, oldest dropped beyond (counted, logged). @default 100000 */
  maxBufferedSamples: z.number().int().min(0).max(10_000_000).default(100_000),
});

export type ScraperConfigInput = z.input<typeof scraperConfigSchema>;
export type ScraperConfig = z.output<typeof scraperConfigSchema>;

/** Validates and freezes; throws WatchError WATCH_INVALID_CONFIG naming every bad field (`scrape.targets[1].url: ...`). */
export function resolveScraperConfig(input: unknown, prefix = 'scrape'): ScraperConfig {
  return deepFreeze(
    parseConfig(scraperConfigSchema, input, prefix, 'scrape configuration', (c, problems) => {
      if (c.timeoutMs >= c.intervalMs) problems.push(`${prefix}.timeoutMs: must be below ${prefix}.intervalMs (${c.intervalMs}), got ${c.timeoutMs}`);
      const seen = new Map<string, number>();
      c.targets.forEach((t, i) => {
        const first = seen.get(t.url);
        if (first !== undefined) problems.push(`${prefix}.targets[${i}].url: already scraped by ${prefix}.targets[${first}]`);
        else seen.set(t.url, i);
      });
      const names = new Set<string>(c.defaultMetrics ? DEFAULT_METRICS : []);
      c.metrics.forEach((m, i) => {
        if (names.has(m.name))
          problems.push(
            `${prefix}.metrics[${i}].name: ${m.name} is already read${(DEFAULT_METRICS as readonly string[]).includes(m.name) ? ' (a default metric)' : ''}`,
          );
        names.add(m.name);
      });
    }),
  );
}
