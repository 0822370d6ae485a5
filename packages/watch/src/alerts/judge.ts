// The number each rule watches, computed from what the evaluator read for one window, and where it
// stands against the rule's thresholds. Pure: the evaluator does the reading (alerts/evaluator.ts).
import type { Measurements, QuantileValue } from '@shadow/analysis';
import { wilsonInterval } from '@shadow/analysis';
import type { TargetSeries } from '../store/clickhouse-samples.js';
import { memoryGrowth } from '../stats/memory-growth.js';
import { resourceRatio, type Baseline } from '../stats/resource-ratio.js';
import { DEFAULT_MIN_SAMPLE, direction, threshold, type Rule } from './config.js';

/**
 * Where a value stands: `breach` past the threshold, `clear` back past resolveAt, `hold` in the band
 * between them, `insufficient` below the minimum sample (no decision: the state stays).
 */
export type Condition = 'breach' | 'clear' | 'hold' | 'insufficient';

/** What one rule instance read for one window. */
export interface RuleInputs {
  readonly window: { readonly fromMs: number; readonly toMs: number };
  /** The instance's challenger (pair rules; live-latency from pairs: any candidate's). */
  readonly measurements?: Measurements | null | undefined;
  /** The secondary's, when there is one (the latency ratio's baseline). */
  readonly secondary?: Measurements | null | undefined;
  /** resource-ratio: the challenger's series and the baseline's. */
  readonly resources?:
    | { readonly challenger: readonly TargetSeries[]; readonly baseline: readonly TargetSeries[]; readonly baselineKind: Baseline }
    | undefined;
  /** memory-growth: RSS of the watched side, per target. */
  readonly memory?: readonly TargetSeries[] | undefined;
  /** live-latency from a metric: the scraped quantile series of live, in seconds. */
  readonly liveMetric?: readonly TargetSeries[] | undefined;
}

export interface RuleJudgement {
  /** The watched number; null when it could not be computed. */
  readonly value: number | null;
  /** Pairs, paired buckets or points behind it. */
  readonly sample: number;
  readonly minSample: number;
  readonly condition: Condition;
  readonly threshold: number;
  readonly resolveAt: number;
  readonly direction: 'above' | 'below';
  /** One line a person reads: the value, against what, over what. */
  readonly summary: string;
  readonly warnings: readonly string[];
}

export function minSampleOf(rule: Rule): number {
  if (rule.minSample !== undefined) return rule.minSample;
  if (rule.kind === 'live-latency' && rule.source === 'metric') return 3;
  return DEFAULT_MIN_SAMPLE[rule.kind];
}

/** The condition of `value` against the rule's thresholds. */
export function conditionOf(rule: Rule, value: number): Condition {
  const t = threshold(rule);
  const r = rule.resolveAt ?? t;
  if (direction(rule) === 'below') return value < t ? 'breach' : value >= r ? 'clear' : 'hold';
  return value > t ? 'breach' : value <= r ? 'clear' : 'hold';
}

const q = (list: readonly QuantileValue[], level: number): number | undefined => list.find((x) => Math.abs(x.q - level) < 1e-9)?.value;
const pct = (level: number): string => `p${Number((level * 100).toFixed(3))}`;
const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

/** The rule's number for one window and its condition. */
export function judgeRule(rule: Rule, inputs: RuleInputs): RuleJudgement {
  const minSample = minSampleOf(rule);
  const t = threshold(rule);
  const base = { minSample, threshold: t, resolveAt: rule.resolveAt ?? t, direction: direction(rule) };
  const windowText = `${Math.round((inputs.window.toMs - inputs.window.fromMs) / 1000)} s`;
  const warnings: string[] = [];
  const result = (value: number | null, sample: number, what: string, unit = ''): RuleJudgement => {
    const enough = value !== null && Number.isFinite(value) && sample >= minSample;
    const op = base.direction === 'below' ? '<' : '>';
    const summary =
      value === null || !Number.isFinite(value)
        ? `${what}: not measured over ${windowText} (${sample} in the window)`
        : `${what} ${fmt(value)}${unit} (fires ${op} ${fmt(t)}${unit}${base.resolveAt === t ? '' : `, resolves at ${fmt(base.resolveAt)}${unit}`}) over ${windowText}, sample ${sample}${enough ? '' : ` < ${minSample}: not judged`}`;
    return {
      ...base,
      value: value !== null && Number.isFinite(value) ? value : null,
      sample,
      condition: enough ? conditionOf(rule, value) : 'insufficient',
      summary,
      warnings,
    };
  };
  const m = inputs.measurements ?? null;
  switch (rule.kind) {
    case 'agreement': {
      const a = m?.overall.agreement ?? { trials: 0, successes: 0 };
      const value = a.trials === 0 ? null : wilsonInterval(a.successes, a.trials, { confidence: rule.confidence }).lower;
      return result(value, a.trials, `agreement lower ${rule.confidence * 100}% bound (${a.successes}/${a.trials})`);
    }
    case 'latency-ratio': {
      const c = m === null ? undefined : q(m.overall.latency.candidate.quantiles, rule.quantile);
      const secondary = inputs.secondary ?? null;
      const overLive = secondary === null;
      if (overLive) warnings.push('no secondary: latency compared with live, which is measured under other load');
      const b = overLive
        ? m === null
          ? undefined
          : q(m.overall.latency.live.quantiles, rule.quantile)
        : q(secondary.overall.latency.candidate.quantiles, rule.quantile);
      const sample = Math.min(
        m?.overall.latency.candidate.count ?? 0,
        overLive ? (m?.overall.latency.live.count ?? 0) : secondary.overall.latency.candidate.count,
      );
      const value = c === undefined || b === undefined || !(b > 0) ? null : c / b;
      return result(
        value,
        sample,
        `latency ${pct(rule.quantile)} ratio over the ${overLive ? 'live' : 'secondary'}${c !== undefined && b !== undefined ? ` (${fmt(c)} ms / ${fmt(b)} ms)` : ''}`,
        'x',
      );
    }
    case 'error-rate': {
      const e = m?.overall.errors ?? { pairs: 0, live: 0, candidate: 0, both: 0 };
      const value = e.pairs === 0 ? null : rule.of === 'challenger' ? e.candidate / e.pairs : (e.candidate - e.live) / e.pairs;
      return result(
        value,
        e.pairs,
        rule.of === 'challenger' ? `error rate (${e.candidate}/${e.pairs})` : `error rate over live's (${e.candidate} - ${e.live})/${e.pairs}`,
      );
    }
    case 'resource-ratio': {
      const r = inputs.resources;
      if (r === undefined) return result(null, 0, `${rule.resource} ratio`);
      const ratio = resourceRatio(r.challenger, r.baseline, {
        bucketMs: rule.bucketMs,
        confidence: rule.confidence,
        minBuckets: 2,
        baseline: r.baselineKind,
        criterion: `${rule.resource}Ratio`,
      });
      warnings.push(...ratio.warnings);
      const value = ratio.ratio === null ? null : rule.judgeOn === 'estimate' ? ratio.ratio : (ratio.interval?.lower ?? null);
      const what = `${rule.resource} ratio over the ${r.baselineKind}${rule.judgeOn === 'bound' ? ` (lower ${rule.confidence * 100}% bound${ratio.ratio === null ? '' : `, estimate ${fmt(ratio.ratio)}`})` : ''}`;
      return result(value, ratio.n, what, 'x');
    }
    case 'memory-growth': {
      const series = inputs.memory ?? [];
      let worst: number | null = null;
      let sample = series.length === 0 ? 0 : Number.POSITIVE_INFINITY;
      let worstTarget = '';
      for (const s of series) {
        const g = memoryGrowth(s.points, { maxBytesPerHour: t, confidence: rule.confidence, minPoints: 3, minDurationMs: 0 });
        sample = Math.min(sample, g.n);
        const lower = g.interval?.lower ?? null;
        if (lower === null) continue;
        if (worst === null || lower > worst) {
          worst = lower;
          worstTarget = s.target;
        }
      }
      if (worst === null) sample = 0;
      return result(
        worst,
        sample === Number.POSITIVE_INFINITY ? 0 : sample,
        `RSS growth lower ${rule.confidence * 100}% bound${worstTarget === '' ? '' : ` (${worstTarget})`}`,
        ' B/h',
      );
    }
    case 'business': {
      const o = m?.overall.business?.[rule.metric];
      if (o === undefined) return result(null, 0, `business metric ${rule.metric}`);
      if (o.kind === 'numeric') {
        const l = o.live.mean;
        const c = o.candidate.mean;
        const value = l === 0 ? (c === 0 ? 0 : null) : Math.abs(c - l) / Math.abs(l);
        return result(value, o.pairs, `${rule.metric} relative mean shift (${fmt(c)} vs live ${fmt(l)})`);
      }
      if (o.kind === 'decision') return result(o.pairs === 0 ? null : o.flips / o.pairs, o.pairs, `${rule.metric} flip rate (${o.flips}/${o.pairs})`);
      return result(o.pairs === 0 ? null : 1 - o.meanJaccard, o.pairs, `${rule.metric} 1 - mean Jaccard`);
    }
    case 'live-latency': {
      if (rule.source === 'metric') {
        const points = (inputs.liveMetric ?? []).flatMap((s) => s.points);
        const value = points.length === 0 ? null : (points.reduce((sum, p) => sum + p.v, 0) / points.length) * 1000;
        return result(value, points.length, `live ${pct(rule.quantile)} from ${rule.metric ?? 'metric'} (mean of ${points.length} scrapes)`, ' ms');
      }
      const value = m === null ? undefined : q(m.overall.latency.live.quantiles, rule.quantile);
      return result(value ?? null, m?.overall.latency.live.count ?? 0, `live ${pct(rule.quantile)} on paired exchanges`, ' ms');
    }
  }
}
