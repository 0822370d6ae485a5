// The joiner's PairComparer over @shadow/compare (the real comparison: JSON diff, noise model,
// route templates, comparators, side effects). @shadow/compare compares candidates only, with the
// first secondary as the noise baseline, and keeps the noise model and route templater in a
// CompareState (one per joiner instance). The joiner also lands a pair row per secondary (live vs
// a second copy of live: every difference there is noise by definition), compared here without the
// state so live-vs-live differences never count as raw candidate differences in the model.
import {
  compareExchange as compareWithBaseline,
  compareExchangeAsync as compareWithBaselineAsync,
  comparePair,
  createCompareState,
  formatSandboxCause,
  resolveCompareConfig,
} from '@shadow/compare';
import type {
  AnswerInput,
  ChallengerComparison,
  CompareOptions,
  ExchangeInput,
  JudgeOutcome,
  PairComparison as SharedComparison,
  SideEffectInput,
} from '@shadow/compare';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { ExchangeToCompare, PairComparer, PairRowComparison, PairRowDifference, PairRowJudge } from './types.js';

interface Challenger {
  readonly challengerId: string;
  readonly role: string;
  readonly answer: AnswerInput;
  readonly sideEffects: readonly SideEffectInput[];
}

export interface SharedComparerOptions {
  /** Configuration version per judge id (@shadow/judge's Judge.configVersion), stored as judge_version. @default {} */
  readonly judgeVersions?: Readonly<Record<string, string>>;
}

/** compare's judge outcome as the row stores it: '' when no judge was needed (no path). */
function judgeColumns(j: JudgeOutcome, versions: Readonly<Record<string, string>>): PairRowJudge {
  const needed = j.path !== null;
  const id = j.judgeId ?? '';
  return {
    verdict: needed ? j.verdict : '',
    judgeId: id,
    path: j.path ?? '',
    kind: j.kind ?? '',
    reason: j.reason ?? '',
    latencyMs: j.latencyMs === null ? 0 : Math.max(0, Math.min(4_294_967_295, Math.round(j.latencyMs))),
    cached: j.cached,
    tokens: Math.max(0, Math.min(4_294_967_295, j.tokens)),
    version: (Object.hasOwn(versions, id) ? versions[id] : undefined) ?? '',
    auditSecondaryVerdict: j.audit?.secondaryVerdict ?? '',
    auditReferenceId: j.audit?.referenceJudgeId ?? '',
    auditReferenceVerdict: j.audit?.referenceVerdict ?? '',
  };
}

const liveAnswer = (e: CapturedExchange): AnswerInput => ({
  status: e.responseStatus,
  headers: e.responseHeaders,
  body: e.responseBody,
  contentType: e.responseContentType,
  latencyUs: e.liveLatencyUs,
  errorKind: null,
  bodyTruncated: e.responseBodyTruncated,
});

const shadowAnswer = (r: ShadowResult): AnswerInput => ({
  status: r.responseStatus,
  headers: r.responseHeaders,
  body: r.responseBody,
  contentType: r.responseContentType,
  latencyUs: r.latencyUs,
  errorKind: r.errorKind,
  bodyTruncated: r.responseBodyTruncated,
});

const effectInput = (e: SideEffect): SideEffectInput => ({
  method: e.method,
  target: e.target,
  path: e.path,
  operation: e.operation,
  requestBody: e.requestSummary,
  dependencyKind: e.dependencyKind,
  disposition: e.disposition,
  responseStatus: e.responseStatus,
});

/** Maps @shadow/compare's pair result to the row-oriented shape the joiner stores. */
function toPairComparison(c: SharedComparison, allNoise: boolean, versions: Readonly<Record<string, string>> = {}): PairRowComparison {
  const differences: PairRowDifference[] = [];
  const noisy = new Set<string>();
  const add = (path: string, kind: string, live: string | null, shadow: string | null, isNoise: boolean): void => {
    differences.push({ path, kind, liveExample: live ?? '', shadowExample: shadow ?? '' });
    if (isNoise || allNoise) noisy.add(path);
  };
  if (c.liveStatus !== c.candidateStatus) add('status', 'changed', String(c.liveStatus), String(c.candidateStatus), c.statusNoisy);
  for (const h of c.headerDiffs) add(`header:${h.name}`, h.kind, h.liveValue, h.candidateValue, h.noisy);
  for (const d of c.diffs) add(d.path, d.kind, d.liveValue, d.candidateValue, d.noisy);
  for (const s of c.sideEffectDiffs) add(`effect:${s.key}${s.path === null ? '' : ` ${s.path}`}`, s.kind, s.liveValue, s.candidateValue, s.noisy);
  const count = (kind: string): number => c.sideEffectDiffs.filter((s) => s.kind === kind).length;
  // The judge ran (was called) on this pair; not_run, or no judge needed, leaves the body's comparator.
  const judged = c.judge.path !== null && c.judge.verdict !== 'not_run';
  return {
    route: c.route,
    statusMatch: c.liveStatus === c.candidateStatus,
    headersMatch: c.headerDiffs.length === 0,
    bodyMatch: c.diffs.length === 0,
    sideEffectsMatch: c.sideEffectDiffs.length === 0,
    differences,
    noisyPaths: noisy,
    sideEffects: {
      live: c.liveWriteCount,
      shadow: c.candidateWriteCount,
      missing: count('missing_in_candidate'),
      extra: count('extra_in_candidate'),
      different: count('payload_changed'),
      detail: c.sideEffectDiffs
        .slice(0, 20)
        .map((s) => `${s.kind} ${s.key}`)
        .join('; '),
    },
    comparator: judged ? 'judge' : c.bodyComparison,
    // `agree` is the raw verdict (nothing differs); the noise-aware one is derived from noisyPaths.
    verdict: differences.length === 0 && c.errorMatch ? 'agree' : 'disagree',
    score: c.judge.score,
    outcomes: c.outcomes.map((o) => ({ name: o.name, type: o.type, live: o.live, candidate: o.candidate })),
    sandboxInduced: c.sandboxInduced,
    sandboxCauses: c.sandboxCauses.map(formatSandboxCause),
    judge: judgeColumns(c.judge, versions),
  };
}

/**
 * A PairComparer backed by @shadow/compare; options as its `resolveCompareConfig`. When a rule has
 * a judge (options.judge / options.judges), compareExchangeAsync awaits it for the candidates.
 */
export function sharedComparer(options: CompareOptions = {}, shared: SharedComparerOptions = {}): PairComparer {
  const config = resolveCompareConfig(options);
  const state = createCompareState(config);
  const versions = shared.judgeVersions ?? {};
  const prepare = (
    input: ExchangeToCompare,
  ): { exchangeInput: ExchangeInput; live: AnswerInput; liveSideEffects: SideEffectInput[]; challengers: Challenger[] } => {
    const { exchange } = input;
    const live = liveAnswer(exchange);
    const liveSideEffects = input.liveSideEffects.map(effectInput);
    const challengers = input.results.map(
      (r): Challenger => ({
        challengerId: r.challengerId,
        role: r.challengerRole,
        answer: shadowAnswer(r),
        sideEffects: (input.challengerSideEffects.get(r.challengerId) ?? []).map(effectInput),
      }),
    );
    // Only the first secondary is @shadow/compare's baseline; put it first among the secondaries.
    const exchangeInput: ExchangeInput = {
      exchangeId: exchange.exchangeId,
      method: exchange.method,
      path: exchange.path,
      routeTemplate: exchange.routeTemplate,
      live,
      liveSideEffects,
      challengers,
    };
    return { exchangeInput, live, liveSideEffects, challengers };
  };
  const finish = (
    input: ExchangeToCompare,
    prepared: ReturnType<typeof prepare>,
    compared: readonly ChallengerComparison[],
  ): Map<string, PairRowComparison> => {
    const { exchange } = input;
    const { live, liveSideEffects, challengers } = prepared;
    const out = new Map<string, PairRowComparison>();
    for (const { challengerId, comparison } of compared) out.set(challengerId, toPairComparison(comparison, false, versions));
    const route = out.values().next().value?.route;
    // Secondaries are compared without the judge: live vs a second copy of live is noise by definition
    // (the judge's own audit judges the secondary, docs/judge.md "Judging the judge").
    for (const c of challengers) {
      if (c.role !== 'secondary') continue;
      const comparison = toPairComparison(
        comparePair(
          {
            exchangeId: exchange.exchangeId,
            method: exchange.method,
            path: exchange.path,
            routeTemplate: exchange.routeTemplate,
            live,
            candidate: c.answer,
            liveSideEffects,
            candidateSideEffects: c.sideEffects,
          },
          config,
        ),
        true,
      );
      out.set(c.challengerId, route === undefined ? comparison : { ...comparison, route });
    }
    return out;
  };
  return {
    routeOf: (exchange) => state.routes.template(exchange.path, exchange.routeTemplate).template,
    compareExchange(input: ExchangeToCompare): Map<string, PairRowComparison> {
      const prepared = prepare(input);
      return finish(input, prepared, compareWithBaseline(prepared.exchangeInput, config, state));
    },
    ...(config.judged
      ? {
          async compareExchangeAsync(input: ExchangeToCompare): Promise<Map<string, PairRowComparison>> {
            const prepared = prepare(input);
            return finish(input, prepared, await compareWithBaselineAsync(prepared.exchangeInput, config, state));
          },
        }
      : {}),
  };
}
