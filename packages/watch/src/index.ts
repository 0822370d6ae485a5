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

// Alerts
export {
  ACTIONS,
  alertsConfigSchema,
  DEFAULT_MIN_SAMPLE,
  direction,
  RESOURCES,
  resolveAlertsConfig,
  RULE_KINDS,
  ruleSchema,
  SEVERITIES,
  threshold,
} from './alerts/config.js';
export type { AlertsConfig, AlertsConfigInput, Resource, ResolveAlertsOptions, ResolvedAlerts, Rule, RuleKind, WebhookConfig } from './alerts/config.js';
export { conditionOf, judgeRule, minSampleOf } from './alerts/judge.js';
export type { Condition, RuleJudgement, RuleInputs } from './alerts/judge.js';
export { INITIAL_STATE, isFiring, stepAlert } from './alerts/hysteresis.js';
export type { AlertState, AlertStatus, StepResult } from './alerts/hysteresis.js';
export { postWebhook } from './alerts/webhook.js';
export type { WebhookOutcome } from './alerts/webhook.js';
export { createAlertEvaluator } from './alerts/evaluator.js';
export type {
  AlertEvaluator,
  AlertEvaluatorOptions,
  AlertEvent,
  AlertHooks,
  AlertInstanceState,
  PauseAction,
  RuleEvaluation,
  WatchSources,
} from './alerts/evaluator.js';
export { clickHouseWatchSources } from './alerts/sources.js';
export type { ClickHouseWatchSources } from './alerts/sources.js';

// Ramp
export { createRampDriver, RAMP_START, rampConfigSchema, rampStep, resolveRampConfig } from './ramp/ramp.js';
export type { RampChange, RampConfig, RampConfigInput, RampDriver, RampDriverOptions, RampInput, RampState, RampStepResult, SetRate } from './ramp/ramp.js';
export { resourceVerdicts } from './stats/resource-verdicts.js';
export type { ResourceVerdictQuery, ResourceVerdicts } from './stats/resource-verdicts.js';
