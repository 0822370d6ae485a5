// The SQL layer the report and the gate expect: one implementation over the pair tables in
// ClickHouse (server or embedded, through @shadow/clickhouse), written against the joiner's
// schema (packages/clickhouse/src/schema/, docs/tables.md). Everything above it is pure.
//
// Correctness rules for an implementation (measurementsFromPairs in src/measurements/from-pairs.ts
// is the executable reference: an integration test can land the same PairRecords, duplicates
// included, in ClickHouse and expect equal Measurements; example pair = the smallest exchange id,
// so both are deterministic):
// - Distinct pairs only. The joiner lands at least once; a pair may be stored more than once
//   until merges run. Count over the pair key (exchange id, challenger id, attempt) collapsed
//   with FINAL or argMax(column, version) GROUP BY key, never over raw rows; the results must be
//   right BEFORE any merge (a test inserts each pair twice).
// - One attempt per exchange: the latest attempt (argMax by attempt) unless the query names one.
// - Scopes: `overall` over every route not excluded; `routes` one entry per (method, route
//   template) with at least one pair.
// - Times: the window filters on the live capture time, [fromMs, toMs).

import type { Measurements } from '../measurements/types.js';

export interface MeasurementQuery {
  /** Challenger whose pairs are measured (results with challengerRole 'candidate'). */
  challengerId: string;
  /** Live capture time window, epoch ms, [fromMs, toMs). At least one of window or runId. */
  window?: { fromMs: number; toMs: number } | undefined;
  /** Historical replay run (ShadowResult.runId). */
  runId?: string | undefined;
  /** Route patterns left out of every scope (criteria exclude.routes; see routeMatches()). */
  excludeRoutes?: readonly string[] | undefined;
  /** JSON paths whose differences do not count against agreement (criteria exclude.paths). */
  excludePaths?: readonly string[] | undefined;
  /** Count noise paths (flagged from the live-vs-secondary comparison) as differences. @default false */
  countNoise?: boolean | undefined;
  /** Business metrics to measure, by name (as declared on the routes). @default all declared */
  businessMetrics?: readonly string[] | undefined;
  /**
   * Accuracy against ground truth (labels joined by exchange id): which label and which outcome of
   * the answer it is compared with, overall and per route. Absent: no scope has `accuracy`.
   */
  accuracy?: AccuracyQuery | undefined;
  /** Latency quantile levels for `latency.*.quantiles` besides 0.5, 0.9, 0.99 (criteria may ask for p95, p99.9). @default [] */
  latencyQuantiles?: readonly number[] | undefined;
  /**
   * Maximum latency pairs sent per scope in `latency.samples` (a uniform sample of pairs, e.g.
   * `ORDER BY cityHash64(exchange_id, seed) LIMIT n`, keeping live and candidate of the same pair
   * together). @default 100000
   */
  latencySampleLimit?: number | undefined;
  /** Report detail: differing paths and headers per scope (0 = gate only, skip them). @default 20 */
  topDifferences?: number | undefined;
  /**
   * Count sandbox-induced pairs like any other (docs/compare.md "Sandbox-induced differences"). By
   * default they are left out of the error rate, and out of agreement's trials when their only
   * counted differences are answer differences. @default false
   */
  includeSandboxInduced?: boolean | undefined;
  /**
   * The secondary whose latency is the baseline (Measurements.secondary). Absent: the first (by id)
   * challenger with role `secondary` that has pairs in the same window or run; null: none.
   */
  secondaryId?: string | null | undefined;
}

/** One accuracy measurement: the label's name and the answer's outcome it must equal. */
export interface AccuracyRequest {
  /** Label name (the `name` of the label records, e.g. `fraud`). */
  label: string;
  /** JSONPath of the outcome in each side's answer body, `$.a.b[0]` forms only (e.g. `$.decision`). */
  outcome: string;
}

export interface AccuracyQuery {
  /** For the overall scope and every route not named in `routes`. */
  default?: AccuracyRequest | undefined;
  /** By criteria `routes` key ("GET /users/:id", else "/users/:id"): a route's own label or outcome. */
  routes?: Record<string, AccuracyRequest> | undefined;
}

/**
 * What the report and the gate need from SQL. `measurements` returns, per scope (overall and per
 * route), every field of ScopeMeasurements:
 *
 * | field | aggregate over distinct pairs |
 * | --- | --- |
 * | pairs | count() |
 * | agreement.trials / successes | count() / countIf(compare's `match`, recomputed when the query excludes paths (a pair whose only real diffs are under excludePaths matches) or counts noise (noisy diffs then count)) |
 * | errors.{pairs,live,candidate,both} | count(), countIf(live error), countIf(candidate error), countIf(both); error = no answer (status 0) or status >= 500 or errorKind set |
 * | latency.{live,candidate}.quantiles | quantilesExact(0.5, 0.9, 0.99, ...latencyQuantiles)(latency_ms) per side (ClickHouse quantileExact; the stats use the same semantics) |
 * | latency.{live,candidate}.maxMs, count, meanMs | max(), count(), avg() per side, pairs with an answer on that side |
 * | latency.samples | up to latencySampleLimit (live_ms, candidate_ms) pairs, paired: true |
 * | status | count() GROUP BY live_status, candidate_status |
 * | sideEffects | arrayJoin(compare's sideEffectDiffs), not noisy unless countNoise: count(DISTINCT pair) and min(exchange_id) GROUP BY direction (extra_in_candidate / missing_in_candidate / payload_changed), method, target, path template |
 * | sideEffectPairs | pairs = countIf(the pair has a side-effect difference, not noisy unless countNoise); sets = count() GROUP BY the pair's sorted set of differences (what the gate counts pairs with an unexpected one on) |
 * | business[name] numeric | compare's outcome type `number`: count(), avg() and quantilesExact(0.5, 0.9, 0.99) of the value per side, pairs where both sides have one |
 * | business[name] decision | type `string`: count(), countIf(live != candidate), top transitions GROUP BY (live, candidate) |
 * | business[name] list | type `string[]`: count(), avg(jaccard) (length(arrayIntersect) / length(arrayDistinct(arrayConcat)), 1 for two empty lists), avg(top-k overlap) with k from the query or 10 |
 * | accuracy | pairs joined to labels by exchange id (latest label): count(), countIf(live correct), countIf(candidate correct), countIf(both) |
 * | paths | arrayJoin(compare's diffs): count(DISTINCT pair), min(exchange_id) GROUP BY path, noisy, with noise = the diff was noisy, excluded = under excludePaths; top N by pairs |
 * | headers | same over headerDiffs by header name |
 *
 * and, once per query: observed = min/max live capture time of the counted pairs, unmatched =
 * exchanges in the window without a pair GROUP BY reason, window / runId / challengerId echoed.
 * Errors: throw AnalysisError 'ANALYSIS_QUERY_FAILED' with the ClickHouseError as cause
 * (retriable copied from it).
 */
export interface PairStore {
  measurements(query: MeasurementQuery): Promise<Measurements>;
  /** Challengers with pairs in the window (for `shadow report` without --challenger). */
  challengers(window: { fromMs: number; toMs: number }): Promise<{ challengerId: string; challengerName: string | null; pairs: number }[]>;
  /** Records a gate run (the audit trail): see GateRunRecord. */
  recordGateRun(record: GateRunRecord): Promise<void>;
}

/** One gate run as stored for audit: who ran which criteria on which data, and what came out. */
export interface GateRunRecord {
  /** Unique id of the run (a UUID). */
  runId: string;
  atMs: number;
  /** Who or what ran it: CI job URL, user name. */
  by: string;
  challengerId: string;
  replayRunId: string | null;
  window: { fromMs: number; toMs: number } | null;
  criteriaSha256: string;
  criteriaSource: string;
  verdict: 'pass' | 'fail' | 'insufficient';
  exitCode: 0 | 1 | 2;
  /** renderVerdictJson(verdict): every measured value, bound and reason. */
  verdictJson: string;
}
