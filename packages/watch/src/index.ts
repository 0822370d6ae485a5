// @shadow/watch: watching a shadow run while it runs. Both sides' resources scraped from their
// Prometheus endpoints into ClickHouse, the CPU ratio and memory growth with intervals, alert rules
// with hysteresis, and a sampling ramp. See docs/watch.md.

export { WATCH_ERROR_CODES, WatchError, isWatchError, toWatchError } from './errors.js';
export type { WatchErrorCode, WatchErrorOptions } from './errors.js';
export type { WatchLogger } from './logger.js';

// Scraping
export { METRIC_TYPES, parsePrometheusText } from './scrape/prometheus-text.js';
export type { MetricFamily, MetricSample, MetricType } from './scrape/prometheus-text.js';
export { histogramQuantile } from './scrape/histogram.js';
export type { Bucket } from './scrape/histogram.js';
export { DEFAULT_METRICS, resolveScraperConfig, scraperConfigSchema } from './scrape/options.js';
export type { ScraperConfig, ScraperConfigInput } from './scrape/options.js';
export { createScraper } from './scrape/scraper.js';
export type { Scraper, ScraperHooks, ScraperOptions } from './scrape/scraper.js';
export { SAMPLE_KINDS, SIDES } from './scrape/types.js';
export type { ResourceSample, SampleKind, SampleSink, ScrapeResult, Side } from './scrape/types.js';

// ClickHouse
export { createClickHouseResourceReader, createClickHouseSampleSink, RESOURCE_SAMPLES_TABLE, seriesKey } from './store/clickhouse-samples.js';
export type { ClickHouseSampleStoreOptions, Point, ResourceReader, SeriesQuery, TargetSeries } from './store/clickhouse-samples.js';

// Statistics
export { memoryGrowth, reduceToBucketMedians, theilSen } from './stats/memory-growth.js';
export type { MemoryGrowthOptions, MemoryGrowthResult } from './stats/memory-growth.js';
export { bucketSums, resourceRatio } from './stats/resource-ratio.js';
export type { Baseline, RatioOptions, RatioResult } from './stats/resource-ratio.js';
export { studentTQuantile, tForConfidence } from './stats/student-t.js';
export type { Interval, Outcome, SeriesPoint } from './stats/types.js';
