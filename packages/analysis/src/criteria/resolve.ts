// Which criteria judge a scope. The top level judges the overall scope. A route is judged when
// the file names it under `routes` (exact key: "GET /users/:id" first, then "/users/:id") or when
// `everyRoute` is on. A named route is judged by what its entry sets; with `everyRoute` it also
// inherits the top-level criteria, each field its entry sets replacing the inherited one (null
// switches an inherited criterion off; business metrics are replaced by name). An inherited
// business metric or accuracy criterion is skipped on a route that does not measure it (metrics
// are declared per route), while one the route's entry sets explicitly must be measured.

import { routeMatches, splitRouteKey, type RouteRef } from './patterns.js';
import type { Criteria, RouteOverride, ScopeCriteria } from './schema.js';

export interface RouteCriteria {
  criteria: ScopeCriteria;
  /** The `routes` key that applied, if any. */
  overrideKey: string | undefined;
  minPairs: number;
  /** Whether not enough data here makes the whole gate insufficient. */
  required: boolean;
  /** Criteria inherited from the top level (skipped where the route lacks the measurement). */
  inherited: { business: ReadonlySet<string>; accuracy: boolean };
}

function topLevel(criteria: Criteria): ScopeCriteria {
  return {
    agreement: criteria.agreement,
    agreementAfterJudge: criteria.agreementAfterJudge,
    judge: criteria.judge,
    latency: criteria.latency,
    errorRate: criteria.errorRate,
    sideEffects: criteria.sideEffects,
    business: criteria.business,
    accuracy: criteria.accuracy,
  };
}

export function overallCriteria(criteria: Criteria): ScopeCriteria {
  return topLevel(criteria);
}

/** The `routes` key that names this route, method-specific first. */
export function overrideKeyFor(criteria: Criteria, ref: RouteRef): string | undefined {
  const keys = Object.keys(criteria.routes);
  const exactWithMethod = keys.find((k) => {
    const { method, template } = splitRouteKey(k);
    return method !== undefined && method === (ref.method ?? '').toUpperCase() && template === ref.route;
  });
  if (exactWithMethod !== undefined) return exactWithMethod;
  return keys.find((k) => {
    const { method, template } = splitRouteKey(k);
    return method === undefined && template === ref.route;
  });
}

function pick<T>(override: T | null | undefined, base: T | undefined): T | undefined {
  if (override === null) return undefined;
  return override === undefined ? base : override;
}

function applyOverride(base: ScopeCriteria, o: RouteOverride): ScopeCriteria {
  let business = base.business;
  if (o.business === null) business = undefined;
  else if (o.business !== undefined) {
    const merged: Record<string, NonNullable<ScopeCriteria['business']>[string]> = { ...(base.business ?? {}) };
    for (const [name, metric] of Object.entries(o.business)) {
      if (metric === null) delete merged[name];
      else merged[name] = metric;
    }
    business = merged;
  }
  return {
    agreement: pick(o.agreement, base.agreement),
    agreementAfterJudge: pick(o.agreementAfterJudge, base.agreementAfterJudge),
    judge: pick(o.judge, base.judge),
    latency: pick(o.latency, base.latency),
    errorRate: pick(o.errorRate, base.errorRate),
    sideEffects: pick(o.sideEffects, base.sideEffects),
    business,
    accuracy: pick(o.accuracy, base.accuracy),
  };
}

/** Whether the criteria exclude this route from every scope. */
export function isRouteExcluded(criteria: Criteria, ref: RouteRef): boolean {
  return criteria.exclude.routes.some((pattern) => routeMatches(pattern, ref));
}

/** The criteria for one route, or undefined when the route is not judged on its own. */
export function routeCriteria(criteria: Criteria, ref: RouteRef): RouteCriteria | undefined {
  if (isRouteExcluded(criteria, ref)) return undefined;
  const key = overrideKeyFor(criteria, ref);
  if (key === undefined && !criteria.everyRoute) return undefined;
  const override = key === undefined ? undefined : criteria.routes[key];
  const base = criteria.everyRoute ? topLevel(criteria) : {};
  const resolved = override === undefined ? base : applyOverride(base, override);
  const explicitBusiness = new Set(
    Object.entries(override?.business ?? {})
      .filter(([, v]) => v !== null)
      .map(([k]) => k),
  );
  return {
    criteria: resolved,
    inherited: {
      business: new Set(Object.keys(resolved.business ?? {}).filter((k) => !explicitBusiness.has(k))),
      accuracy: resolved.accuracy !== undefined && (override?.accuracy === undefined || override.accuracy === null),
    },
    overrideKey: key,
    minPairs: override?.minPairs ?? criteria.sample.routeMinPairs,
    required: override?.required ?? false,
  };
}
