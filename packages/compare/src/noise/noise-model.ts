// Diffy's idea: run two copies of live (live and secondary) and the candidate on the same request.
// What differs between the two live copies is noise (timestamps, random ids, host names); what
// differs between live and the candidate more often than between the two live copies is a real
// difference. The model keeps, per (route, path, kind), how many pairs showed the difference
// candidate-vs-live (raw) and secondary-vs-live (noise), and per route how many pairs it saw (and
// how many of them had a secondary answer). State is bounded: at most maxKeys counters; the least
// recently used is evicted (and counted) when a new one is needed, so a path that stops differing
// ages out and memory never grows with traffic. The rule is in `isReal` and docs/compare.md.

import { CompareError } from '../errors.js';

export interface NoiseThresholds {
  /** |raw - noise| / (raw + noise) must exceed this. Diffy's default is 20%. @default 0.2 */
  readonly relativeThreshold: number;
  /** |raw - noise| / pairs of the route must exceed this. Diffy's default is 0.03%. @default 0.0003 */
  readonly absoluteThreshold: number;
}

export interface NoiseModelOptions extends Partial<NoiseThresholds> {
  /** Most (route, path, kind) counters kept; least recently used evicted first. @default 100000 */
  readonly maxKeys?: number;
  /** Most routes with pair totals kept; least recently used evicted first. @default 10000 */
  readonly maxRoutes?: number;
}

/** One differing place, as the model counts it: a collapsed path (or `header:x`, `effect:...`) and a kind. */
export interface NoiseKey {
  readonly path: string;
  readonly kind: string;
}

export interface PathCounts {
  /** Pairs where the candidate differed from live here. */
  readonly raw: number;
  /** Pairs where the secondary differed from live here. */
  readonly noise: number;
  /** Pairs seen on the route. */
  readonly total: number;
  /** Pairs seen on the route that had a secondary answer. */
  readonly withSecondary: number;
}

interface Counter {
  raw: number;
  noise: number;
}

interface RouteTotals {
  total: number;
  withSecondary: number;
}

export interface NoiseModelStats {
  readonly keys: number;
  readonly routes: number;
  readonly evictedKeys: number;
  readonly evictedRoutes: number;
}

const SEP = '\u0000';

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: expected a positive integer, got ${String(value)}`, { field });
  }
  return value;
}

export function validateThreshold(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: expected a fraction in [0, 1) (0.2 = 20%), got ${String(value)}`, { field });
  }
  return value;
}

/**
 * Diffy's significance rule, with noise scaled to all pairs when only some had a secondary:
 * noise' = noise * total / withSecondary. A path is real when raw > noise' and
 * |raw - noise'| / (raw + noise') > relative and |raw - noise'| / total > absolute.
 */
export function isSignificant(counts: PathCounts, thresholds: NoiseThresholds): boolean {
  const { raw, total, withSecondary } = counts;
  if (raw === 0 || total === 0) return false;
  const noise = withSecondary > 0 ? (counts.noise * total) / withSecondary : 0;
  if (!(raw > noise)) return false;
  const delta = raw - noise;
  return delta / (raw + noise) > thresholds.relativeThreshold && delta / total > thresholds.absoluteThreshold;
}

export class NoiseModel {
  readonly thresholds: NoiseThresholds;
  private readonly maxKeys: number;
  private readonly maxRoutes: number;
  // Map iteration order is insertion order: delete + set moves an entry to the young end.
  private readonly counters = new Map<string, Counter>();
  private readonly routes = new Map<string, RouteTotals>();
  private evictedKeys = 0;
  private evictedRoutes = 0;

  constructor(options: NoiseModelOptions = {}) {
    this.thresholds = Object.freeze({
      relativeThreshold: validateThreshold(options.relativeThreshold ?? 0.2, 'noise.relativeThreshold'),
      absoluteThreshold: validateThreshold(options.absoluteThreshold ?? 0.0003, 'noise.absoluteThreshold'),
    });
    this.maxKeys = positiveInt(options.maxKeys ?? 100_000, 'noise.maxKeys');
    this.maxRoutes = positiveInt(options.maxRoutes ?? 10_000, 'noise.maxRoutes');
  }

  /**
   * Counts one pair: every key in `raw` once (candidate differed there), every key in `noise` once
   * (secondary differed there); `noise` null means the pair had no secondary answer.
   */
  recordPair(route: string, raw: Iterable<NoiseKey>, noise: Iterable<NoiseKey> | null): void {
    const totals = this.touchRoute(route);
    totals.total++;
    if (noise !== null) {
      totals.withSecondary++;
      for (const key of noise) this.touch(route, key).noise++;
    }
    for (const key of raw) this.touch(route, key).raw++;
  }

  counts(route: string, key: NoiseKey): PathCounts {
    const totals = this.routes.get(route);
    const counter = this.counters.get(route + SEP + key.kind + SEP + key.path);
    return { raw: counter?.raw ?? 0, noise: counter?.noise ?? 0, total: totals?.total ?? 0, withSecondary: totals?.withSecondary ?? 0 };
  }

  /** True when, over the pairs seen so far, the candidate differs here significantly more than the secondary does. */
  isReal(route: string, key: NoiseKey): boolean {
    return isSignificant(this.counts(route, key), this.thresholds);
  }

  stats(): NoiseModelStats {
    return { keys: this.counters.size, routes: this.routes.size, evictedKeys: this.evictedKeys, evictedRoutes: this.evictedRoutes };
  }

  /** Every counter, for a metrics endpoint or a snapshot; O(keys). */
  *entries(): IterableIterator<{ route: string; path: string; kind: string } & PathCounts> {
    for (const [id, c] of this.counters) {
      const a = id.indexOf(SEP);
      const b = id.indexOf(SEP, a + 1);
      const route = id.slice(0, a);
      const kind = id.slice(a + 1, b);
      const path = id.slice(b + 1);
      const t = this.routes.get(route);
      yield { route, path, kind, raw: c.raw, noise: c.noise, total: t?.total ?? 0, withSecondary: t?.withSecondary ?? 0 };
    }
  }

  private touchRoute(route: string): RouteTotals {
    let totals = this.routes.get(route);
    if (totals !== undefined) {
      this.routes.delete(route);
    } else {
      totals = { total: 0, withSecondary: 0 };
      if (this.routes.size >= this.maxRoutes) {
        const oldest = this.routes.keys().next().value as string;
        this.routes.delete(oldest);
        this.evictedRoutes++;
      }
    }
    this.routes.set(route, totals);
    return totals;
  }

  private touch(route: string, key: NoiseKey): Counter {
    const id = route + SEP + key.kind + SEP + key.path;
    let counter = this.counters.get(id);
    if (counter !== undefined) {
      this.counters.delete(id);
    } else {
      counter = { raw: 0, noise: 0 };
      if (this.counters.size >= this.maxKeys) {
        const oldest = this.counters.keys().next().value as string;
        this.counters.delete(oldest);
        this.evictedKeys++;
      }
    }
    this.counters.set(id, counter);
    return counter;
  }
}
