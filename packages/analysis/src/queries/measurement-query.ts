import type { Criteria } from '../criteria/schema.js';
import type { AccuracyQuery, MeasurementQuery } from './pair-store.js';

/** The accuracy measurements the criteria judge: the top level's, and each route's own label/outcome. */
function accuracyQueryFor(criteria: Criteria): AccuracyQuery | undefined {
  const routes: NonNullable<AccuracyQuery['routes']> = {};
  for (const [key, route] of Object.entries(criteria.routes)) {
    if (route.accuracy !== undefined && route.accuracy !== null) routes[key] = { label: route.accuracy.label, outcome: route.accuracy.outcome };
  }
  const top = criteria.accuracy;
  if (top === undefined && Object.keys(routes).length === 0) return undefined;
  return { ...(top === undefined ? {} : { default: { label: top.label, outcome: top.outcome } }), ...(Object.keys(routes).length === 0 ? {} : { routes }) };
}

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
    includeSandboxInduced: !criteria.exclude.sandboxInduced,
    businessMetrics: [...metrics].sort(),
    accuracy: accuracyQueryFor(criteria),
    latencyQuantiles: [...levels].sort((a, b) => a - b),
    latencySampleLimit: Math.max(criteria.statistics.bootstrap.maxSamples, 100_000),
    topDifferences: 0,
  };
}
