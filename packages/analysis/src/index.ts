// @shadow/analysis: statistics, the criteria file, the promotion gate and the report.
// SQL in (through a PairStore, see src/queries/pair-store.ts), verdicts out. Pure logic: no
// Kafka, no ClickHouse, no HTTP; the only I/O is reading a criteria file.

export { ANALYSIS_ERROR_CODES, AnalysisError, isAnalysisError, toAnalysisError } from './errors.js';
export type { AnalysisErrorCode, AnalysisErrorOptions } from './errors.js';

// Statistics
export { normalQuantile, zForConfidence } from './stats/normal.js';
export { wilsonInterval } from './stats/wilson.js';
export type { IntervalOptions } from './stats/wilson.js';
export { independentDifferenceInterval, pairedDifferenceInterval } from './stats/proportions.js';
export type { PairedCounts } from './stats/proportions.js';
export { QUANTILE_METHODS, quantile, quantileLabel, quantileOfSorted, quantiles } from './stats/quantile.js';
export { BOOTSTRAP_DEFAULTS, bootstrapQuantile, bootstrapQuantileComparison } from './stats/bootstrap.js';
export type { QuantileComparison, QuantileComparisonInterval, QuantileComparisonOptions } from './stats/bootstrap.js';
export { createPrng } from './stats/prng.js';
export type { Prng } from './stats/prng.js';
export type { BootstrapInterval, BootstrapOptions, DifferenceInterval, ProportionInterval, QuantileMethod } from './stats/types.js';

// Criteria file
export { criteriaJsonSchema, criteriaSchema } from './criteria/schema.js';
export type {
  AccuracyCriterion,
  AgreementAfterJudgeCriterion,
  AgreementCriterion,
  BusinessMetricCriterion,
  Criteria,
  CriteriaInput,
  ErrorRateCriterion,
  ExpectedSideEffect,
  JudgeCriterion,
  JudgeOn,
  LatencyCriterion,
  ResourcesCriteria,
  RouteOverride,
  ScopeCriteria,
  SideEffectsCriterion,
} from './criteria/schema.js';
export { formatFieldPath, loadCriteriaFile, parseCriteria, validateCriteria } from './criteria/load.js';
export type { LoadedCriteria } from './criteria/load.js';
export { formatDuration, parseDuration } from './criteria/duration.js';
export { formatBytes, formatBytesPerHour } from './report/format.js';
export { globMatches, routeLabel, routeMatches, splitRouteKey } from './criteria/patterns.js';
export type { RouteRef } from './criteria/patterns.js';
export { isRouteExcluded, overallCriteria, routeCriteria } from './criteria/resolve.js';
export type { RouteCriteria } from './criteria/resolve.js';

// Measurements (what the SQL layer fills)
export type {
  BusinessOutcome,
  DecisionOutcome,
  HeaderDifference,
  JudgeMeasurements,
  JudgeReasonExample,
  LatencyMeasurements,
  LatencySummary,
  ListOutcome,
  Measurements,
  NumericOutcome,
  PathDifference,
  QuantileValue,
  ReplayConditions,
  RouteMeasurements,
  RunConditions,
  SandboxCauseCount,
  SandboxInducedPairs,
  ScopeMeasurements,
  SideEffectDifference,
  SideEffectKind,
  SideEffectPairs,
  StatusCell,
} from './measurements/types.js';
export type { CpuRatioMeasurement, MemoryGrowthMeasurement, ResourceInterval, ResourceMeasurements } from './measurements/resources.js';

// Gate
export { evaluateGate } from './gate/evaluate.js';
export { evaluateResources } from './gate/resources.js';
export type { EvaluateGateOptions } from './gate/evaluate.js';
export { exitCodeFor, GATE_EXIT_CODES } from './gate/exit-codes.js';
export { toGateRunRecord } from './gate/audit.js';
export type { CriterionResult, GateOutcome, GateUnit, GateVerdict } from './gate/types.js';

// Report
export { buildReport, describeConditions, judgeReport, REPORT_QUANTILES } from './report/build.js';
export type { ReportOptions } from './report/build.js';
export type { BusinessRow, LatencyRow, Report, ReportJudge, ReportRun, ReportScope } from './report/types.js';
export { renderReportJson, renderReportMarkdown, renderReportText, renderVerdictJson, renderVerdictMarkdown, renderVerdictText } from './report/render.js';
export type { TextOptions } from './report/render.js';

// The SQL layer (implemented over the pair tables)
export type { AccuracyQuery, AccuracyRequest, GateRunRecord, MeasurementQuery, PairStore } from './queries/pair-store.js';
export { createClickHousePairStore, GATE_RUNS_TABLE, gateRunRow, parseSideEffectDetail } from './queries/clickhouse-pair-store.js';
export type { ClickHousePairStoreOptions } from './queries/clickhouse-pair-store.js';
export { measurementQueryFor } from './queries/measurement-query.js';
export { RESOURCE_SAMPLES, resourcePanels, resourceServices, resourceTimeSeries } from './queries/resource-samples.js';
export type { ResourcePanel, ResourcePoint, ResourceSeries } from './queries/resource-samples.js';
export { createInMemoryPairStore, distinctPairs, measurementsFromPairs } from './measurements/from-pairs.js';
export type { FromPairsOptions } from './measurements/from-pairs.js';
export { judgeNeeded, MAX_JUDGE_EXAMPLES, parseSandboxCause, parseSideEffectKey } from './measurements/pair-record.js';
export type { PairComparisonLike, PairRecord, SandboxCauseLike, SideEffectKeyParts } from './measurements/pair-record.js';

// Exploring pairs (the dashboard; `shadow show`): challengers, time series, pair lists, one exchange
export { bucketWidth, createClickHouseExploreStore, EXCHANGE_ID_PATTERN } from './explore/explore-store.js';
export type { ExploreStore, ExploreStoreOptions } from './explore/explore-store.js';
export { challengerOverview, REPORT_TOP_DEFAULT, reportQueryFor } from './explore/overview.js';
export type { ChallengerOverview, ChallengerOverviewOptions } from './explore/overview.js';
export { PAIR_FILTERS } from './explore/types.js';
export type {
  ChallengerSummary,
  ExploreTarget,
  KeptBody,
  PairDetail,
  PairDifference,
  PairFilter,
  PairJudge,
  PairList,
  PairListItem,
  PairListQuery,
  PairSide,
  TimeSeries,
  TimeSeriesPoint,
  TimeSeriesQuery,
  UnmatchedSide,
} from './explore/types.js';
