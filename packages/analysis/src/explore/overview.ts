// One challenger at a glance: the report (`shadow report`'s numbers, from the same store query and
// the same buildReport), the gate's verdict on a criteria file (`shadow gate`'s: measurementQueryFor
// + evaluateGate), and the time series. Nothing here computes a statistic of its own, so a screen
// built on it shows exactly what the CLI prints for the same window.
import type { LoadedCriteria } from '../criteria/load.js';
import { evaluateGate } from '../gate/evaluate.js';
import type { GateVerdict } from '../gate/types.js';
import { measurementQueryFor } from '../queries/measurement-query.js';
import type { MeasurementQuery, PairStore } from '../queries/pair-store.js';
import { buildReport } from '../report/build.js';
import type { Report } from '../report/types.js';
import type { ExploreStore } from './explore-store.js';
import type { ExploreTarget, TimeSeries } from './types.js';

/** Paths, headers and side effects listed per scope, as `shadow report`'s --top default. */
export const REPORT_TOP_DEFAULT = 10;

export interface ChallengerOverviewOptions extends ExploreTarget {
  challengerId: string;
  /** Criteria file the verdict is judged on; absent: no verdict. */
  criteria?: LoadedCriteria | undefined;
  /** Differing paths, headers and side effects per scope. @default REPORT_TOP_DEFAULT */
  top?: number | undefined;
  /** Most time buckets of the series. @default about 20 pairs per bucket, 10 to 60 buckets */
  maxBuckets?: number | undefined;
}

export interface ChallengerOverview {
  /** Null when the challenger has no pairs in the target (`shadow report` refuses to report nothing). */
  report: Report | null;
  /** The gate's verdict on the criteria; null without criteria. */
  verdict: GateVerdict | null;
  series: TimeSeries;
}

/**
 * What `shadow report --challenger C --since .. [--until ..] [--run-id R]` asks the store, with no
 * exclusion flags: every route, noise not counted, `top` paths per scope. The latency sample is
 * left out (`latencySampleLimit: 0`): the summary's quantiles are exact on their own; only the
 * bootstrap intervals of latency deltas need the sample, and the overview does not draw them.
 */
export function reportQueryFor(target: ExploreTarget & { challengerId: string }, top: number = REPORT_TOP_DEFAULT): MeasurementQuery {
  return {
    challengerId: target.challengerId,
    window: target.window,
    runId: target.runId,
    countNoise: false,
    topDifferences: top,
    latencySampleLimit: 0,
  };
}

export async function challengerOverview(pairStore: PairStore, exploreStore: ExploreStore, options: ChallengerOverviewOptions): Promise<ChallengerOverview> {
  const top = options.top ?? REPORT_TOP_DEFAULT;
  const target: ExploreTarget = options.runId === undefined ? { window: options.window } : { window: options.window, runId: options.runId };
  // One query at a time, as the store runs its own: the read-only endpoint bounds concurrent queries.
  const measured = await pairStore.measurements(reportQueryFor({ ...target, challengerId: options.challengerId }, top));
  const report = measured.overall.pairs === 0 ? null : buildReport(measured, { top, skipIntervals: true });
  let verdict: GateVerdict | null = null;
  // Judged even without pairs: the gate then says "insufficient" and why, as `shadow gate` would.
  if (options.criteria !== undefined) {
    const { criteria, sha256, source } = options.criteria;
    const judged = await pairStore.measurements(
      measurementQueryFor(criteria, {
        challengerId: options.challengerId,
        window: target.window,
        ...(target.runId === undefined ? {} : { runId: target.runId }),
      }),
    );
    verdict = evaluateGate(criteria, judged, { criteriaSha256: sha256, criteriaSource: source });
  }
  // About 20 pairs per bucket (10 to 60 buckets): a bucket of 3 pairs swings between 0% and 100%
  // agreement and hides the trend; its Wilson band says as much, but the line should not.
  const maxBuckets = options.maxBuckets ?? Math.min(60, Math.max(10, Math.round((report?.overall.pairs ?? 0) / 20)));
  // The same latency baseline as the report: the secondary it found, drawn next to live.
  const series = await exploreStore.timeSeries({
    challengerId: options.challengerId,
    ...target,
    maxBuckets,
    secondaryId: measured.secondary?.challengerId ?? null,
  });
  return { report, verdict, series };
}
