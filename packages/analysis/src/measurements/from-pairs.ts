// Measurements computed in memory from pair records: the reference the SQL layer must match
// (its integration tests insert the same records, duplicates included, and compare), and a
// working PairStore for small data and tests. Same rules as the SQL contract in
// queries/pair-store.ts: distinct pairs (highest version per pair key, then the latest attempt
// per exchange), window on the live capture time, excluded routes left out of every scope.

import { routeLabel, routeMatches } from '../criteria/patterns.js';
import type { GateRunRecord, MeasurementQuery, PairStore } from '../queries/pair-store.js';
import { createPrng } from '../stats/prng.js';
import { quantileOfSorted, sortedSample } from '../stats/quantile.js';
import type { PairRecord } from './pair-record.js';
import {
  formatSandboxCause,
  judgeNeeded,
  MAX_JUDGE_EXAMPLES,
  MAX_SANDBOX_CAUSES,
  parseSideEffectKey,
  sideEffectKindId,
  sortSideEffectSets,
} from './pair-record.js';
import type {
  BusinessOutcome,
  HeaderDifference,
  JudgeMeasurements,
  JudgeReasonExample,
  LatencySummary,
  Measurements,
  PathDifference,
  ReplayConditions,
  RunConditions,
  SandboxCauseCount,
  ScopeMeasurements,
  SideEffectDifference,
  SideEffectKind,
} from './types.js';

const SUMMARY_QUANTILES = [0.5, 0.9, 0.99];
const NUMERIC_QUANTILES = [0.5, 0.9, 0.99];

export interface FromPairsOptions {
  /** Exchanges without a pair, by reason (they are not in the pair records). */
  unmatched?: Record<string, number>;
  /** k of the top-k overlap of list outcomes. @default 10 */
  topK?: number;
  /** Settings of historical runs as the `runs` table records them, by run id (absent: not recorded). */
  runs?: Record<string, Omit<RunConditions, 'runId'>>;
}

/** Highest version per (exchange, challenger, attempt), then the latest attempt per exchange. */
export function distinctPairs(records: readonly PairRecord[]): PairRecord[] {
  const byKey = new Map<string, PairRecord>();
  for (const r of records) {
    const key = `${r.exchangeId}\u0000${r.challengerId}\u0000${r.attempt}`;
    const seen = byKey.get(key);
    if (seen === undefined || (r.version ?? 0) >= (seen.version ?? 0)) byKey.set(key, r);
  }
  const latest = new Map<string, PairRecord>();
  for (const r of byKey.values()) {
    const key = `${r.exchangeId}\u0000${r.challengerId}`;
    const seen = latest.get(key);
    if (seen === undefined || r.attempt > seen.attempt) latest.set(key, r);
  }
  return [...latest.values()].sort((a, b) => a.captureTimeMs - b.captureTimeMs || a.exchangeId.localeCompare(b.exchangeId));
}

function isExcludedPath(path: string, excluded: readonly string[]): boolean {
  // As compare's ignore rules: a path covers its subtree.
  return excluded.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

function agrees(c: PairRecord['comparison'], q: MeasurementQuery): boolean {
  const excluded = q.excludePaths ?? [];
  const countNoise = q.countNoise ?? false;
  if (excluded.length === 0 && !countNoise) return c.match;
  const counts = (d: { noisy: boolean }) => countNoise || !d.noisy;
  // A judge's different/error keeps its differences in `diffs` (compare): they count unless excluded, as in SQL.
  const body = c.diffs.filter((d) => counts(d) && !isExcludedPath(d.path, excluded)).length === 0;
  const headers = countNoise ? c.headerDiffs.length === 0 : c.headersMatch;
  const effects = countNoise ? c.sideEffectDiffs.length === 0 : c.sideEffectsMatch;
  const status = c.statusMatch || (!countNoise && c.statusNoisy);
  // Without an answer on a side compare sets bodyMatch from the error kinds; keep its decision.
  const bodyOk = c.liveStatus === 0 || c.candidateStatus === 0 ? c.bodyMatch : body;
  return status && c.errorMatch && headers && effects && bodyOk;
}

/**
 * A sandbox-induced pair with its answer differences set aside: agrees when nothing else counts
 * (side effects, an error). Such a pair that does not agree as is is left out of agreement's trials.
 */
function agreesIgnoringAnswer(c: PairRecord['comparison'], q: MeasurementQuery): boolean {
  const effects = (q.countNoise ?? false) ? c.sideEffectDiffs.length === 0 : c.sideEffectsMatch;
  return effects && c.errorMatch;
}

const isError = (status: number, errorKind: string | null) => status === 0 || status >= 500 || errorKind !== null;

/** Quantiles of the judge's latency (as the SQL's quantilesExact). */
export const JUDGE_LATENCY_QUANTILES = [0.5, 0.9];
const JUDGE_VERDICT_ORDER = ['equal', 'different', 'error'];

/** A judge `equal` that made the pair agree: its judged path not excluded by the query (else the difference never counted). */
function judgeRaised(c: PairRecord['comparison'], q: MeasurementQuery): boolean {
  return c.judge.verdict === 'equal' && !isExcludedPath(c.judge.path ?? '$', q.excludePaths ?? []);
}

/** The judge measurements of a scope's pairs; undefined when none needed a judge. `stored` = agrees as landed (after the judge), `inTrials` = counted in agreement's trials. */
function judgeMeasurements(pairs: readonly { p: PairRecord; stored: boolean; inTrials: boolean }[]): JudgeMeasurements | undefined {
  const needed = pairs.filter(({ p }) => judgeNeeded(p.comparison.judge));
  if (needed.length === 0) return undefined;
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const errorKinds: Record<string, number> = {};
  const notRun: Record<string, number> = {};
  const counts = { equal: 0, different: 0, error: 0 };
  const audit = { secondary: { equal: 0, different: 0, error: 0, notRun: 0 }, reference: { pairs: 0, agreed: 0 } };
  let trials = 0;
  let successes = 0;
  let cached = 0;
  let tokens = 0;
  const latencies: number[] = [];
  const judges = new Set<string>();
  const reasons = new Map<string, { verdict: JudgeReasonExample['verdict']; reason: string; pairs: number; example: string }>();
  for (const { p, stored, inTrials } of pairs) {
    const j = p.comparison.judge;
    const needs = judgeNeeded(j);
    if (inTrials && !(needs && j.verdict === 'not_run')) trials += 1;
    if (stored && !(needs && j.verdict === 'not_run')) successes += 1;
    if (!needs) continue;
    if ((j.judgeId ?? '') !== '') judges.add(j.judgeId as string);
    tokens += j.tokens ?? 0;
    if (j.verdict === 'not_run') {
      bump(notRun, (j.kind ?? '') === '' ? 'unknown' : (j.kind as string));
      continue;
    }
    counts[j.verdict] += 1;
    if (j.verdict === 'error') bump(errorKinds, (j.kind ?? '') === '' ? 'unknown' : (j.kind as string));
    if (j.cached === true) cached += 1;
    else latencies.push(j.latencyMs ?? 0);
    const sec = j.audit?.secondaryVerdict ?? null;
    if (sec === 'equal' || sec === 'different' || sec === 'error') audit.secondary[sec] += 1;
    else if (sec === 'not_run') audit.secondary.notRun += 1;
    const ref = j.audit?.referenceVerdict ?? null;
    if ((ref === 'equal' || ref === 'different') && (j.verdict === 'equal' || j.verdict === 'different')) {
      audit.reference.pairs += 1;
      if (ref === j.verdict) audit.reference.agreed += 1;
    }
    const reason = j.reason ?? '';
    if (reason !== '') {
      const key = `${j.verdict}\u0000${reason}`;
      const entry = reasons.get(key) ?? { verdict: j.verdict, reason, pairs: 0, example: p.exchangeId };
      entry.pairs += 1;
      if (p.exchangeId < entry.example) entry.example = p.exchangeId;
      reasons.set(key, entry);
    }
  }
  const sorted = sortedSample(latencies);
  return {
    judges: [...judges].sort(),
    needed: needed.length,
    ...counts,
    errorKinds,
    notRun,
    agreement: { trials, successes },
    cached,
    latency: {
      count: latencies.length,
      quantiles: latencies.length === 0 ? [] : JUDGE_LATENCY_QUANTILES.map((q) => ({ q, value: quantileOfSorted(sorted, q) as number })),
    },
    tokens,
    audit,
    examples: sortJudgeExamples(
      JUDGE_VERDICT_ORDER.flatMap((v) =>
        [...reasons.values()]
          .filter((r) => r.verdict === v)
          .sort((a, b) => b.pairs - a.pairs || a.reason.localeCompare(b.reason))
          .slice(0, MAX_JUDGE_EXAMPLES)
          .map((r) => ({ verdict: r.verdict, reason: r.reason, pairs: r.pairs, examplePairId: r.example })),
      ),
    ),
  };
}

/** Example reasons in a stable order: equal, different, error; most pairs first, then by reason. */
export function sortJudgeExamples(list: JudgeReasonExample[]): JudgeReasonExample[] {
  return list.sort(
    (a, b) => JUDGE_VERDICT_ORDER.indexOf(a.verdict) - JUDGE_VERDICT_ORDER.indexOf(b.verdict) || b.pairs - a.pairs || a.reason.localeCompare(b.reason),
  );
}

function latencySummary(values: number[], extra: readonly number[]): LatencySummary {
  const sorted = sortedSample(values);
  const levels = [...new Set([...SUMMARY_QUANTILES, ...extra])].sort((a, b) => a - b);
  const mean = values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0) / values.length;
  return {
    count: values.length,
    quantiles: values.length === 0 ? [] : levels.map((q) => ({ q, value: quantileOfSorted(sorted, q) as number })),
    maxMs: values.length === 0 ? null : (sorted[sorted.length - 1] as number),
    meanMs: mean,
  };
}

function business(pairs: PairRecord[], names: readonly string[] | undefined, topK: number): Record<string, BusinessOutcome> | undefined {
  const byName = new Map<string, { type: string; live: unknown; candidate: unknown }[]>();
  for (const p of pairs) {
    for (const o of p.comparison.outcomes) {
      if (names !== undefined && !names.includes(o.name)) continue;
      if (o.live === null || o.candidate === null) continue;
      const list = byName.get(o.name) ?? [];
      list.push({ type: o.type, live: o.live, candidate: o.candidate });
      byName.set(o.name, list);
    }
  }
  if (byName.size === 0) return undefined;
  const out: Record<string, BusinessOutcome> = {};
  for (const [name, values] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const type = values[0]?.type;
    if (type === 'number') {
      const side = (pick: (v: (typeof values)[number]) => unknown) => {
        const xs = values.map((v) => Number(pick(v)));
        const sorted = sortedSample(xs);
        return {
          mean: xs.reduce((s, x) => s + x, 0) / xs.length,
          quantiles: NUMERIC_QUANTILES.map((q) => ({ q, value: quantileOfSorted(sorted, q) as number })),
        };
      };
      out[name] = { kind: 'numeric', pairs: values.length, live: side((v) => v.live), candidate: side((v) => v.candidate) };
    } else if (type === 'string') {
      const transitions = new Map<string, number>();
      let flips = 0;
      for (const v of values) {
        if (v.live !== v.candidate) {
          flips += 1;
          const key = `${String(v.live)}\u0000${String(v.candidate)}`;
          transitions.set(key, (transitions.get(key) ?? 0) + 1);
        }
      }
      out[name] = {
        kind: 'decision',
        pairs: values.length,
        flips,
        transitions: [...transitions.entries()]
          .map(([k, n]) => {
            const [live = '', candidate = ''] = k.split('\u0000');
            return { live, candidate, pairs: n };
          })
          .sort((a, b) => b.pairs - a.pairs || `${a.live}>${a.candidate}`.localeCompare(`${b.live}>${b.candidate}`))
          .slice(0, 10),
      };
    } else {
      let jaccard = 0;
      let overlap = 0;
      for (const v of values) {
        const l = v.live as string[];
        const c = v.candidate as string[];
        const ls = new Set(l);
        const cs = new Set(c);
        const union = new Set([...ls, ...cs]).size;
        const inter = [...ls].filter((x) => cs.has(x)).length;
        jaccard += union === 0 ? 1 : inter / union;
        const lk = new Set(l.slice(0, topK));
        overlap += c.slice(0, topK).filter((x) => lk.has(x)).length / topK;
      }
      out[name] = { kind: 'list', pairs: values.length, meanJaccard: jaccard / values.length, k: topK, meanTopKOverlap: overlap / values.length };
    }
  }
  return out;
}

/** The secondary's pair of an exchange in a run, by `${runId}\u0000${exchangeId}`. */
const exchangeKey = (p: PairRecord): string => `${p.runId ?? ''}\u0000${p.exchangeId}`;
const answered = (c: PairRecord['comparison']): boolean => c.candidateStatus > 0 && c.candidateErrorKind === null;

/** Up to `limit` items, a uniform subsample in the original order when there are more (seeded: the same every run). */
function sampleOf<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const prng = createPrng(1);
  const idx = Array.from(items.keys());
  for (let i = 0; i < limit; i += 1) {
    const j = i + prng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx
    .slice(0, limit)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

function scope(pairs: PairRecord[], q: MeasurementQuery, topK: number, secondary: ReadonlyMap<string, PairRecord> | null): ScopeMeasurements {
  const liveMs: number[] = [];
  const candidateMs: number[] = [];
  const both: { l: number; c: number }[] = [];
  const secondaryMs: number[] = [];
  const withSecondary: { s: number; c: number }[] = [];
  const include = q.includeSandboxInduced ?? false;
  const sandbox = { pairs: 0, statusMismatches: 0, leftOutOfAgreement: 0 };
  const causes = new Map<string, { cause: Omit<SandboxCauseCount, 'pairs' | 'examplePairId'>; pairs: Set<string>; example: string }>();
  const status = new Map<string, number>();
  const errors = { pairs: 0, live: 0, candidate: 0, both: 0 };
  let successes = 0;
  const effects = new Map<string, { d: SideEffectKind; pairs: Set<string>; example: string }>();
  // Pairs by the set of differences they have (sorted ids), for the gate's count of pairs.
  const effectSets = new Map<string, { differences: SideEffectKind[]; pairs: number }>();
  let effectPairs = 0;
  const paths = new Map<string, { path: string; noise: boolean; induced: boolean; pairs: Set<string>; example: string }>();
  const headers = new Map<string, { header: string; noise: boolean; induced: boolean; pairs: Set<string>; example: string }>();
  const labelled = { pairs: 0, live: 0, candidate: 0, both: 0 };
  const countNoise = q.countNoise ?? false;
  const note = <T extends { pairs: Set<string>; example: string }>(map: Map<string, T>, key: string, make: () => Omit<T, 'pairs' | 'example'>, id: string) => {
    const entry = map.get(key) ?? ({ ...make(), pairs: new Set<string>(), example: id } as T);
    entry.pairs.add(id);
    if (id < entry.example) entry.example = id;
    map.set(key, entry);
  };
  const judged: { p: PairRecord; stored: boolean; inTrials: boolean }[] = [];
  for (const p of pairs) {
    const c = p.comparison;
    const id = p.exchangeId;
    const induced = c.sandboxInduced === true;
    // Not counted: the sandbox, not the candidate, may have made its answer differ.
    const setAside = induced && !include;
    // As landed, agreement is after the judge; `agreement` is before it (a judge's equal does not count).
    const stored = agrees(c, q);
    let leftOut = false;
    if (stored) {
      if (!judgeRaised(c, q)) successes += 1;
    } else if (setAside && agreesIgnoringAnswer(c, q)) {
      sandbox.leftOutOfAgreement += 1;
      leftOut = true;
    }
    judged.push({ p, stored, inTrials: !leftOut });
    if (induced) {
      sandbox.pairs += 1;
      if (c.liveStatus !== c.candidateStatus) sandbox.statusMismatches += 1;
      for (const cause of c.sandboxCauses ?? []) {
        const { kind, disposition, status, key } = cause;
        note(causes, formatSandboxCause(cause), () => ({ cause: { kind, disposition, status, key } }), id);
      }
    }
    if (!setAside) {
      const le = isError(c.liveStatus, c.liveErrorKind);
      const ce = isError(c.candidateStatus, c.candidateErrorKind);
      errors.pairs += 1;
      if (le) errors.live += 1;
      if (ce) errors.candidate += 1;
      if (le && ce) errors.both += 1;
    }
    const sec = secondary?.get(exchangeKey(p));
    if (sec !== undefined && answered(sec.comparison)) {
      const ms = sec.comparison.candidateLatencyUs / 1000;
      secondaryMs.push(ms);
      if (answered(c)) withSecondary.push({ s: ms, c: c.candidateLatencyUs / 1000 });
    }
    const liveAnswered = c.liveStatus > 0 && c.liveErrorKind === null;
    const candidateAnswered = c.candidateStatus > 0 && c.candidateErrorKind === null;
    if (liveAnswered) liveMs.push(c.liveLatencyUs / 1000);
    if (candidateAnswered) candidateMs.push(c.candidateLatencyUs / 1000);
    if (liveAnswered && candidateAnswered) both.push({ l: c.liveLatencyUs / 1000, c: c.candidateLatencyUs / 1000 });
    const cell = `${c.liveStatus}:${c.candidateStatus}`;
    status.set(cell, (status.get(cell) ?? 0) + 1);
    const kinds = new Map<string, SideEffectKind>();
    for (const d of c.sideEffectDiffs) {
      if (d.noisy && !countNoise) continue;
      const parts = parseSideEffectKey(d.key);
      const direction: SideEffectDifference['direction'] =
        d.kind === 'extra_in_candidate' ? 'candidate-only' : d.kind === 'missing_in_candidate' ? 'live-only' : 'payload-changed';
      const kind: SideEffectKind = { direction, method: parts.method, target: parts.target, path: parts.path, dependencyKind: parts.dependencyKind };
      note(effects, `${direction} ${d.key}`, () => ({ d: kind }), id);
      kinds.set(sideEffectKindId(kind), kind);
    }
    if (kinds.size > 0) {
      effectPairs += 1;
      const ids = [...kinds.keys()].sort();
      const set = effectSets.get(ids.join('\n')) ?? { differences: ids.map((k) => kinds.get(k) as SideEffectKind), pairs: 0 };
      set.pairs += 1;
      effectSets.set(ids.join('\n'), set);
    }
    for (const d of c.diffs) note(paths, `${d.noisy ? 1 : 0}${induced ? 1 : 0}${d.path}`, () => ({ path: d.path, noise: d.noisy, induced }), id);
    for (const h of c.headerDiffs) note(headers, `${h.noisy ? 1 : 0}${induced ? 1 : 0}${h.name}`, () => ({ header: h.name, noise: h.noisy, induced }), id);
    if (p.label !== undefined && p.label !== null) {
      labelled.pairs += 1;
      if (p.label.liveCorrect) labelled.live += 1;
      if (p.label.candidateCorrect) labelled.candidate += 1;
      if (p.label.liveCorrect && p.label.candidateCorrect) labelled.both += 1;
    }
  }
  const limit = q.latencySampleLimit ?? 100_000;
  const sample = sampleOf(both, limit);
  const top = q.topDifferences ?? 20;
  const bySize = <T extends { pairs: Set<string>; example: string }>(map: Map<string, T>, name: (x: T) => string, tie: (x: T) => number = () => 0) =>
    [...map.values()].sort((a, b) => b.pairs.size - a.pairs.size || name(a).localeCompare(name(b)) || tie(a) - tie(b));
  // Ties broken as the SQL store orders them: name, then noise, then sandbox-induced.
  const flag = (x: { noise: boolean; induced: boolean }) => (x.noise ? 2 : 0) + (x.induced ? 1 : 0);
  const induced = (x: { induced: boolean }) => (x.induced ? { sandboxInduced: true } : {});
  const excluded = q.excludePaths ?? [];
  const biz = business(pairs, q.businessMetrics, topK);
  const judge = judgeMeasurements(judged);
  return {
    pairs: pairs.length,
    agreement: { trials: pairs.length - sandbox.leftOutOfAgreement, successes },
    ...(judge === undefined ? {} : { judge }),
    errors,
    latency: {
      live: latencySummary(liveMs, q.latencyQuantiles ?? []),
      candidate: latencySummary(candidateMs, q.latencyQuantiles ?? []),
      samples: { liveMs: sample.map((s) => s.l), candidateMs: sample.map((s) => s.c), paired: true },
      ...(secondary === null
        ? {}
        : (() => {
            const s = sampleOf(withSecondary, limit);
            return {
              secondary: latencySummary(secondaryMs, q.latencyQuantiles ?? []),
              secondarySamples: { secondaryMs: s.map((x) => x.s), candidateMs: s.map((x) => x.c) },
            };
          })()),
    },
    sideEffects: bySize(effects, (e) => `${e.d.direction} ${e.d.method} ${e.d.target}${e.d.path}`).map((e) => ({
      ...e.d,
      pairs: e.pairs.size,
      examplePairId: e.example,
    })),
    sideEffectPairs: { pairs: effectPairs, sets: sortSideEffectSets([...effectSets.values()]) },
    status: [...status.entries()].map(([k, n]) => {
      const [live = 0, candidate = 0] = k.split(':').map(Number);
      return { live, candidate, pairs: n };
    }),
    ...(biz === undefined ? {} : { business: biz }),
    ...(labelled.pairs === 0 ? {} : { accuracy: labelled }),
    paths:
      top === 0
        ? []
        : bySize(paths, (p) => p.path, flag)
            .slice(0, top)
            .map(
              (p): PathDifference => ({
                path: p.path,
                pairs: p.pairs.size,
                noise: p.noise,
                excluded: isExcludedPath(p.path, excluded),
                ...induced(p),
                examplePairId: p.example,
              }),
            ),
    headers:
      top === 0
        ? []
        : bySize(headers, (h) => h.header, flag)
            .slice(0, top)
            .map((h): HeaderDifference => ({ header: h.header, pairs: h.pairs.size, noise: h.noise, ...induced(h), examplePairId: h.example })),
    sandboxInduced: {
      ...sandbox,
      counted: include,
      causes: bySize(causes, (x) => formatSandboxCause(x.cause))
        .slice(0, MAX_SANDBOX_CAUSES)
        .map((x) => ({ ...x.cause, pairs: x.pairs.size, examplePairId: x.example })),
    },
  };
}

/** Measurements of one challenger's pairs, computed in memory. */
export function measurementsFromPairs(records: readonly PairRecord[], query: MeasurementQuery, options: FromPairsOptions = {}): Measurements {
  const topK = options.topK ?? 10;
  const excluded = query.excludeRoutes ?? [];
  const pairs = distinctPairs(records).filter(
    (p) =>
      p.challengerId === query.challengerId &&
      (query.runId === undefined || p.runId === query.runId) &&
      (query.window === undefined || (p.captureTimeMs >= query.window.fromMs && p.captureTimeMs < query.window.toMs)) &&
      !excluded.some((pattern) => routeMatches(pattern, { route: p.comparison.route, method: p.comparison.method })),
  );
  const byRoute = new Map<string, PairRecord[]>();
  for (const p of pairs) {
    const key = routeLabel({ route: p.comparison.route, method: p.comparison.method });
    byRoute.set(key, [...(byRoute.get(key) ?? []), p]);
  }
  const role = pairs.find((p) => (p.challengerRole ?? '') !== '')?.challengerRole ?? 'candidate';
  const chosen = role === 'secondary' || query.secondaryId === null ? null : secondaryOf(records, query);
  let secondary = chosen?.pairs ?? null;
  let overall = scope(pairs, query, topK, secondary);
  // A secondary that answered none of these exchanges is no baseline.
  if (secondary !== null && (overall.latency.secondary?.count ?? 0) === 0) {
    secondary = null;
    overall = scope(pairs, query, topK, null);
  }
  const runIds = [...new Set(pairs.map((p) => p.runId ?? '').filter((r) => r !== ''))].sort();
  const conditions: ReplayConditions = {
    runs: runIds.map((runId) => ({ runId, speed: null, maxConcurrency: null, ordering: null, ...options.runs?.[runId] })),
    liveShadowing: pairs.some((p) => (p.runId ?? '') === ''),
  };
  return {
    challengerId: query.challengerId,
    challengerName: pairs.find((p) => p.challengerName !== undefined)?.challengerName,
    role,
    secondary: secondary === null || chosen === null ? null : { challengerId: chosen.challengerId, challengerName: chosen.challengerName },
    conditions,
    runId: query.runId ?? null,
    window: query.window ?? null,
    observed: pairs.length === 0 ? null : { firstMs: (pairs[0] as PairRecord).captureTimeMs, lastMs: (pairs[pairs.length - 1] as PairRecord).captureTimeMs },
    overall,
    routes: [...byRoute.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, rp]) => ({
        route: (rp[0] as PairRecord).comparison.route,
        method: (rp[0] as PairRecord).comparison.method,
        ...scope(rp, query, topK, secondary),
      })),
    unmatched: options.unmatched,
  };
}

/**
 * The secondary of a query: the named one (secondaryId), else the first by id with role `secondary`
 * and pairs in the same window and run; its distinct pairs by run and exchange.
 */
function secondaryOf(
  records: readonly PairRecord[],
  query: MeasurementQuery,
): { challengerId: string; challengerName: string | null; pairs: Map<string, PairRecord> } | null {
  const inTarget = distinctPairs(records).filter(
    (p) =>
      p.challengerRole === 'secondary' &&
      p.challengerId !== query.challengerId &&
      (query.runId === undefined || p.runId === query.runId) &&
      (query.window === undefined || (p.captureTimeMs >= query.window.fromMs && p.captureTimeMs < query.window.toMs)),
  );
  const ids = [...new Set(inTarget.map((p) => p.challengerId))].sort();
  const id = query.secondaryId ?? ids[0];
  if (id === undefined || !ids.includes(id)) return null;
  const mine = inTarget.filter((p) => p.challengerId === id);
  return {
    challengerId: id,
    challengerName: mine.find((p) => p.challengerName !== undefined)?.challengerName ?? null,
    pairs: new Map(mine.map((p) => [exchangeKey(p), p])),
  };
}

/** A PairStore over records held in memory (tests, small data, the SQL layer's oracle). */
export function createInMemoryPairStore(records: readonly PairRecord[], options: FromPairsOptions = {}): PairStore & { gateRuns: GateRunRecord[] } {
  const gateRuns: GateRunRecord[] = [];
  return {
    gateRuns,
    measurements: (query) => Promise.resolve(measurementsFromPairs(records, query, options)),
    challengers: (window) => {
      const counts = new Map<string, { challengerName: string | null; pairs: number }>();
      for (const p of distinctPairs(records)) {
        if (p.captureTimeMs < window.fromMs || p.captureTimeMs >= window.toMs) continue;
        const entry = counts.get(p.challengerId) ?? { challengerName: p.challengerName ?? null, pairs: 0 };
        entry.pairs += 1;
        counts.set(p.challengerId, entry);
      }
      return Promise.resolve(
        [...counts.entries()].map(([challengerId, v]) => ({ challengerId, ...v })).sort((a, b) => a.challengerId.localeCompare(b.challengerId)),
      );
    },
    recordGateRun: (record) => {
      gateRuns.push(record);
      return Promise.resolve();
    },
  };
}
