// Scrapes the Prometheus endpoints of live and of each challenger every `intervalMs` and hands the
// derived samples to a sink. A counter becomes a rate and a histogram a quantile only between two
// scrapes of the same process, so the first scrape of a target yields its gauges and `up` only.
//
// A target that fails (refused, timeout, not 200, oversized, malformed) yields `up = 0` and nothing
// else for that scrape; the other targets are unaffected. A sink that fails keeps the batch and the
// next tick writes it again with its own (bounded by maxBufferedSamples, oldest dropped and
// counted): ClickHouse being away for a minute loses no sample.
import { request, type Dispatcher } from 'undici';
import { errorMessage, WatchError } from '../errors.js';
import type { WatchLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { histogramQuantile, type Bucket } from './histogram.js';
import { DEFAULT_METRICS, resolveScraperConfig, type ScraperConfig, type ScraperConfigInput } from './options.js';
import { parseFloatStrict, parsePrometheusText, type MetricFamily, type MetricSample } from './prometheus-text.js';
import type { ResourceSample, SampleSink, ScrapeResult, Side } from './types.js';

const DEFAULT_QUANTILES = [0.5, 0.9, 0.99];

export interface ScraperHooks {
  /** After each scrape of each target. */
  onScrape?(result: ScrapeResult): void;
  /** A sink write failed; `buffered` samples wait for the next tick. */
  onSinkError?(error: unknown, buffered: number): void;
  /** Samples dropped because the buffer was full while the sink failed. */
  onDropped?(count: number): void;
}

export interface ScraperOptions {
  /** Targets, interval, metrics: validated here (resolveScraperConfig) unless already resolved. */
  config: ScraperConfigInput | ScraperConfig;
  sink: SampleSink;
  /** @default silent */
  logger?: WatchLogger | undefined;
  hooks?: ScraperHooks | undefined;
  /** Clock, epoch ms. @default Date.now */
  now?: (() => number) | undefined;
  /** undici dispatcher for the scrapes (tests, proxies). @default undici's global one */
  dispatcher?: Dispatcher | undefined;
}

export interface Scraper {
  readonly config: ScraperConfig;
  /** Scrapes every target now and writes to the sink; resolves with one result per target. */
  scrapeOnce(): Promise<ScrapeResult[]>;
  /** Scrapes now and then every intervalMs until close(). */
  start(): void;
  /** Samples waiting for the sink. */
  readonly buffered: number;
  /** Stops the loop, waits for a scrape under way and tries the sink once more with what is buffered. */
  close(): Promise<void>;
}

interface Target {
  readonly url: string;
  readonly id: string;
  readonly side: Side;
  readonly service: string;
  readonly challengerId: string;
}

interface Wanted {
  readonly quantiles: readonly number[];
  readonly match: Readonly<Record<string, string>>;
  readonly aggregate: boolean;
}

function targetId(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function matches(labels: Readonly<Record<string, string>>, match: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  return true;
}

async function fetchText(url: string, timeoutMs: number, maxBytes: number, dispatcher: Dispatcher | undefined): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await request(url, {
    method: 'GET',
    headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
    signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => undefined);
    throw new WatchError('WATCH_SCRAPE_FAILED', `HTTP ${response.statusCode}`, { retriable: response.statusCode >= 500 });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new WatchError('WATCH_SCRAPE_FAILED', `exposition larger than maxBodyBytes (${maxBytes})`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The samples summed per sample name (and `le` for buckets), other labels dropped. */
function sumSeries(samples: readonly MetricSample[]): MetricSample[] {
  const sums = new Map<string, MetricSample>();
  for (const s of samples) {
    const labels: Record<string, string> = s.labels['le'] === undefined ? {} : { le: s.labels['le'] };
    const key = `${s.name}\u0000${labels['le'] ?? ''}`;
    const prev = sums.get(key);
    sums.set(key, { name: s.name, labels, value: (prev?.value ?? 0) + s.value });
  }
  return [...sums.values()];
}

/** The scraper; `start()` it, or call `scrapeOnce()` on your own schedule. */
export function createScraper(options: ScraperOptions): Scraper {
  const config = resolveScraperConfig(options.config);
  const logger = options.logger ?? silentLogger;
  const hooks = options.hooks ?? {};
  const now = options.now ?? Date.now;
  const targets: Target[] = config.targets.map((t) => ({
    url: t.url,
    id: targetId(t.url),
    side: t.side,
    service: t.service,
    challengerId: t.challengerId ?? '',
  }));
  const wanted = new Map<string, Wanted>();
  if (config.defaultMetrics) for (const name of DEFAULT_METRICS) wanted.set(name, { quantiles: DEFAULT_QUANTILES, match: {}, aggregate: false });
  for (const m of config.metrics) wanted.set(m.name, { quantiles: m.quantiles ?? DEFAULT_QUANTILES, match: m.match ?? {}, aggregate: m.aggregate });

  // Previous counter values and histogram buckets, per target and series.
  const counters = new Map<string, { t: number; v: number }>();
  const histograms = new Map<string, { t: number; buckets: Map<number, number> }>();
  let buffer: ResourceSample[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<ScrapeResult[]> | undefined;
  let closed = false;
  let started = false;

  function derive(target: Target, t: number, families: readonly MetricFamily[]): ResourceSample[] {
    const out: ResourceSample[] = [];
    const row = (metric: string, kind: ResourceSample['kind'], labels: Readonly<Record<string, string>>, value: number): void => {
      out.push({ timeMs: t, service: target.service, side: target.side, challengerId: target.challengerId, target: target.id, metric, kind, labels, value });
    };
    for (const family of families) {
      const want = wanted.get(family.name);
      if (want === undefined) continue;
      const matching = family.samples.filter((s) => matches(s.labels, want.match));
      const samples = want.aggregate ? sumSeries(matching) : matching;
      if (family.type === 'counter') {
        for (const s of samples) {
          const key = `${target.url}\u0000${s.name}\u0000${labelsKey(s.labels)}`;
          const prev = counters.get(key);
          counters.set(key, { t, v: s.value });
          if (prev === undefined || t <= prev.t || !Number.isFinite(s.value)) continue;
          // A counter below its previous value was reset (the process restarted): it counted from 0.
          const increase = s.value >= prev.v ? s.value - prev.v : s.value;
          row(family.name, 'rate', s.labels, increase / ((t - prev.t) / 1000));
        }
      } else if (family.type === 'histogram') {
        const series = new Map<string, { labels: Record<string, string>; buckets: Map<number, number> }>();
        for (const s of samples) {
          if (s.name !== `${family.name}_bucket`) continue;
          const { le, ...rest } = s.labels;
          const bound = parseFloatStrict(le ?? '');
          if (bound === undefined) continue;
          const key = labelsKey(rest);
          let entry = series.get(key);
          if (entry === undefined) {
            entry = { labels: rest, buckets: new Map() };
            series.set(key, entry);
          }
          entry.buckets.set(bound, s.value);
        }
        for (const [key, { labels, buckets }] of series) {
          const stateKey = `${target.url}\u0000${family.name}\u0000${key}`;
          const prev = histograms.get(stateKey);
          histograms.set(stateKey, { t, buckets });
          if (prev === undefined) continue;
          const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
          const reset = total < (prev.buckets.get(Number.POSITIVE_INFINITY) ?? 0);
          const delta: Bucket[] = [...buckets].map(([le, count]) => ({ le, count: reset ? count : count - (prev.buckets.get(le) ?? 0) }));
          for (const q of want.quantiles) {
            const value = histogramQuantile(q, delta);
            if (value !== null) row(family.name, 'quantile', { ...labels, quantile: String(q) }, value);
          }
        }
      } else {
        // gauge, untyped: the value; summary: its quantile samples as exposed (over the process' life).
        for (const s of samples as MetricSample[]) {
          if (family.type === 'summary' && s.name !== family.name) continue;
          if (Number.isFinite(s.value)) row(family.name, 'value', s.labels, s.value);
        }
      }
    }
    return out;
  }

  async function scrapeTarget(target: Target): Promise<{ result: ScrapeResult; samples: ResourceSample[] }> {
    const t = now();
    const started = performance.now();
    const base = { target: target.id, side: target.side, challengerId: target.challengerId, service: target.service };
    const up = (value: 0 | 1): ResourceSample => ({
      timeMs: t,
      service: target.service,
      side: target.side,
      challengerId: target.challengerId,
      target: target.id,
      metric: 'up',
      kind: 'up',
      labels: {},
      value,
    });
    try {
      const text = await fetchText(target.url, config.timeoutMs, config.maxBodyBytes, options.dispatcher);
      const samples = [...derive(target, t, parsePrometheusText(text)), up(1)];
      return { result: { ...base, ok: true, durationMs: performance.now() - started, samples: samples.length }, samples };
    } catch (error) {
      const why =
        (error as { name?: string }).name === 'TimeoutError' || (error as { name?: string }).name === 'AbortError'
          ? `timeout after ${config.timeoutMs} ms`
          : errorMessage(error);
      logger.warn({ target: target.id, side: target.side, challengerId: target.challengerId, err: why }, 'scrape failed');
      return { result: { ...base, ok: false, durationMs: performance.now() - started, samples: 1, error: why }, samples: [up(0)] };
    }
  }

  async function flush(): Promise<void> {
    if (buffer.length === 0) return;
    const batch = buffer;
    try {
      await options.sink.write(batch);
      buffer = buffer.slice(batch.length);
    } catch (error) {
      if (buffer.length > config.maxBufferedSamples) {
        const dropped = buffer.length - config.maxBufferedSamples;
        buffer = buffer.slice(dropped);
        logger.error({ dropped, buffered: buffer.length }, 'resource samples dropped: the sink has failed for too long');
        hooks.onDropped?.(dropped);
      }
      logger.error({ err: errorMessage(error), buffered: buffer.length }, 'resource samples not stored; kept for the next scrape');
      hooks.onSinkError?.(error, buffer.length);
    }
  }

  async function tick(): Promise<ScrapeResult[]> {
    const scraped = await Promise.all(targets.map(scrapeTarget));
    for (const s of scraped) {
      buffer.push(...s.samples);
      hooks.onScrape?.(s.result);
    }
    await flush();
    return scraped.map((s) => s.result);
  }

  function scrapeOnce(): Promise<ScrapeResult[]> {
    if (closed) return Promise.reject(new WatchError('WATCH_INVALID_ARGUMENT', 'the scraper is closed'));
    // One scrape at a time: rates need the previous scrape to have finished.
    const next = (running ?? Promise.resolve([])).catch(() => []).then(tick);
    running = next;
    return next;
  }

  function schedule(startedAt: number): void {
    if (closed) return;
    const elapsed = now() - startedAt;
    // An overrun skips the slots it missed rather than scraping twice in a row.
    const wait = config.intervalMs - (elapsed % config.intervalMs);
    timer = setTimeout(() => {
      const at = now();
      void scrapeOnce().finally(() => schedule(at));
    }, wait);
  }

  return {
    config,
    scrapeOnce,
    start(): void {
      if (closed || started) return;
      started = true;
      const at = now();
      void scrapeOnce().finally(() => schedule(at));
    },
    get buffered(): number {
      return buffer.length;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
      await flush();
    },
  };
}
