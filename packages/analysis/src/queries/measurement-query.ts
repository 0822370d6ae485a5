import type { Criteria } from '../criteria/schema.js';
import type { MeasurementQuery } from './pair-store.js';

/** The query a gate run needs: exclusions and business metrics taken from the criteria file. */
export function measurementQueryFor(
  criteria: Criteria,
  target: { challengerId: string; window?: { fromMs: number; toMs: number }; runId?: string },
): MeasurementQuery {
  const metrics = new Set(Object.keys(criteria.business ?? {}));
  for (const route of Object.values(criteria.routes)) for (const name of Object.keys(route.business ?? {})) metrics.add(name);
  const levels = new Set<number>();
  for (const l of criteria.latency ?? []) levels.add(l.quantile);
  for (const route of Object.values(criteria.routes)) for (const l of route.latency ?? []) levels.add(l.quantile);
  for (const q of [0.5, 0.9, 0.99, 1]) levels.delete(q);
  return {
    challengerId: target.challengerId,
    window: target.window,
    runId: target.runId,
    excludeRoutes: criteria.exclude.routes,
    excludePaths: criteria.exclude.paths,
    countNoise: criteria.exclude.countNoise,
    businessMetrics: [...metrics].sort(),
    latencyQuantiles: [...levels].sort((a, b) => a - b),
    latencySampleLimit: Math.max(criteria.statistics.bootstrap.maxSamples, 100_000),
    topDifferences: 0,
  };
}
