// "No memory growth" as a number with an interval: the slope of resident memory over the run, in
// bytes per hour, judged against a bound.
//
// Theil-Sen rather than least squares: RSS moves in steps (the heap grows by chunks, a GC gives
// memory back in one go) and a single spike or drop pulls a least-squares line a long way; the
// median of pairwise slopes ignores up to 29% wild points. Its interval (Sen 1968) is
// distribution-free, built from ranks of the pairwise slopes with only a normal quantile, so no
// assumption of normal residuals is made either. What it does assume, like any interval here, is
// independent residuals; successive scrapes of a process are not, so the series is first reduced
// to at most `maxPoints` time-bucket medians (a 72-hour run at 15 s is 17 280 scrapes, 240 buckets
// of 18 minutes by default), which also bounds the n² pairwise slopes. The interval is therefore an
// approximation that is too narrow when memory wanders slowly: the bound and minDuration should be
// set with that in mind (docs/watch.md).
import { zForConfidence } from '@shadow/analysis';
import { WatchError } from '../errors.js';
import type { Interval, Outcome, SeriesPoint } from './types.js';

const HOUR_MS = 3_600_000;

export interface MemoryGrowthOptions {
  /** The bound: growth above this many bytes per hour fails. */
  maxBytesPerHour: number;
  /** @default 0.95 */
  confidence?: number | undefined;
  /** The series is reduced to at most this many time-bucket medians first. @default 240 */
  maxPoints?: number | undefined;
  /** Fewer points (after reduction): insufficient. @default 10 */
  minPoints?: number | undefined;
  /** A series spanning less time than this: insufficient. @default 600000 (10 minutes) */
  minDurationMs?: number | undefined;
}

export interface MemoryGrowthResult {
  readonly criterion: 'memoryGrowth';
  readonly outcome: Outcome;
  /** Theil-Sen slope, bytes per hour; null without enough points. */
  readonly slopeBytesPerHour: number | null;
  readonly interval: Interval | null;
  /** The number compared with the bound: the upper bound for a pass, the lower for a fail. */
  readonly judged: number | null;
  readonly limit: { readonly op: '<='; readonly value: number };
  /** Points used (after reduction) and the time they span. */
  readonly n: number;
  readonly durationMs: number;
  readonly reason: string;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Value at 1-based rank r of `sorted`, linearly interpolated between neighbours. */
function atRank(sorted: readonly number[], r: number): number {
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  const a = sorted[lo - 1] as number;
  const b = sorted[hi - 1] as number;
  return a + (b - a) * (r - lo);
}

/** At most `maxPoints` points: the medians of t and of v in equal-width time buckets (as is when fewer). */
export function reduceToBucketMedians(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  const sorted = [...points].filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  if (sorted.length <= maxPoints) return sorted;
  const t0 = (sorted[0] as SeriesPoint).t;
  const width = ((sorted.at(-1) as SeriesPoint).t - t0) / maxPoints;
  const buckets = new Map<number, { t: number[]; v: number[] }>();
  for (const p of sorted) {
    const b = Math.min(maxPoints - 1, Math.floor((p.t - t0) / width));
    let e = buckets.get(b);
    if (e === undefined) {
      e = { t: [], v: [] };
      buckets.set(b, e);
    }
    e.t.push(p.t);
    e.v.push(p.v);
  }
  return [...buckets.values()].map((e) => ({ t: median(e.t), v: median(e.v.sort((a, b) => a - b)) }));
}

/** Theil-Sen slope (value per ms) and Sen's interval at `confidence`; null bounds when n is too small for it. */
export function theilSen(points: readonly SeriesPoint[], confidence: number): { slope: number; lower: number | null; upper: number | null } | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as SeriesPoint;
      const b = points[j] as SeriesPoint;
      if (b.t !== a.t) slopes.push((b.v - a.v) / (b.t - a.t));
    }
  }
  if (slopes.length === 0) return null;
  slopes.sort((x, y) => x - y);
  const n = points.length;
  const total = slopes.length;
  // Sen (1968), as in Gilbert (1987) §16.5: C = z·sqrt(n(n-1)(2n+5)/18); the bounds are the slopes
  // of rank (N - C)/2 and (N + C)/2 + 1 (ties in the data ignored).
  const c = zForConfidence(confidence) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const r1 = (total - c) / 2;
  const r2 = (total + c) / 2 + 1;
  const ok = r1 >= 1 && r2 <= total;
  return { slope: median(slopes), lower: ok ? atRank(slopes, r1) : null, upper: ok ? atRank(slopes, r2) : null };
}

const fmt = (bytesPerHour: number): string => {
  const abs = Math.abs(bytesPerHour);
  if (abs >= 1024 * 1024) return `${(bytesPerHour / (1024 * 1024)).toFixed(2)} MiB/h`;
  if (abs >= 1024) return `${(bytesPerHour / 1024).toFixed(1)} KiB/h`;
  return `${bytesPerHour.toFixed(0)} B/h`;
};

/** The slope of `points` (RSS samples of one process) with its interval, and the verdict against the bound. */
export function memoryGrowth(points: readonly SeriesPoint[], options: MemoryGrowthOptions): MemoryGrowthResult {
  const confidence = options.confidence ?? 0.95;
  const maxPoints = options.maxPoints ?? 240;
  const minPoints = options.minPoints ?? 10;
  const minDurationMs = options.minDurationMs ?? 600_000;
  if (!Number.isFinite(options.maxBytesPerHour))
    throw new WatchError('WATCH_INVALID_ARGUMENT', `maxBytesPerHour must be a number; got ${options.maxBytesPerHour}`);
  if (!Number.isInteger(maxPoints) || maxPoints < 3 || maxPoints > 5000)
    throw new WatchError('WATCH_INVALID_ARGUMENT', `maxPoints must be a whole number in [3, 5000]; got ${maxPoints}`);
  const limit = { op: '<=' as const, value: options.maxBytesPerHour };
  const reduced = reduceToBucketMedians(points, maxPoints);
  const durationMs = reduced.length < 2 ? 0 : (reduced.at(-1) as SeriesPoint).t - (reduced[0] as SeriesPoint).t;
  const base = { criterion: 'memoryGrowth' as const, limit, n: reduced.length, durationMs };
  const short =
    reduced.length < minPoints
      ? `${reduced.length} points (need ${minPoints})`
      : durationMs < minDurationMs
        ? `${Math.round(durationMs / 1000)} s of samples (need ${Math.round(minDurationMs / 1000)} s)`
        : null;
  const fit = short === null ? theilSen(reduced, confidence) : null;
  if (fit === null) {
    return {
      ...base,
      outcome: 'insufficient',
      slopeBytesPerHour: null,
      interval: null,
      judged: null,
      reason: `memory growth not judged: ${short ?? 'all points at one time'}`,
    };
  }
  const slope = fit.slope * HOUR_MS;
  if (fit.lower === null || fit.upper === null) {
    return {
      ...base,
      outcome: 'insufficient',
      slopeBytesPerHour: slope,
      interval: null,
      judged: null,
      reason: `memory growth ${fmt(slope)}: too few points for a ${confidence * 100}% interval`,
    };
  }
  const interval: Interval = { lower: fit.lower * HOUR_MS, upper: fit.upper * HOUR_MS, confidence, method: 'sen' };
  const ci = `${fmt(slope)} (${confidence * 100}% CI ${fmt(interval.lower)} .. ${fmt(interval.upper)}, ${reduced.length} points over ${durationMs >= HOUR_MS ? `${(durationMs / HOUR_MS).toFixed(2)} h` : `${(durationMs / 60_000).toFixed(1)} min`})`;
  if (interval.upper <= limit.value)
    return {
      ...base,
      outcome: 'pass',
      slopeBytesPerHour: slope,
      interval,
      judged: interval.upper,
      reason: `memory growth ${ci}: upper bound <= ${fmt(limit.value)}`,
    };
  if (interval.lower > limit.value)
    return {
      ...base,
      outcome: 'fail',
      slopeBytesPerHour: slope,
      interval,
      judged: interval.lower,
      reason: `memory growth ${ci}: lower bound > ${fmt(limit.value)}`,
    };
  return {
    ...base,
    outcome: 'insufficient',
    slopeBytesPerHour: slope,
    interval,
    judged: null,
    reason: `memory growth ${ci}: the interval contains the bound ${fmt(limit.value)}; watch longer`,
  };
}
