// Turns measurements into the report: intervals computed, lists split (counting vs noise vs
// excluded) and ordered, so every renderer only lays out numbers it is given.

import { routeLabel, routeMatches } from '../criteria/patterns.js';
import type { BusinessOutcome, JudgeMeasurements, Measurements, QuantileValue, ReplayConditions, ScopeMeasurements } from '../measurements/types.js';
import { bootstrapQuantileComparison } from '../stats/bootstrap.js';
import { pairedDifferenceInterval } from '../stats/proportions.js';
import { quantile, quantileLabel } from '../stats/quantile.js';
import type { BootstrapOptions, QuantileMethod } from '../stats/types.js';
import { wilsonInterval } from '../stats/wilson.js';
import type { BusinessRow, LatencyRow, Report, ReportJudge, ReportScope } from './types.js';

export const REPORT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99, 1];

export interface ReportOptions {
  /** @default 0.95 */
  confidence?: number;
  /** Bootstrap settings of the latency-delta intervals. @default BOOTSTRAP_DEFAULTS */
  bootstrap?: BootstrapOptions;
  /** How quantiles are read from samples when the summary lacks them. @default 'exact' */
  quantileMethod?: QuantileMethod;
  /** Differing paths, headers and side effects listed per scope. @default 10 */
  top?: number;
  /** Route patterns left out (as in a criteria file's exclude.routes). @default [] */
  excludeRoutes?: readonly string[];
  /** Skip the bootstrap (faster; no delta intervals). @default false */
  skipIntervals?: boolean;
}

function pick(values: QuantileValue[], q: number): number | null {
  return values.find((v) => Math.abs(v.q - q) < 1e-12)?.value ?? null;
}

/**
 * Latency per quantile. The delta is against the secondary when there is one: it ran live's code
 * under the same replay conditions (same run, same exchanges), while live's own latency was measured
 * in production; against live only without a secondary (the report then warns).
 */
function latencyRows(m: ScopeMeasurements, o: Required<Omit<ReportOptions, 'excludeRoutes'>>, withSecondary: boolean): LatencyRow[] {
  const { live, candidate, samples, secondary, secondarySamples } = m.latency;
  const baseline: LatencyRow['baseline'] = withSecondary ? 'secondary' : 'live';
  return REPORT_QUANTILES.map((q) => {
    const fromSummary = (side: typeof live) => (q === 1 ? side.maxMs : pick(side.quantiles, q));
    const liveMs = fromSummary(live) ?? (samples === undefined ? null : quantile(samples.liveMs, q, o.quantileMethod));
    const candidateMs = fromSummary(candidate) ?? (samples === undefined ? null : quantile(samples.candidateMs, q, o.quantileMethod));
    const secondaryMs =
      !withSecondary || secondary === undefined
        ? null
        : (fromSummary(secondary) ?? (secondarySamples === undefined ? null : quantile(secondarySamples.secondaryMs, q, o.quantileMethod)));
    const base = withSecondary ? secondaryMs : liveMs;
    const pairedSamples = withSecondary
      ? secondarySamples === undefined
        ? undefined
        : { baseMs: secondarySamples.secondaryMs, candidateMs: secondarySamples.candidateMs, paired: true }
      : samples === undefined
        ? undefined
        : { baseMs: samples.liveMs, candidateMs: samples.candidateMs, paired: samples.paired };
    let deltaInterval: LatencyRow['deltaInterval'] = null;
    if (pairedSamples !== undefined && q < 1 && !o.skipIntervals) {
      const b = bootstrapQuantileComparison(pairedSamples.baseMs, pairedSamples.candidateMs, q, {
        ...o.bootstrap,
        confidence: o.confidence,
        method: o.quantileMethod,
        paired: pairedSamples.paired,
      });
      if (b.estimate !== null) deltaInterval = { lower: b.lower, upper: b.upper, confidence: b.confidence, paired: b.paired };
    }
    return {
      label: quantileLabel(q),
      q,
      liveMs,
      secondaryMs,
      candidateMs,
      baseline,
      deltaMs: base === null || candidateMs === null ? null : candidateMs - base,
      deltaInterval,
    };
  });
}

/** "run R: speed max, concurrency 16" / "live shadowing (replayer speed and concurrency not recorded)", joined. */
export function describeConditions(c: ReplayConditions | null | undefined): string {
  if (c === null || c === undefined || (c.runs.length === 0 && !c.liveShadowing)) return 'unknown replay conditions';
  const parts = c.runs.map((r) =>
    r.speed === null
      ? `replay run ${r.runId} (speed and concurrency not recorded)`
      : `replay run ${r.runId} at speed ${r.speed}, concurrency ${r.maxConcurrency ?? '?'}${r.ordering === null || r.ordering === '' ? '' : `, ordering ${r.ordering}`}`,
  );
  if (c.liveShadowing) parts.push("live shadowing (the replayer's speed and concurrency are not recorded: unknown)");
  return parts.join('; ');
}

/** What the report and the gate say when sandbox-induced pairs were set aside (one text, so a page showing both shows it once). */
export function sandboxWarning(set: { pairs: number; leftOutOfAgreement: number }, role: string): string {
  return `${set.pairs} sandbox-induced ${set.pairs === 1 ? 'pair' : 'pairs'} (the ${role} answered differently after the sandbox answered a call as live's never was) left out of the error rate, ${set.leftOutOfAgreement} of them out of agreement; listed apart per route with their causes (exclude.sandboxInduced: false counts them)`;
}

/** The warning a latency comparison with live carries: live's latency was measured under other conditions. */
export function liveBaselineWarning(role: string, c: ReplayConditions | null | undefined): string {
  return `latency is compared with live's, which was measured in production, while the ${role}'s was measured under ${describeConditions(c)}: the difference mixes the two conditions. Replay a secondary (live's code as a challenger with role secondary) to compare under the same conditions`;
}

function businessRow(name: string, b: BusinessOutcome, confidence: number): BusinessRow {
  switch (b.kind) {
    case 'numeric':
      return {
        name,
        kind: 'numeric',
        pairs: b.pairs,
        liveMean: b.live.mean,
        candidateMean: b.candidate.mean,
        meanRelativeDiff: b.live.mean === 0 ? null : (b.candidate.mean - b.live.mean) / Math.abs(b.live.mean),
        quantiles: b.live.quantiles.map(({ q, value }) => {
          const c = pick(b.candidate.quantiles, q);
          return { label: quantileLabel(q), q, live: value, candidate: c, relativeDiff: c === null || value === 0 ? null : (c - value) / Math.abs(value) };
        }),
      };
    case 'decision':
      return {
        name,
        kind: 'decision',
        pairs: b.pairs,
        flips: b.flips,
        flipRate: wilsonInterval(b.flips, b.pairs, { confidence }),
        transitions: [...(b.transitions ?? [])].sort((x, y) => y.pairs - x.pairs || `${x.live}>${x.candidate}`.localeCompare(`${y.live}>${y.candidate}`)),
      };
    case 'list':
      return { name, kind: 'list', pairs: b.pairs, meanJaccard: b.meanJaccard, k: b.k ?? null, meanTopKOverlap: b.meanTopKOverlap ?? null };
  }
}

const counted = (m: Record<string, number>) => Object.entries(m).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));

/** The judge's numbers of a scope with their Wilson intervals. */
export function judgeReport(j: JudgeMeasurements, confidence: number): ReportJudge {
  const judged = j.equal + j.different + j.error;
  const sec = j.audit.secondary;
  return {
    judges: j.judges,
    needed: j.needed,
    equal: j.equal,
    different: j.different,
    error: j.error,
    errorKinds: counted(j.errorKinds).map(([kind, pairs]) => ({ kind, pairs })),
    notRun: counted(j.notRun).map(([reason, pairs]) => ({ reason, pairs })),
    agreementAfter: wilsonInterval(j.agreement.successes, j.agreement.trials, { confidence }),
    errorRate: wilsonInterval(j.error, judged, { confidence }),
    falseDifferenceRate: wilsonInterval(sec.different, sec.equal + sec.different, { confidence }),
    referenceAgreement: wilsonInterval(j.audit.reference.agreed, j.audit.reference.pairs, { confidence }),
    cachedShare: judged === 0 ? null : j.cached / judged,
    latencyP50Ms: pick(j.latency.quantiles, 0.5),
    latencyP90Ms: pick(j.latency.quantiles, 0.9),
    tokens: j.tokens,
    examples: j.examples,
  };
}

const byPairs =
  <T extends { pairs: number }>(key: (x: T) => string) =>
  (a: T, b: T) =>
    b.pairs - a.pairs || key(a).localeCompare(key(b));

/**
 * One entry per name: the measurements list a path once for sandbox-induced pairs and once for the
 * others; in one list they are one difference (disjoint pairs, so counts add; smallest example).
 */
function merged<T extends { pairs: number; examplePairId: string; sandboxInduced?: boolean | undefined }>(list: T[], key: (x: T) => string): T[] {
  const out = new Map<string, T>();
  for (const x of list) {
    const seen = out.get(key(x));
    if (seen === undefined) {
      const { sandboxInduced: _flag, ...rest } = x;
      out.set(key(x), rest as T);
    } else
      out.set(key(x), { ...seen, pairs: seen.pairs + x.pairs, examplePairId: x.examplePairId < seen.examplePairId ? x.examplePairId : seen.examplePairId });
  }
  return [...out.values()].sort(byPairs(key));
}

function scopeReport(
  scope: string,
  ref: { route: string; method?: string | undefined } | null,
  m: ScopeMeasurements,
  o: Required<Omit<ReportOptions, 'excludeRoutes'>>,
  withSecondary: boolean,
): ReportScope {
  const confidence = o.confidence;
  const sandbox = m.sandboxInduced ?? null;
  // A real difference of a sandbox-induced pair is listed apart, unless counted; noise stays noise
  // and excluded stays excluded, whichever pairs they come from (the groups are merged back).
  const apart = (d: { sandboxInduced?: boolean | undefined; noise: boolean; excluded?: boolean | undefined }) =>
    d.sandboxInduced === true && sandbox?.counted !== true && !d.noise && d.excluded !== true;
  const paths = [...(m.paths ?? [])].sort(byPairs((p) => p.path));
  const headers = [...(m.headers ?? [])].sort(byPairs((h) => h.header));
  const effects = [...m.sideEffects].sort(byPairs((e) => `${e.method} ${e.target}${e.path}`));
  const cells = [...(m.status ?? [])].sort((a, b) => b.pairs - a.pairs || a.live - b.live || a.candidate - b.candidate);
  return {
    scope,
    route: ref?.route ?? null,
    method: ref?.method ?? null,
    pairs: m.pairs,
    agreement: wilsonInterval(m.agreement.successes, m.agreement.trials, { confidence }),
    judge: m.judge === undefined ? null : judgeReport(m.judge, confidence),
    status: {
      cells,
      mismatchedPairs: cells.filter((c) => c.live !== c.candidate).reduce((s, c) => s + c.pairs, 0),
      sandboxInducedMismatches: sandbox?.statusMismatches ?? 0,
    },
    errors: {
      live: wilsonInterval(m.errors.live, m.errors.pairs, { confidence }),
      candidate: wilsonInterval(m.errors.candidate, m.errors.pairs, { confidence }),
      difference: pairedDifferenceInterval(m.errors, { confidence }),
    },
    latency: latencyRows(m, o, withSecondary),
    paths: merged(
      paths.filter((p) => !p.noise && p.excluded !== true && !apart(p)),
      (p) => p.path,
    ).slice(0, o.top),
    noisePaths: merged(
      paths.filter((p) => p.noise && p.excluded !== true),
      (p) => p.path,
    ).slice(0, o.top),
    excludedPaths: merged(
      paths.filter((p) => p.excluded === true),
      (p) => p.path,
    ).slice(0, o.top),
    headers: merged(
      headers.filter((h) => !h.noise && !apart(h)),
      (h) => h.header,
    ).slice(0, o.top),
    noiseHeaders: merged(
      headers.filter((h) => h.noise),
      (h) => h.header,
    ).slice(0, o.top),
    sandboxPaths: paths.filter((p) => apart(p)).slice(0, o.top),
    sandboxHeaders: headers.filter((h) => apart(h)).slice(0, o.top),
    sandboxInduced: sandbox === null ? null : { ...sandbox, causes: sandbox.causes.slice(0, o.top) },
    sideEffects: {
      candidateOnly: effects.filter((e) => e.direction === 'candidate-only').slice(0, o.top),
      liveOnly: effects.filter((e) => e.direction === 'live-only').slice(0, o.top),
      payloadChanged: effects.filter((e) => e.direction === 'payload-changed').slice(0, o.top),
    },
    business: Object.entries(m.business ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, b]) => businessRow(name, b, confidence)),
    accuracy:
      m.accuracy === undefined
        ? null
        : (() => {
            const d = pairedDifferenceInterval(m.accuracy, { confidence });
            return {
              labelled: m.accuracy.pairs,
              ...(m.accuracyUnscored === undefined ? {} : { unscored: m.accuracyUnscored }),
              live: d.live,
              candidate: d.candidate,
              difference: d,
            };
          })(),
  };
}

/** Builds the report (overall and per route) from measurements. Deterministic. */
export function buildReport(measurements: Measurements, options: ReportOptions = {}): Report {
  const o = {
    confidence: options.confidence ?? 0.95,
    bootstrap: options.bootstrap ?? {},
    quantileMethod: options.quantileMethod ?? 'exact',
    top: options.top ?? 10,
    skipIntervals: options.skipIntervals ?? false,
  } satisfies Required<Omit<ReportOptions, 'excludeRoutes'>>;
  const exclude = options.excludeRoutes ?? [];
  const secondary = measurements.secondary ?? null;
  const withSecondary = secondary !== null;
  const role = measurements.role ?? 'candidate';
  const routes = measurements.routes
    .filter((r) => !exclude.some((p) => routeMatches(p, r)))
    .sort((a, b) => b.pairs - a.pairs || routeLabel(a).localeCompare(routeLabel(b)))
    .map((r) => scopeReport(routeLabel(r), { route: r.route, method: r.method }, r, o, withSecondary));
  const overall = scopeReport('overall', null, measurements.overall, o, withSecondary);
  const warnings: string[] = [];
  if (!withSecondary && measurements.overall.pairs > 0) warnings.push(liveBaselineWarning(role, measurements.conditions));
  const set = measurements.overall.sandboxInduced;
  if (set !== undefined && set.pairs > 0 && !set.counted) warnings.push(sandboxWarning(set, role));
  return {
    reportVersion: 1,
    challengerId: measurements.challengerId,
    challengerName: measurements.challengerName ?? null,
    role,
    secondary,
    conditions: measurements.conditions ?? null,
    warnings,
    runId: measurements.runId,
    window: measurements.window,
    observed: measurements.observed,
    confidence: o.confidence,
    overall,
    routes,
    unmatched: Object.entries(measurements.unmatched ?? {})
      .map(([reason, exchanges]) => ({ reason, exchanges }))
      .sort((a, b) => b.exchanges - a.exchanges || a.reason.localeCompare(b.reason)),
    ...(measurements.resources === undefined ? {} : { resources: measurements.resources }),
  };
}
