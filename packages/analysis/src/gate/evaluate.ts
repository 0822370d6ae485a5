// The promotion gate: criteria + measurements -> verdict. Pure and deterministic (bootstrap
// randomness is seeded from the criteria file), so the same data always gives the same verdict
// and a recorded verdict can be re-derived.
//
// Rules:
// - Statistical criteria are judged on the confidence bound that is worst for the candidate
//   (lower bound for "at least", upper for "at most") unless the file says judgeOn: estimate.
// - Below the minimum sample (pairs, duration) a scope's statistical criteria are not judged:
//   they are "insufficient", with their measured values still shown. Side-effect differences are
//   judged regardless: one unexpected write is a fact, not a statistic.
// - Verdict: fail if any blocking result fails; else insufficient if any blocking result is
//   insufficient; else pass. A route that is not `required` (everyRoute without an override, or
//   required: false) never blocks for lack of data, but does block when it fails.

import type { Criteria, LatencyCriterion, ScopeCriteria, SideEffectsCriterion, BusinessMetricCriterion } from '../criteria/schema.js';
import { parseDuration, formatDuration } from '../criteria/duration.js';
import { globMatches, routeLabel, splitRouteKey } from '../criteria/patterns.js';
import { isRouteExcluded, overallCriteria, routeCriteria, type RouteCriteria } from '../criteria/resolve.js';
import { AnalysisError } from '../errors.js';
import type { BusinessOutcome, Measurements, ScopeMeasurements, SideEffectDifference, SideEffectKind } from '../measurements/types.js';
import { bootstrapQuantile, bootstrapQuantileComparison } from '../stats/bootstrap.js';
import { checkPairedCounts, pairedDifferenceInterval } from '../stats/proportions.js';
import { quantileLabel } from '../stats/quantile.js';
import type { BootstrapOptions } from '../stats/types.js';
import { wilsonInterval } from '../stats/wilson.js';
import { describeConditions, sandboxWarning } from '../report/build.js';
import { formatBytesPerHour, formatCount, formatFactor, formatMs, formatNumber, formatPercent, formatPoints } from '../report/format.js';
import { exitCodeFor } from './exit-codes.js';
import { evaluateResources } from './resources.js';
import type { CriterionResult, GateOutcome, GateUnit, GateVerdict } from './types.js';

export interface EvaluateGateOptions {
  /** sha256 of the criteria file, recorded in the verdict (from loadCriteriaFile). */
  criteriaSha256?: string;
  /** Where the criteria came from, recorded in the verdict. */
  criteriaSource?: string;
}

interface Context {
  confidence: number;
  bootstrap: BootstrapOptions;
  scope: string;
  /** The scope has enough data for statistical criteria. */
  sampleOk: boolean;
  sampleReason: string;
  required: boolean;
  /** Route criteria inherited from the top level: skipped where the route lacks the measurement. */
  inherited?: RouteCriteria['inherited'] | undefined;
  /** Warnings of the whole verdict (shared by every scope's context), each once. */
  warnings: Set<string>;
  measurements: Measurements;
}

type Draft = Omit<CriterionResult, 'scope' | 'blocking'>;

const NOT_ENOUGH = 'not judged: not enough data in this scope';

/** What the reasons call the judged challenger: its role (a secondary gated on its own is not a "candidate"). */
const who = (ctx: Context): string => (ctx.measurements.role === 'secondary' ? 'secondary' : 'candidate');

function finish(ctx: Context, d: Draft): CriterionResult {
  const blocking = d.outcome !== 'insufficient' || ctx.required;
  return { ...d, scope: ctx.scope, blocking };
}

function formatValue(unit: GateUnit, x: number | null): string {
  switch (unit) {
    case 'ratio':
      return formatPercent(x);
    case 'ms':
      return formatMs(x);
    case 'factor':
      return formatFactor(x);
    case 'duration':
      return x === null ? '-' : formatDuration(x);
    case 'count':
      return x === null ? '-' : formatCount(x);
    case 'bytesPerHour':
      return formatBytesPerHour(x);
  }
}

function compareOk(op: '>=' | '<=', judged: number, limit: number): boolean {
  return op === '>=' ? judged >= limit : judged <= limit;
}

/** A statistical check: outcome from the judged value, reason naming value, interval and limit. */
function judge(
  ctx: Context,
  what: string,
  args: {
    criterion: string;
    measured: number | null;
    interval: CriterionResult['interval'];
    judgeOn: 'bound' | 'estimate';
    op: '>=' | '<=';
    limit: number;
    unit: GateUnit;
    n: number;
    /** Format the limit differently (e.g. a difference in points). */
    fmt?: (x: number | null) => string;
  },
): CriterionResult {
  const fmt = args.fmt ?? ((x: number | null) => formatValue(args.unit, x));
  const bound = args.interval === null ? null : args.op === '>=' ? args.interval.lower : args.interval.upper;
  const judged = args.judgeOn === 'bound' ? bound : args.measured;
  const ci =
    args.interval === null
      ? ''
      : ` (${Math.round(args.interval.confidence * 100)}% CI ${fmt(args.interval.lower)} .. ${fmt(args.interval.upper)}, n=${formatCount(args.n)})`;
  const base = {
    criterion: args.criterion,
    measured: args.measured,
    interval: args.interval,
    judged,
    judgedOn: args.judgeOn,
    limit: { op: args.op, value: args.limit },
    unit: args.unit,
    n: args.n,
  } as const;
  if (!ctx.sampleOk) {
    return finish(ctx, { ...base, judged: null, outcome: 'insufficient', reason: `${what} ${fmt(args.measured)}${ci}: ${NOT_ENOUGH} (${ctx.sampleReason})` });
  }
  if (judged === null || args.measured === null) {
    const why = args.measured === null ? 'nothing measured' : 'no confidence interval (no samples)';
    return finish(ctx, { ...base, judged: null, outcome: 'insufficient', reason: `${what}: ${why}; limit ${args.op} ${fmt(args.limit)}` });
  }
  const ok = compareOk(args.op, judged, args.limit);
  const on = args.judgeOn === 'bound' ? `${args.op === '>=' ? 'lower' : 'upper'} bound ${fmt(judged)}` : `estimate ${fmt(judged)}`;
  const verdict = ok ? args.op : args.op === '>=' ? '<' : '>';
  return finish(ctx, { ...base, outcome: ok ? 'pass' : 'fail', reason: `${what} ${fmt(args.measured)}${ci}: ${on} ${verdict} ${fmt(args.limit)}` });
}

function insufficient(ctx: Context, criterion: string, unit: GateUnit, op: '>=' | '<=', limit: number, reason: string): CriterionResult {
  return finish(ctx, {
    criterion,
    measured: null,
    interval: null,
    judged: null,
    judgedOn: 'estimate',
    limit: { op, value: limit },
    unit,
    n: 0,
    outcome: 'insufficient',
    reason,
  });
}

function evaluateAgreement(ctx: Context, c: NonNullable<ScopeCriteria['agreement']>, m: ScopeMeasurements): CriterionResult {
  const w = wilsonInterval(m.agreement.successes, m.agreement.trials, { confidence: ctx.confidence });
  return judge(ctx, 'agreement', {
    criterion: 'agreement',
    measured: w.estimate,
    interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
    judgeOn: c.judgeOn,
    op: '>=',
    limit: c.min,
    unit: 'ratio',
    n: w.trials,
  });
}

/** Pairs the judges gave a verdict on (equal, different or error). */
const judgedPairs = (m: ScopeMeasurements): number => (m.judge === undefined ? 0 : m.judge.equal + m.judge.different + m.judge.error);

/**
 * Agreement after the routes' judges (docs/judge.md): the judge's `equal` counts, pairs it skipped
 * are left out, its errors disagree. Where no pair needed a judge it equals `agreement`.
 */
function evaluateAgreementAfterJudge(ctx: Context, c: NonNullable<ScopeCriteria['agreementAfterJudge']>, m: ScopeMeasurements): CriterionResult {
  const counts = m.judge?.agreement ?? m.agreement;
  const w = wilsonInterval(counts.successes, counts.trials, { confidence: ctx.confidence });
  return judge(ctx, m.judge === undefined ? 'agreement after the judge (no pair needed one: as before)' : 'agreement after the judge', {
    criterion: 'agreementAfterJudge',
    measured: w.estimate,
    interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
    judgeOn: c.judgeOn,
    op: '>=',
    limit: c.min,
    unit: 'ratio',
    n: w.trials,
  });
}

/** The judge itself: enough verdicts, few failures, few false differences on the secondary. */
function evaluateJudge(ctx: Context, c: NonNullable<ScopeCriteria['judge']>, m: ScopeMeasurements): CriterionResult[] {
  const out: CriterionResult[] = [];
  const j = m.judge;
  const n = judgedPairs(m);
  if (c.minJudged !== undefined) {
    const ok = n >= c.minJudged;
    out.push(
      finish(ctx, {
        criterion: 'judge.minJudged',
        measured: n,
        interval: null,
        judged: n,
        judgedOn: 'count',
        limit: { op: '>=', value: c.minJudged },
        unit: 'count',
        n,
        outcome: ok ? 'pass' : 'insufficient',
        reason: `pairs the judge gave a verdict on ${formatCount(n)} ${ok ? '>=' : '<'} ${formatCount(c.minJudged)}${ok ? '' : ': not enough judged pairs yet'}`,
      }),
    );
  }
  const none = j === undefined ? 'no pair of this scope needed a judge' : `the judge gave no verdict (${formatCount(j.needed)} pairs needed one, none judged)`;
  if (c.maxErrorRate !== undefined) {
    if (j === undefined || n === 0) out.push(insufficient(ctx, 'judge.maxErrorRate', 'ratio', '<=', c.maxErrorRate, none));
    else {
      const w = wilsonInterval(j.error, n, { confidence: ctx.confidence });
      out.push(
        judge(ctx, 'judge error rate', {
          criterion: 'judge.maxErrorRate',
          measured: w.estimate,
          interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxErrorRate,
          unit: 'ratio',
          n: w.trials,
        }),
      );
    }
  }
  if (c.maxFalseDifferenceRate !== undefined) {
    const audits = j === undefined ? 0 : j.audit.secondary.equal + j.audit.secondary.different;
    if (j === undefined || audits === 0) {
      out.push(
        insufficient(
          ctx,
          'judge.maxFalseDifferenceRate',
          'ratio',
          '<=',
          c.maxFalseDifferenceRate,
          j === undefined
            ? none
            : 'no audit of the secondary judged: set audit.secondaryRate on the judge, and replay a secondary (docs/judge.md "Judging the judge")',
        ),
      );
    } else {
      const w = wilsonInterval(j.audit.secondary.different, audits, { confidence: ctx.confidence });
      out.push(
        judge(ctx, 'judge false-difference rate (live vs the secondary called different)', {
          criterion: 'judge.maxFalseDifferenceRate',
          measured: w.estimate,
          interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxFalseDifferenceRate,
          unit: 'ratio',
          n: w.trials,
        }),
      );
    }
  }
  return out;
}

function summaryQuantile(side: ScopeMeasurements['latency']['live'], q: number): number | null {
  if (q === 1 && side.maxMs !== null) return side.maxMs;
  return side.quantiles.find((x) => Math.abs(x.q - q) < 1e-12)?.value ?? null;
}

function evaluateLatency(ctx: Context, c: LatencyCriterion, m: ScopeMeasurements): CriterionResult {
  const label = quantileLabel(c.quantile);
  const samples = m.latency.samples;
  const parts: CriterionResult[] = [];
  if (c.maxMs !== undefined) {
    const name = `latency.${label}.maxMs`;
    if (samples !== undefined) {
      const b = bootstrapQuantile(samples.candidateMs, c.quantile, ctx.bootstrap);
      const exact = summaryQuantile(m.latency.candidate, c.quantile);
      parts.push(
        judge(ctx, `${who(ctx)} ${label}`, {
          criterion: name,
          measured: exact ?? b.estimate,
          interval: {
            lower: b.lower,
            upper: b.upper,
            confidence: b.confidence,
            method: b.subsampled ? `bootstrap (subsample of ${b.sampleSize})` : 'bootstrap',
          },
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxMs,
          unit: 'ms',
          n: b.n,
        }),
      );
    } else {
      parts.push(
        judge(ctx, `${who(ctx)} ${label}`, {
          criterion: name,
          measured: summaryQuantile(m.latency.candidate, c.quantile),
          interval: null,
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxMs,
          unit: 'ms',
          n: m.latency.candidate.count,
        }),
      );
    }
  }
  if (c.maxFactorOfSecondary !== undefined) {
    const name = `latency.${label}.maxFactorOfSecondary`;
    const secondary = m.latency.secondary;
    const pairs = m.latency.secondarySamples;
    const exactRatio = () => {
      const base = secondary === undefined ? null : summaryQuantile(secondary, c.quantile);
      const cand = summaryQuantile(m.latency.candidate, c.quantile);
      return base !== null && cand !== null && base > 0 ? cand / base : null;
    };
    if (secondary === undefined) {
      parts.push(
        insufficient(
          ctx,
          name,
          'factor',
          '<=',
          c.maxFactorOfSecondary,
          "no secondary answered these exchanges: maxFactorOfSecondary compares with a secondary (live's code replayed as a challenger with role secondary in the same run or window)",
        ),
      );
    } else if (pairs !== undefined) {
      const b = bootstrapQuantileComparison(pairs.secondaryMs, pairs.candidateMs, c.quantile, { ...ctx.bootstrap, compare: 'ratio', paired: true });
      parts.push(
        judge(ctx, `${who(ctx)} ${label} / secondary ${label}`, {
          criterion: name,
          measured: exactRatio() ?? b.estimate,
          interval: {
            lower: b.lower,
            upper: b.upper,
            confidence: b.confidence,
            method: `bootstrap${b.paired ? ' (paired)' : ''}${b.subsampled ? ` (subsample of ${b.sampleSize})` : ''}`,
          },
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxFactorOfSecondary,
          unit: 'factor',
          n: b.n,
        }),
      );
    } else {
      parts.push(
        judge(ctx, `${who(ctx)} ${label} / secondary ${label}`, {
          criterion: name,
          measured: exactRatio(),
          interval: null,
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxFactorOfSecondary,
          unit: 'factor',
          n: Math.min(secondary.count, m.latency.candidate.count),
        }),
      );
    }
  }
  if (c.maxFactorOfLive !== undefined) {
    const name = `latency.${label}.maxFactorOfLive`;
    const measurements = ctx.measurements;
    const secondaryNote =
      measurements.secondary === null || measurements.secondary === undefined
        ? "replay a secondary (live's code as a challenger with role secondary) and use maxFactorOfSecondary"
        : `use maxFactorOfSecondary: the secondary ${measurements.secondary.challengerId} answered these exchanges under the same conditions`;
    ctx.warnings.add(
      `maxFactorOfLive compares the ${who(ctx)}'s latency, measured under ${describeConditions(measurements.conditions)}, with live's, measured in production: a replay at another speed or concurrency than production's makes this ratio unfair; ${secondaryNote}`,
    );
    if (samples !== undefined) {
      const b = bootstrapQuantileComparison(samples.liveMs, samples.candidateMs, c.quantile, { ...ctx.bootstrap, compare: 'ratio', paired: samples.paired });
      const live = summaryQuantile(m.latency.live, c.quantile);
      const cand = summaryQuantile(m.latency.candidate, c.quantile);
      const exact = live !== null && cand !== null && live > 0 ? cand / live : null;
      parts.push(
        judge(ctx, `${who(ctx)} ${label} / live ${label}`, {
          criterion: name,
          measured: exact ?? b.estimate,
          interval: {
            lower: b.lower,
            upper: b.upper,
            confidence: b.confidence,
            method: `bootstrap${b.paired ? ' (paired)' : ''}${b.subsampled ? ` (subsample of ${b.sampleSize})` : ''}`,
          },
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxFactorOfLive,
          unit: 'factor',
          n: b.n,
        }),
      );
    } else {
      const live = summaryQuantile(m.latency.live, c.quantile);
      const cand = summaryQuantile(m.latency.candidate, c.quantile);
      parts.push(
        judge(ctx, `${who(ctx)} ${label} / live ${label}`, {
          criterion: name,
          measured: live !== null && cand !== null && live > 0 ? cand / live : null,
          interval: null,
          judgeOn: c.judgeOn,
          op: '<=',
          limit: c.maxFactorOfLive,
          unit: 'factor',
          n: Math.min(m.latency.live.count, m.latency.candidate.count),
        }),
      );
    }
  }
  if (parts.length === 1) return parts[0] as CriterionResult;
  // Several limits: combine 'all' (every part must pass) or 'any' (one passing part is enough).
  const outcomes = parts.map((p) => p.outcome);
  let outcome: GateOutcome;
  if (c.combine === 'all') outcome = outcomes.includes('fail') ? 'fail' : outcomes.includes('insufficient') ? 'insufficient' : 'pass';
  else outcome = outcomes.includes('pass') ? 'pass' : outcomes.includes('insufficient') ? 'insufficient' : 'fail';
  const lead = parts.find((p) => p.outcome === outcome) ?? (parts[0] as CriterionResult);
  const joiner = c.combine === 'all' ? ' and ' : ' or ';
  return finish(ctx, {
    ...lead,
    criterion: `latency.${label}`,
    outcome,
    reason: `${parts.map((p) => p.reason).join(joiner)} (${c.combine === 'all' ? 'every limit must hold' : 'one limit suffices'})`,
    parts,
  });
}

function evaluateErrorRate(ctx: Context, c: NonNullable<ScopeCriteria['errorRate']>, m: ScopeMeasurements): CriterionResult[] {
  const out: CriterionResult[] = [];
  if (c.max !== undefined) {
    const w = wilsonInterval(m.errors.candidate, m.errors.pairs, { confidence: ctx.confidence });
    out.push(
      judge(ctx, `${who(ctx)} error rate`, {
        criterion: 'errorRate.max',
        measured: w.estimate,
        interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
        judgeOn: c.judgeOn,
        op: '<=',
        limit: c.max,
        unit: 'ratio',
        n: w.trials,
      }),
    );
  }
  if (c.maxIncreaseOverLive !== undefined) {
    const d = pairedDifferenceInterval(m.errors, { confidence: ctx.confidence });
    out.push(
      judge(ctx, `${who(ctx)} error rate - live error rate`, {
        criterion: 'errorRate.maxIncreaseOverLive',
        measured: d.estimate,
        interval: { lower: d.lower, upper: d.upper, confidence: d.confidence, method: d.method },
        judgeOn: c.judgeOn,
        op: '<=',
        limit: c.maxIncreaseOverLive,
        unit: 'ratio',
        n: m.errors.pairs,
        fmt: formatPoints,
      }),
    );
  }
  return out;
}

function isExpected(c: SideEffectsCriterion, d: SideEffectKind): boolean {
  return c.expected.some(
    (e) =>
      (e.direction === 'either' || e.direction === d.direction) &&
      (e.method === '*' || e.method.toUpperCase() === d.method.toUpperCase()) &&
      globMatches(e.target, d.target, '\u0000') &&
      globMatches(e.path, d.path),
  );
}

function describeSideEffect(d: SideEffectDifference): string {
  return `${d.method.toUpperCase()} ${d.target}${d.path} (${d.direction}, ${formatCount(d.pairs)} pairs, e.g. ${d.examplePairId})`;
}

/**
 * Pairs with at least one unexpected side-effect difference: a pair counts once however many it has
 * (a write sent to another path is live-only + candidate-only on one pair). Sets a store left out
 * count as unexpected; without sets (hand-made measurements) the kinds' pairs are summed, an upper
 * bound. Either way an uncertain count errs towards fail.
 */
function unexpectedPairs(c: SideEffectsCriterion, m: ScopeMeasurements, unexpected: readonly SideEffectDifference[]): number {
  if (m.sideEffectPairs === undefined) return unexpected.reduce((sum, d) => sum + d.pairs, 0);
  const { pairs, sets } = m.sideEffectPairs;
  const listed = sets.reduce((sum, s) => sum + s.pairs, 0);
  const withUnexpected = sets.filter((s) => s.differences.some((d) => !isExpected(c, d))).reduce((sum, s) => sum + s.pairs, 0);
  return withUnexpected + Math.max(0, pairs - listed);
}

function evaluateSideEffects(ctx: Context, c: SideEffectsCriterion, m: ScopeMeasurements): CriterionResult {
  const unexpected = m.sideEffects
    .filter((d) => !isExpected(c, d))
    .sort((a, b) => b.pairs - a.pairs || describeSideEffect(a).localeCompare(describeSideEffect(b)));
  const count = unexpectedPairs(c, m, unexpected);
  const expected = m.sideEffects.length - unexpected.length;
  const ok = count <= c.maxUnexpected;
  const listed = unexpected.slice(0, 5).map(describeSideEffect).join('; ');
  const more = unexpected.length > 5 ? `; and ${unexpected.length - 5} more` : '';
  const reason =
    count === 0
      ? `no pairs with an unexpected side-effect difference${expected > 0 ? ` (${expected} expected kinds ignored)` : ''}`
      : `${formatCount(count)} ${count === 1 ? 'pair' : 'pairs'} with an unexpected side-effect difference ${ok ? '<=' : '>'} ${c.maxUnexpected}${listed === '' ? '' : `: ${listed}${more}`}`;
  // Judged whatever the sample size: an unexpected write is a fact, not an estimate.
  return {
    criterion: 'sideEffects',
    scope: ctx.scope,
    blocking: true,
    measured: count,
    interval: null,
    judged: count,
    judgedOn: 'count',
    limit: { op: '<=', value: c.maxUnexpected },
    unit: 'count',
    n: m.pairs,
    outcome: ok ? 'pass' : 'fail',
    reason,
  };
}

function relativeDiff(live: number, candidate: number): number {
  if (live === 0) return candidate === 0 ? 0 : Infinity;
  return Math.abs(candidate - live) / Math.abs(live);
}

function evaluateBusiness(ctx: Context, name: string, c: BusinessMetricCriterion, outcome: BusinessOutcome | undefined): CriterionResult[] {
  const out: CriterionResult[] = [];
  const prefix = `business.${name}`;
  const missing = (check: string, unit: GateUnit, op: '>=' | '<=', limit: number, kind: string) =>
    insufficient(
      ctx,
      `${prefix}.${check}`,
      unit,
      op,
      limit,
      outcome === undefined
        ? `business metric "${name}" was not measured in this scope`
        : `business metric "${name}" is a ${outcome.kind} outcome; ${check} needs a ${kind} one`,
    );
  if (c.meanRelativeDiff !== undefined) {
    if (outcome?.kind !== 'numeric') out.push(missing('meanRelativeDiff', 'ratio', '<=', c.meanRelativeDiff.max, 'numeric'));
    else
      out.push(
        judge(ctx, `${name}: |mean difference| / live mean (live ${formatNumber(outcome.live.mean)}, ${who(ctx)} ${formatNumber(outcome.candidate.mean)})`, {
          criterion: `${prefix}.meanRelativeDiff`,
          measured: outcome.pairs === 0 ? null : relativeDiff(outcome.live.mean, outcome.candidate.mean),
          interval: null,
          judgeOn: 'estimate',
          op: '<=',
          limit: c.meanRelativeDiff.max,
          unit: 'ratio',
          n: outcome.pairs,
        }),
      );
  }
  for (const qc of c.quantiles ?? []) {
    const label = quantileLabel(qc.quantile);
    if (outcome?.kind !== 'numeric') {
      out.push(missing(`${label}RelativeDiff`, 'ratio', '<=', qc.maxRelativeDiff, 'numeric'));
      continue;
    }
    const l = outcome.live.quantiles.find((x) => Math.abs(x.q - qc.quantile) < 1e-12)?.value;
    const cv = outcome.candidate.quantiles.find((x) => Math.abs(x.q - qc.quantile) < 1e-12)?.value;
    if (l === undefined || cv === undefined) {
      out.push(insufficient(ctx, `${prefix}.${label}RelativeDiff`, 'ratio', '<=', qc.maxRelativeDiff, `business metric "${name}": ${label} was not measured`));
      continue;
    }
    out.push(
      judge(ctx, `${name}: |${label} difference| / live ${label} (live ${formatNumber(l)}, ${who(ctx)} ${formatNumber(cv)})`, {
        criterion: `${prefix}.${label}RelativeDiff`,
        measured: outcome.pairs === 0 ? null : relativeDiff(l, cv),
        interval: null,
        judgeOn: 'estimate',
        op: '<=',
        limit: qc.maxRelativeDiff,
        unit: 'ratio',
        n: outcome.pairs,
      }),
    );
  }
  if (c.flipRate !== undefined) {
    if (outcome?.kind !== 'decision') out.push(missing('flipRate', 'ratio', '<=', c.flipRate.max, 'decision'));
    else {
      const w = wilsonInterval(outcome.flips, outcome.pairs, { confidence: ctx.confidence });
      out.push(
        judge(ctx, `${name}: decision flip rate`, {
          criterion: `${prefix}.flipRate`,
          measured: w.estimate,
          interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
          judgeOn: c.flipRate.judgeOn,
          op: '<=',
          limit: c.flipRate.max,
          unit: 'ratio',
          n: w.trials,
        }),
      );
    }
  }
  if (c.jaccard !== undefined) {
    if (outcome?.kind !== 'list') out.push(missing('jaccard', 'ratio', '>=', c.jaccard.min, 'list'));
    else
      out.push(
        judge(ctx, `${name}: mean Jaccard similarity`, {
          criterion: `${prefix}.jaccard`,
          measured: outcome.pairs === 0 ? null : outcome.meanJaccard,
          interval: null,
          judgeOn: 'estimate',
          op: '>=',
          limit: c.jaccard.min,
          unit: 'ratio',
          n: outcome.pairs,
        }),
      );
  }
  if (c.topKOverlap !== undefined) {
    if (outcome?.kind !== 'list' || outcome.meanTopKOverlap === undefined)
      out.push(missing('topKOverlap', 'ratio', '>=', c.topKOverlap.min, 'list (with top-k overlap)'));
    else
      out.push(
        judge(ctx, `${name}: mean top-${outcome.k ?? 'k'} overlap`, {
          criterion: `${prefix}.topKOverlap`,
          measured: outcome.pairs === 0 ? null : outcome.meanTopKOverlap,
          interval: null,
          judgeOn: 'estimate',
          op: '>=',
          limit: c.topKOverlap.min,
          unit: 'ratio',
          n: outcome.pairs,
        }),
      );
  }
  return out;
}

function evaluateAccuracy(ctx: Context, c: NonNullable<ScopeCriteria['accuracy']>, m: ScopeMeasurements): CriterionResult[] {
  const out: CriterionResult[] = [];
  const acc = m.accuracy;
  const labelled = acc?.pairs ?? 0;
  const enough = labelled >= c.minLabelled;
  const labelCtx: Context = enough ? ctx : { ...ctx, sampleOk: false, sampleReason: `${formatCount(labelled)} labelled pairs < ${formatCount(c.minLabelled)}` };
  if (acc === undefined) {
    out.push(insufficient(labelCtx, 'accuracy.minDelta', 'ratio', '>=', c.minDelta, `no labelled pairs in this scope (need ${formatCount(c.minLabelled)})`));
    return out;
  }
  const d = pairedDifferenceInterval(acc, { confidence: ctx.confidence });
  out.push(
    judge(labelCtx, `accuracy ${who(ctx)} ${formatPercent(d.candidate.estimate)} vs live ${formatPercent(d.live.estimate)}, difference`, {
      criterion: 'accuracy.minDelta',
      measured: d.estimate,
      interval: { lower: d.lower, upper: d.upper, confidence: d.confidence, method: d.method },
      judgeOn: c.judgeOn,
      op: '>=',
      limit: c.minDelta,
      unit: 'ratio',
      n: labelled,
      fmt: formatPoints,
    }),
  );
  if (c.minCandidate !== undefined) {
    const w = d.candidate;
    out.push(
      judge(labelCtx, `${who(ctx)} accuracy`, {
        criterion: 'accuracy.minCandidate',
        measured: w.estimate,
        interval: { lower: w.lower, upper: w.upper, confidence: w.confidence, method: 'wilson' },
        judgeOn: c.judgeOn,
        op: '>=',
        limit: c.minCandidate,
        unit: 'ratio',
        n: labelled,
      }),
    );
  }
  return out;
}

function evaluateScope(ctx: Context, c: ScopeCriteria, m: ScopeMeasurements): CriterionResult[] {
  const out: CriterionResult[] = [];
  if (c.agreement !== undefined) out.push(evaluateAgreement(ctx, c.agreement, m));
  // Too few judged pairs (judge.minJudged): what depends on the judge is not judged yet.
  const minJudged = c.judge?.minJudged;
  const judgeCtx: Context =
    minJudged === undefined || judgedPairs(m) >= minJudged || !ctx.sampleOk
      ? ctx
      : { ...ctx, sampleOk: false, sampleReason: `${formatCount(judgedPairs(m))} judged pairs < ${formatCount(minJudged)}` };
  if (c.agreementAfterJudge !== undefined) out.push(evaluateAgreementAfterJudge(judgeCtx, c.agreementAfterJudge, m));
  if (c.judge !== undefined) out.push(...evaluateJudge(judgeCtx, c.judge, m));
  for (const l of c.latency ?? []) out.push(evaluateLatency(ctx, l, m));
  if (c.errorRate !== undefined) out.push(...evaluateErrorRate(ctx, c.errorRate, m));
  if (c.sideEffects !== undefined) out.push(evaluateSideEffects(ctx, c.sideEffects, m));
  for (const [name, metric] of Object.entries(c.business ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const measured = m.business?.[name];
    if (measured === undefined && ctx.inherited?.business.has(name) === true) continue;
    out.push(...evaluateBusiness(ctx, name, metric, measured));
  }
  if (c.accuracy !== undefined && !(m.accuracy === undefined && ctx.inherited?.accuracy === true)) out.push(...evaluateAccuracy(ctx, c.accuracy, m));
  return out;
}

function countResult(scope: string, criterion: string, measured: number, limit: number, unit: GateUnit, required: boolean, what: string): CriterionResult {
  const ok = measured >= limit;
  const fmt = (x: number) => formatValue(unit, x);
  return {
    criterion,
    scope,
    outcome: ok ? 'pass' : 'insufficient',
    blocking: ok || required,
    measured,
    interval: null,
    judged: measured,
    judgedOn: 'count',
    limit: { op: '>=', value: limit },
    unit,
    n: measured,
    reason: `${what} ${fmt(measured)} ${ok ? '>=' : '<'} ${fmt(limit)}${ok ? '' : ': not enough data yet'}`,
  };
}

function checkMeasurements(m: Measurements): void {
  const check = (s: ScopeMeasurements, at: string) => {
    try {
      checkPairedCounts(s.errors, `${at}.errors`);
      if (s.accuracy !== undefined) checkPairedCounts(s.accuracy, `${at}.accuracy`);
    } catch (error) {
      throw new AnalysisError('ANALYSIS_INVALID_MEASUREMENTS', (error as Error).message, { cause: error, fields: [at] });
    }
    if (!(s.agreement.successes <= s.agreement.trials)) {
      throw new AnalysisError('ANALYSIS_INVALID_MEASUREMENTS', `${at}.agreement: successes (${s.agreement.successes}) exceed trials (${s.agreement.trials})`, {
        fields: [`${at}.agreement`],
      });
    }
  };
  check(m.overall, 'measurements.overall');
  m.routes.forEach((r, i) => check(r, `measurements.routes[${i}]`));
}

/** Judges measurements against criteria. Deterministic; throws only on impossible measurements. */
export function evaluateGate(criteria: Criteria, measurements: Measurements, options: EvaluateGateOptions = {}): GateVerdict {
  checkMeasurements(measurements);
  const bootstrap: BootstrapOptions = {
    confidence: criteria.statistics.confidence,
    resamples: criteria.statistics.bootstrap.resamples,
    maxSamples: criteria.statistics.bootstrap.maxSamples,
    seed: criteria.statistics.bootstrap.seed,
    method: criteria.statistics.quantileMethod,
  };
  const results: CriterionResult[] = [];

  // Overall: minimum pairs and duration first; they decide whether statistics are judged at all.
  const minDurationMs = parseDuration(criteria.sample.minDuration);
  const pairs = measurements.overall.pairs;
  const spanMs = measurements.observed === null ? 0 : Math.max(0, measurements.observed.lastMs - measurements.observed.firstMs);
  const minPairs = countResult('overall', 'sample.minPairs', pairs, criteria.sample.minPairs, 'count', true, 'pairs');
  results.push(minPairs);
  const sampleReasons = [minPairs.outcome === 'pass' ? '' : `${formatCount(pairs)} pairs < ${formatCount(criteria.sample.minPairs)}`];
  if (minDurationMs > 0) {
    const duration = countResult('overall', 'sample.minDuration', spanMs, minDurationMs, 'duration', true, 'observed span');
    results.push(duration);
    if (duration.outcome !== 'pass') sampleReasons.push(`observed ${formatDuration(spanMs)} < ${formatDuration(minDurationMs)}`);
  }
  const overallOk = sampleReasons.every((r) => r === '');
  const warnings = new Set<string>();
  const overallCtx: Context = {
    confidence: criteria.statistics.confidence,
    bootstrap,
    scope: 'overall',
    sampleOk: overallOk,
    sampleReason: sampleReasons.filter(Boolean).join(', '),
    required: true,
    warnings,
    measurements,
  };
  results.push(...evaluateScope(overallCtx, overallCriteria(criteria), measurements.overall));

  // Routes, in a stable order.
  const routes = [...measurements.routes].sort((a, b) => routeLabel(a).localeCompare(routeLabel(b)));
  const seenKeys = new Set<string>();
  for (const r of routes) {
    const rc = routeCriteria(criteria, r);
    if (rc === undefined) continue;
    if (rc.overrideKey !== undefined) seenKeys.add(rc.overrideKey);
    const scope = routeLabel(r);
    const sample = countResult(scope, 'sample.minPairs', r.pairs, rc.minPairs, 'count', rc.required, 'pairs');
    results.push(sample);
    const sampleOk = overallOk && sample.outcome === 'pass';
    const reason = sample.outcome !== 'pass' ? `${formatCount(r.pairs)} pairs < ${formatCount(rc.minPairs)} on this route` : overallCtx.sampleReason;
    results.push(...evaluateScope({ ...overallCtx, scope, sampleOk, sampleReason: reason, required: rc.required, inherited: rc.inherited }, rc.criteria, r));
  }
  // Routes the file names but the window never saw.
  for (const [key, override] of Object.entries(criteria.routes).sort(([a], [b]) => a.localeCompare(b))) {
    if (seenKeys.has(key)) continue;
    const { method, template } = splitRouteKey(key);
    if (isRouteExcluded(criteria, { route: template, method })) continue;
    const minRoutePairs = override.minPairs ?? criteria.sample.routeMinPairs;
    results.push({
      ...countResult(key, 'sample.minPairs', 0, minRoutePairs, 'count', override.required, 'pairs'),
      reason: `no pairs for route ${key} in this window (criteria name it; need ${formatCount(minRoutePairs)})`,
      ...(minRoutePairs === 0 ? { outcome: 'pass' as const, blocking: true } : {}),
    });
  }

  if (criteria.resources !== undefined) results.push(...evaluateResources(criteria.resources, measurements.resources, warnings));

  const blocking = results.filter((r) => r.blocking);
  const verdict: GateOutcome = blocking.some((r) => r.outcome === 'fail')
    ? 'fail'
    : blocking.some((r) => r.outcome === 'insufficient')
      ? 'insufficient'
      : 'pass';
  const reasons = blocking.filter((r) => r.outcome === verdict && verdict !== 'pass').map((r) => `${r.scope} ${r.criterion}: ${r.reason}`);
  const sandbox = measurements.overall.sandboxInduced;
  if (sandbox !== undefined && sandbox.pairs > 0 && !sandbox.counted) {
    warnings.add(sandboxWarning(sandbox, measurements.role ?? 'candidate'));
  }
  return {
    verdict,
    exitCode: exitCodeFor(verdict),
    challengerId: measurements.challengerId,
    runId: measurements.runId,
    window: measurements.window,
    observed: measurements.observed,
    criteria: { name: criteria.name, sha256: options.criteriaSha256, source: options.criteriaSource, confidence: criteria.statistics.confidence },
    summary: {
      pass: blocking.filter((r) => r.outcome === 'pass').length,
      fail: blocking.filter((r) => r.outcome === 'fail').length,
      insufficient: blocking.filter((r) => r.outcome === 'insufficient').length,
      nonBlocking: results.length - blocking.length,
    },
    reasons,
    warnings: [...warnings],
    results,
  };
}
