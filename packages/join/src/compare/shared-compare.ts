// The joiner's PairComparer over @shadow/compare (the real comparison: JSON diff, noise model,
// route templates, comparators, side effects). @shadow/compare compares candidates only, with the
// first secondary as the noise baseline, and keeps the noise model and route templater in a
// CompareState (one per joiner instance). The joiner also lands a pair row per secondary (live vs
// a second copy of live: every difference there is noise by definition), compared here without the
// state so live-vs-live differences never count as raw candidate differences in the model.
import {
  compareExchange as compareWithBaseline,
  comparePair,
  createCompareState,
  formatSandboxCause,
  resolveCompareConfig,
} from '@shadow/compare';
import type { AnswerInput, CompareOptions, PairComparison as SharedComparison, SideEffectInput } from '@shadow/compare';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { ExchangeToCompare, PairComparer, PairRowComparison, PairRowDifference } from './types.js';

const liveAnswer = (e: CapturedExchange): AnswerInput => ({
  status: e.responseStatus, headers: e.responseHeaders, body: e.responseBody, contentType: e.responseContentType,
  latencyUs: e.liveLatencyUs, errorKind: null, bodyTruncated: e.responseBodyTruncated,
});

const shadowAnswer = (r: ShadowResult): AnswerInput => ({
  status: r.responseStatus, headers: r.responseHeaders, body: r.responseBody, contentType: r.responseContentType,
  latencyUs: r.latencyUs, errorKind: r.errorKind, bodyTruncated: r.responseBodyTruncated,
});

const effectInput = (e: SideEffect): SideEffectInput => ({
  method: e.method, target: e.target, path: e.path, operation: e.operation, requestBody: e.requestSummary, dependencyKind: e.dependencyKind,
  disposition: e.disposition, responseStatus: e.responseStatus,
});

/** Maps @shadow/compare's pair result to the row-oriented shape the joiner stores. */
function toPairComparison(c: SharedComparison, allNoise: boolean): PairRowComparison {
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
  const judged = c.judge.verdict !== 'not_run';
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
      detail: c.sideEffectDiffs.slice(0, 20).map((s) => `${s.kind} ${s.key}`).join('; '),
    },
    comparator: judged ? 'judge' : c.bodyComparison,
    // `agree` is the raw verdict (nothing differs); the noise-aware one is derived from noisyPaths.
    verdict: differences.length === 0 && c.errorMatch ? 'agree' : 'disagree',
    score: c.judge.score,
    outcomes: c.outcomes.map((o) => ({ name: o.name, type: o.type, live: o.live, candidate: o.candidate })),
    sandboxInduced: c.sandboxInduced,
    sandboxCauses: c.sandboxCauses.map(formatSandboxCause),
  };
}

/** A PairComparer backed by @shadow/compare; options as its `resolveCompareConfig`. */
export function sharedComparer(options: CompareOptions = {}): PairComparer {
  const config = resolveCompareConfig(options);
  const state = createCompareState(config);
  return {
    routeOf: (exchange) => state.routes.template(exchange.path, exchange.routeTemplate).template,
    compareExchange(input: ExchangeToCompare): Map<string, PairRowComparison> {
      const { exchange } = input;
      const live = liveAnswer(exchange);
      const liveSideEffects = input.liveSideEffects.map(effectInput);
      const challengers = input.results.map((r) => ({
        challengerId: r.challengerId,
        role: r.challengerRole,
        answer: shadowAnswer(r),
        sideEffects: (input.challengerSideEffects.get(r.challengerId) ?? []).map(effectInput),
      }));
      // Only the first secondary is @shadow/compare's baseline; put it first among the secondaries.
      const out = new Map<string, PairRowComparison>();
      for (const { challengerId, comparison } of compareWithBaseline(
        { exchangeId: exchange.exchangeId, method: exchange.method, path: exchange.path, routeTemplate: exchange.routeTemplate, live, liveSideEffects, challengers },
        config,
        state,
      )) {
        out.set(challengerId, toPairComparison(comparison, false));
      }
      const route = out.values().next().value?.route;
      for (const c of challengers) {
        if (c.role !== 'secondary') continue;
        const comparison = toPairComparison(comparePair({
          exchangeId: exchange.exchangeId, method: exchange.method, path: exchange.path, routeTemplate: exchange.routeTemplate,
          live, candidate: c.answer, liveSideEffects, candidateSideEffects: c.sideEffects,
        }, config), true);
        out.set(c.challengerId, route === undefined ? comparison : { ...comparison, route });
      }
      return out;
    },
  };
}
