// The single entry point: one exchange's live, candidate and (optional) secondary answers in, one
// flat PairComparison out. Work per pair is linear in the bodies: each body is classified and
// parsed once (live's serves the candidate and the secondary comparison; identical bytes reuse it),
// the candidate and the secondary are each diffed against live once, and paths become strings
// only where something differs. The noise rule (docs/compare.md):
//   a difference is noise for this pair when live and the secondary disagreed at the same place
//   (SecondaryIndex.covers), OR when, over all pairs seen so far on the route, the candidate does
//   not differ there significantly more often than the secondary does (NoiseModel.isReal).
// Only differences that are neither count against the candidate.

import { prepareBody, sameBytes, type BodyKind, type PreparedBody } from '../body/body.js';
import { CompareError } from '../errors.js';
import { diffJson, type DiffSite } from '../json/json-diff.js';
import { numbersEqual, renderValue } from '../json/json-parse.js';
import { formatCollapsedPath, formatPath, matchPrefix, matchesExactly, selectValues, type PathStep } from '../json/json-path.js';
import { diffHeaders, type RawHeaderDiff } from '../headers/headers.js';
import { NoiseModel, type NoiseKey } from '../noise/noise-model.js';
import { extractOutcomes } from '../outcomes/outcomes.js';
import { normalizePath, RouteTemplater, templateOf, type RouteMatch } from '../route/route-templater.js';
import { sandboxCauses } from '../sandbox/sandbox-causes.js';
import { countWrites, preparePayload, writesByKey } from '../side-effects/side-effects.js';
import { ruleFor, type CompareConfig, type CompiledRule, type JudgeContext, type JudgeFn, type JudgeResult, type JudgeSide } from '../options.js';
import type {
  AnswerInput,
  BodyComparison,
  DiffKind,
  HeaderDiff,
  JudgeAuditOutcome,
  JudgeOutcome,
  JudgeVerdict,
  NoiseReason,
  OutcomeComparison,
  PairComparison,
  PairInput,
  PathDiff,
  SideEffectDiff,
  SideEffectDiffKind,
  SideEffectInput,
} from '../types.js';
import { SecondaryIndex } from './secondary-index.js';

/** State shared across pairs: the noise counters and the learned route templates (both bounded). */
export interface CompareState {
  readonly noise: NoiseModel;
  readonly routes: RouteTemplater;
}

/** One state per joiner instance (or per partition set): feed it every pair of a route. */
export function createCompareState(config: CompareConfig): CompareState {
  return {
    noise: new NoiseModel(config.noise),
    routes: new RouteTemplater({ patterns: config.routePatterns, maxTemplates: config.maxTemplates }),
  };
}

interface RawDiff {
  readonly steps: PathStep[];
  readonly kind: DiffKind;
  readonly live: unknown;
  readonly candidate: unknown;
  /** Rendered already (body-level kinds); else rendered from live/candidate on demand. */
  readonly rendered: boolean;
  readonly inJudge: boolean;
}

interface BodyDiffResult {
  readonly comparison: BodyComparison;
  readonly diffs: RawDiff[];
  readonly ignored: number;
  readonly tolerated: number;
  readonly truncated: boolean;
  readonly depthLimited: boolean;
  readonly comparatorError: string | null;
}

interface PendingJudge {
  readonly live: JudgeSide;
  readonly candidate: JudgeSide;
  readonly context: JudgeContext;
  readonly fn: JudgeFn;
  readonly judgeId: string | null;
}

/** A judge's reason is stored with the pair: bounded. */
export const MAX_JUDGE_REASON_CHARS = 1000;

const NO_JUDGE: JudgeOutcome = Object.freeze({
  verdict: 'not_run',
  score: null,
  reason: null,
  path: null,
  judgeId: null,
  kind: null,
  latencyMs: null,
  cached: false,
  tokens: 0,
  audit: null,
});

/** Compares one pair synchronously. A configured judge is not called (judge.verdict `not_run`): use comparePairAsync. */
export function comparePair(input: PairInput, config: CompareConfig, state?: CompareState): PairComparison {
  return compareCore(input, config, state, null).result;
}

/** Bodies already prepared by the caller (compareExchange prepares live and the secondary once). */
export interface PreparedSides {
  readonly live: PreparedBody;
  readonly secondary: PreparedBody | null;
}

/** comparePair with live's (and the secondary's) bodies prepared once for several candidates. Internal. */
export function comparePairPrepared(input: PairInput, config: CompareConfig, state: CompareState | undefined, prepared: PreparedSides): PairComparison {
  return compareCore(input, config, state, prepared).result;
}

/** comparePairAsync with prepared bodies. Internal. */
export function comparePairPreparedAsync(
  input: PairInput,
  config: CompareConfig,
  state: CompareState | undefined,
  prepared: PreparedSides,
): Promise<PairComparison> {
  return judgeAndFinish(compareCore(input, config, state, prepared), config);
}

/** Compares one pair and, when the route has a judge and something differed in its scope, awaits the judge. Never rejects for a judge failure (verdict `error`). */
export async function comparePairAsync(input: PairInput, config: CompareConfig, state?: CompareState): Promise<PairComparison> {
  return judgeAndFinish(compareCore(input, config, state, null), config);
}

async function judgeAndFinish(core: CoreOutput, config: CompareConfig): Promise<PairComparison> {
  const { result, pending, judged } = core;
  if (pending === null) return result;
  const started = performance.now();
  const failed = (kind: string, reason: string): JudgeOutcome => ({
    ...NO_JUDGE,
    verdict: 'error',
    reason: cut(reason),
    kind,
    path: pending.context.path,
    judgeId: pending.judgeId,
    latencyMs: Math.round(performance.now() - started),
  });
  let judge: JudgeOutcome;
  try {
    const answer = await withTimeout(pending.fn(pending.live, pending.candidate, pending.context), config.judgeTimeoutMs);
    judge =
      answer === null || typeof answer !== 'object'
        ? failed('bad_answer', `judge answered ${JSON.stringify(answer)}, not { verdict, ... }`)
        : (outcomeOf(answer, pending, Math.round(performance.now() - started)) ??
          failed('bad_answer', `judge answered an unknown verdict ${JSON.stringify(answer.verdict)}`));
  } catch (error) {
    judge = error instanceof JudgeTimeout ? failed('deadline', error.message) : failed('exception', error instanceof Error ? error.message : String(error));
  }
  return applyJudge(result, judged, judge);
}

const VERDICTS: ReadonlySet<string> = new Set(['equal', 'different', 'error', 'not_run']);
const finiteOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const cut = (text: string): string => (text.length > MAX_JUDGE_REASON_CHARS ? `${text.slice(0, MAX_JUDGE_REASON_CHARS - 1)}…` : text);
const verdictOrNull = (v: unknown): JudgeVerdict | 'not_run' | null => (typeof v === 'string' && VERDICTS.has(v) ? (v as JudgeVerdict | 'not_run') : null);

/** The judge's answer as stored with the pair; null for an unknown verdict. Fields of the wrong type are dropped, not trusted. */
function outcomeOf(answer: JudgeResult, pending: PendingJudge, measuredMs: number): JudgeOutcome | null {
  const verdict = verdictOrNull(answer.verdict);
  if (verdict === null) return null;
  const reported = finiteOrNull(answer.latencyMs);
  const tokens = finiteOrNull(answer.tokens);
  const a = answer.audit;
  const audit: JudgeAuditOutcome | null =
    a === null || a === undefined || typeof a !== 'object' || ((a.secondary ?? null) === null && (a.reference ?? null) === null)
      ? null
      : {
          secondaryVerdict: verdictOrNull(a.secondary?.verdict),
          referenceJudgeId: typeof a.reference?.judgeId === 'string' ? a.reference.judgeId : null,
          referenceVerdict: verdictOrNull(a.reference?.verdict),
        };
  return {
    verdict,
    score: finiteOrNull(answer.score),
    reason: typeof answer.reason === 'string' ? cut(answer.reason) : null,
    path: pending.context.path,
    judgeId: pending.judgeId ?? (typeof answer.judgeId === 'string' && answer.judgeId !== '' ? answer.judgeId : null),
    kind: verdict === 'equal' || verdict === 'different' ? null : typeof answer.kind === 'string' && answer.kind !== '' ? answer.kind : null,
    latencyMs: reported !== null && reported >= 0 ? reported : measuredMs,
    cached: answer.cached === true,
    tokens: tokens !== null && tokens >= 0 ? Math.round(tokens) : 0,
    audit,
  };
}

class JudgeTimeout extends Error {}

/** A judge that never answers must not hold a pair (and the joiner's batch) forever. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JudgeTimeout(`judge did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `equal`: the differences in the judged scope are dropped (counted as tolerated). `different`,
 * `error` and `not_run`: they stay, as real differences (a judged scope is never noise: the judge
 * decides there).
 */
function applyJudge(result: MutableResult, judged: ReadonlySet<PathDiff>, judge: JudgeOutcome): PairComparison {
  result.judge = judge;
  if (judge.verdict === 'equal') {
    const kept = result.diffs.filter((d) => !judged.has(d));
    for (const d of judged) result.toleratedDiffCount += d.count;
    result.diffs = kept;
    result.realDiffCount = kept.filter((d) => !d.noisy).length;
    result.noisyDiffCount = kept.length - result.realDiffCount;
    result.bodyMatch = result.realDiffCount === 0;
  }
  result.match = overall(result);
  result.sandboxInduced = isSandboxInduced(result);
  return result;
}

type MutableResult = { -readonly [K in keyof PairComparison]: PairComparison[K] };

function overall(r: MutableResult): boolean {
  return (r.statusMatch || r.statusNoisy) && r.errorMatch && r.headersMatch && r.bodyMatch && r.sideEffectsMatch;
}

/** A cause, an answer from the candidate, and an answer difference that counts (docs/compare.md "Sandbox-induced differences"). */
function isSandboxInduced(r: MutableResult): boolean {
  if (r.sandboxCauses.length === 0 || r.candidateErrorKind !== null) return false;
  return !(r.statusMatch || r.statusNoisy) || !r.headersMatch || !r.bodyMatch;
}

function routeOf(input: PairInput, state: CompareState | undefined): RouteMatch {
  if (state !== undefined) return state.routes.template(input.path, input.routeTemplate);
  const tap = input.routeTemplate;
  if (tap !== undefined && tap !== null && tap !== '') return { template: normalizePath(tap), source: 'tap' };
  return { template: templateOf(input.path), source: 'learned' };
}

function checkAnswer(a: AnswerInput | null | undefined, field: string, optional: boolean): void {
  if (a === null || a === undefined) {
    if (optional) return;
    throw new CompareError('COMPARE_INVALID_INPUT', `${field}: the answer is missing`, { field });
  }
  if (!(a.body instanceof Uint8Array))
    throw new CompareError('COMPARE_INVALID_INPUT', `${field}.body: expected a Uint8Array or Buffer`, { field: `${field}.body` });
  if (a.headers === null || typeof a.headers !== 'object')
    throw new CompareError('COMPARE_INVALID_INPUT', `${field}.headers: expected a record of header name -> values`, { field: `${field}.headers` });
}

interface CoreOutput {
  readonly result: MutableResult;
  readonly pending: PendingJudge | null;
  readonly judged: ReadonlySet<PathDiff>;
}

function compareCore(input: PairInput, config: CompareConfig, state: CompareState | undefined, prepared: PreparedSides | null): CoreOutput {
  // Cheap shape checks: a joiner mapping bug should fail loudly, naming the field, not compare garbage.
  checkAnswer(input.live, 'live', false);
  checkAnswer(input.candidate, 'candidate', false);
  checkAnswer(input.secondary, 'secondary', true);
  const method = input.method.toUpperCase();
  const route = routeOf(input, state);
  const rule = ruleFor(config, method, route.template);
  const routeKey = `${method} ${route.template}`;
  const { live, candidate } = input;
  // A side that did not answer (timeout, refused, ...) has no body or headers worth diffing: the
  // pair is an error mismatch (errorMatch), and counting `$ body_kind_changed` for every timeout
  // would bury the real differing paths. A secondary that did not answer is no baseline.
  const errored = (live.errorKind ?? null) !== null || (candidate.errorKind ?? null) !== null;
  const secondary = input.secondary !== undefined && input.secondary !== null && (input.secondary.errorKind ?? null) === null ? input.secondary : null;

  // A side whose bytes equal live's reuses live's classification: a memcmp instead of a parse.
  const liveBody = prepared?.live ?? prepareAnswerBody(live, config);
  const candBody = reuseOrPrepare(candidate, live, liveBody, config);
  const secBody = secondary === null ? null : (prepared?.secondary ?? reuseOrPrepare(secondary, live, liveBody, config));

  // Bodies
  const body = errored ? SKIPPED_BODY : diffBodies(liveBody, candBody, config, rule, route.template, method, true);
  const secIndex = new SecondaryIndex();
  const noiseKeys: NoiseKey[] | null = secBody === null ? null : [];
  if (secBody !== null && !errored) {
    const sec = diffBodies(liveBody, secBody, config, rule, route.template, method, false);
    for (const d of sec.diffs) secIndex.add('', d.steps, d.kind);
    addUniqueKeys(
      noiseKeys!,
      sec.diffs.map((d) => ({ path: formatCollapsedPath(d.steps), kind: d.kind })),
    );
  }

  // Headers
  const headerSel = { ignored: config.ignoredHeaders, routeIgnored: rule.ignoreHeaders, only: config.onlyHeaders };
  const headerRaw = errored ? [] : diffHeaders(live.headers, candidate.headers, headerSel);
  if (secondary !== null && !errored) {
    for (const h of diffHeaders(live.headers, secondary.headers, headerSel)) {
      secIndex.add(`header:${h.name}`, [], h.kind);
      noiseKeys!.push({ path: `header:${h.name}`, kind: h.kind });
    }
  }

  // Side effects
  const effectsCompared = input.liveSideEffects !== undefined && input.candidateSideEffects !== undefined;
  let effectRaw: RawEffectDiff[] = [];
  let liveWrites = 0;
  let candWrites = 0;
  if (effectsCompared) {
    const liveGroups = writesByKey(input.liveSideEffects!, config);
    const candGroups = writesByKey(input.candidateSideEffects!, config);
    liveWrites = countWrites(liveGroups);
    candWrites = countWrites(candGroups);
    effectRaw = diffEffects(liveGroups, candGroups, config);
    if (secondary !== null && input.secondarySideEffects !== undefined) {
      for (const e of diffEffects(liveGroups, writesByKey(input.secondarySideEffects, config), config)) {
        secIndex.add(`effect:${e.key}`, e.steps, e.kind);
        noiseKeys!.push({ path: effectNoisePath(e), kind: e.kind });
      }
    }
  }

  // Count this pair in the model before classifying, so the first pair is judged on itself.
  const rawKeys: NoiseKey[] = [];
  addUniqueKeys(
    rawKeys,
    body.diffs.filter((d) => !d.inJudge).map((d) => ({ path: formatCollapsedPath(d.steps), kind: d.kind })),
  );
  for (const h of headerRaw) rawKeys.push({ path: `header:${h.name}`, kind: h.kind });
  addUniqueKeys(
    rawKeys,
    effectRaw.map((e) => ({ path: effectNoisePath(e), kind: e.kind })),
  );
  const secondaryKeys = noiseKeys === null || errored ? null : dedupe(noiseKeys);
  if (state !== undefined && !errored) state.noise.recordPair(routeKey, rawKeys, secondaryKeys);

  const statNoisy = (key: NoiseKey): boolean => state !== undefined && !state.noise.isReal(routeKey, key);
  const hasSecondary = secondary !== null;

  const { diffs, judged } = groupBodyDiffs(body.diffs, secIndex, hasSecondary, statNoisy, config.maxValueChars);
  const headerDiffs = headerRaw.map((h) => classifyHeader(h, secIndex, hasSecondary, statNoisy));
  const sideEffectDiffs = effectRaw.map((e) => classifyEffect(e, secIndex, hasSecondary, statNoisy, config.maxValueChars));

  const realDiffCount = diffs.filter((d) => !d.noisy).length;
  const errorMatch = (live.errorKind ?? null) === (candidate.errorKind ?? null);
  const liveStatus = live.status;
  const outcomes = rule.outcomes.length === 0 ? [] : compareOutcomes(rule, liveBody, candBody);

  const result: MutableResult = {
    route: route.template,
    routeSource: route.source,
    method,
    match: false,
    statusMatch: liveStatus === candidate.status,
    statusNoisy: secondary !== null && secondary.status !== liveStatus,
    liveStatus,
    candidateStatus: candidate.status,
    secondaryStatus: input.secondary === undefined || input.secondary === null ? null : input.secondary.status,
    errorMatch,
    liveErrorKind: live.errorKind ?? null,
    candidateErrorKind: candidate.errorKind ?? null,
    liveLatencyUs: live.latencyUs,
    candidateLatencyUs: candidate.latencyUs,
    latencyDeltaUs: candidate.latencyUs - live.latencyUs,
    headersMatch: errored ? errorMatch : headerDiffs.every((h) => h.noisy),
    headerDiffs,
    bodyMatch: errored ? errorMatch : realDiffCount === 0,
    bodyComparison: body.comparison,
    liveBodyKind: liveBody.kind,
    candidateBodyKind: candBody.kind,
    liveBodySize: liveBody.size,
    candidateBodySize: candBody.size,
    liveBodyHash: liveBody.hash,
    candidateBodyHash: candBody.hash,
    liveBodyError: liveBody.error ?? null,
    candidateBodyError: candBody.error ?? null,
    diffs,
    realDiffCount,
    noisyDiffCount: diffs.length - realDiffCount,
    ignoredDiffCount: body.ignored,
    toleratedDiffCount: body.tolerated,
    diffsTruncated: body.truncated,
    depthLimited: body.depthLimited,
    comparatorError: body.comparatorError,
    sideEffectsCompared: effectsCompared,
    sideEffectsMatch: sideEffectDiffs.every((e) => e.noisy),
    liveWriteCount: liveWrites,
    candidateWriteCount: candWrites,
    sideEffectDiffs,
    judge: NO_JUDGE,
    outcomes,
    secondaryCompared: secondaryKeys !== null,
    secondaryDiffs: secondaryKeys ?? [],
    sandboxCauses: effectsCompared ? sandboxCauses(input.liveSideEffects, input.candidateSideEffects, config) : [],
    sandboxInduced: false,
  };
  result.match = overall(result);
  result.sandboxInduced = isSandboxInduced(result);

  let pending: PendingJudge | null = null;
  if (judged.size > 0 && rule.judgePath !== null && rule.judgeFn !== null) {
    const jp = rule.judgePath;
    const pick = (b: PreparedBody): unknown => (b.kind === 'json' ? (selectValues(jp, b.json)[0] ?? null) : (b.text ?? null));
    pending = {
      live: { status: live.status, contentType: live.contentType, value: pick(liveBody) },
      candidate: { status: candidate.status, contentType: candidate.contentType, value: pick(candBody) },
      context: {
        exchangeId: input.exchangeId ?? null,
        method,
        route: route.template,
        path: jp.source,
        secondary: secondary === null || secBody === null ? null : { status: secondary.status, contentType: secondary.contentType, value: pick(secBody) },
      },
      fn: rule.judgeFn,
      judgeId: rule.judgeId,
    };
  }
  return { result, pending, judged };
}

function reuseOrPrepare(a: AnswerInput, ref: AnswerInput, refBody: PreparedBody, config: CompareConfig): PreparedBody {
  if (a.contentType === ref.contentType && a.bodyTruncated === ref.bodyTruncated && sameBytes(a.body, ref.body)) return refBody;
  return prepareAnswerBody(a, config);
}

export function prepareAnswerBody(a: AnswerInput, config: CompareConfig): PreparedBody {
  return prepareBody(a.body, a.contentType, a.bodyTruncated, config.bodyOptions);
}

function addUniqueKeys(into: NoiseKey[], keys: NoiseKey[]): void {
  const seen = new Set(into.map((k) => `${k.kind}\u0000${k.path}`));
  for (const k of keys) {
    const id = `${k.kind}\u0000${k.path}`;
    if (!seen.has(id)) {
      seen.add(id);
      into.push(k);
    }
  }
}

function dedupe(keys: NoiseKey[]): NoiseKey[] {
  const out: NoiseKey[] = [];
  addUniqueKeys(out, keys);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bodies

function diffBodies(
  live: PreparedBody,
  other: PreparedBody,
  config: CompareConfig,
  rule: CompiledRule,
  route: string,
  method: string,
  isCandidate: boolean,
): BodyDiffResult {
  const diffs: RawDiff[] = [];
  let ignored = 0;
  let tolerated = 0;
  let comparatorError: string | null = null;
  const judgePath = rule.judgePath;

  // Body-level differences live at `$`: ignore rules and a judge on `$` apply to them too.
  const bodyLevel = (comparison: BodyComparison, kind: DiffKind, lv: string, cv: string): BodyDiffResult => {
    if (rule.ignorePaths.some((p) => matchPrefix(p, []) === 0)) ignored++;
    else if (judgePath !== null && judgePath.segments.length === 0 && !isCandidate) {
      // the secondary's disagreement in a judged scope is not noise evidence
    } else diffs.push({ steps: [], kind, live: lv, candidate: cv, rendered: true, inJudge: judgePath !== null && judgePath.segments.length === 0 });
    return { comparison, diffs, ignored, tolerated, truncated: false, depthLimited: false, comparatorError };
  };
  const none = (comparison: BodyComparison): BodyDiffResult => ({
    comparison,
    diffs,
    ignored,
    tolerated,
    truncated: false,
    depthLimited: false,
    comparatorError,
  });

  if (live === other) return none(SAME_BODY_COMPARISON[live.kind]);
  if (live.kind === 'empty' && other.kind === 'empty') return none('empty');
  const hashOnly = live.kind === 'too_large' || live.kind === 'truncated' || other.kind === 'too_large' || other.kind === 'truncated';
  if (hashOnly) {
    if (live.hash === other.hash && live.size === other.size) return none('hash');
    return bodyLevel('hash', 'hash_changed', bytesSummary(live), bytesSummary(other));
  }
  if (live.kind === 'json' && other.kind === 'json') {
    const customMemo = new Map<string, boolean>();
    const summary = diffJson(live.json, other.json, {
      maxDepth: config.maxDepth,
      maxDiffs: config.maxDiffs,
      arrayKeys: rule.arrayKeys,
      onDiff: (site: DiffSite, kind, l, c) => {
        const steps = site.steps;
        for (const p of rule.ignorePaths) {
          if (matchPrefix(p, steps) >= 0) {
            ignored++;
            return false;
          }
        }
        for (const cmp of rule.comparators) {
          if (cmp.type === 'numeric') {
            if (
              kind === 'value_changed' &&
              isNumeric(l) &&
              isNumeric(c) &&
              matchesExactly(cmp.path, steps) &&
              withinTolerance(l, c, cmp.absolute, cmp.relative)
            ) {
              tolerated++;
              return false;
            }
          } else {
            const k = matchPrefix(cmp.path, steps);
            if (k >= 0) {
              const at = formatPath(steps, k);
              let equal = customMemo.get(at);
              if (equal === undefined) {
                try {
                  equal = cmp.compare!(site.lives[k], site.candidates[k], { route, method, path: at }) === true;
                } catch (error) {
                  comparatorError = `${at}: ${error instanceof Error ? error.message : String(error)}`;
                  equal = false;
                }
                customMemo.set(at, equal);
              }
              if (equal) {
                tolerated++;
                return false;
              }
            }
          }
        }
        const inJudge = judgePath !== null && matchPrefix(judgePath, steps) >= 0;
        if (inJudge && !isCandidate) return false;
        diffs.push({ steps: steps.slice(), kind, live: l, candidate: c, rendered: false, inJudge });
        return true;
      },
    });
    return { comparison: 'json', diffs, ignored, tolerated, truncated: summary.truncated, depthLimited: summary.depthLimited, comparatorError };
  }
  const liveText = live.kind === 'text' || live.kind === 'invalid_json' ? live.text : undefined;
  const otherText = other.kind === 'text' || other.kind === 'invalid_json' ? other.text : undefined;
  if (live.kind === other.kind && liveText !== undefined && otherText !== undefined) {
    if (liveText === otherText) return none('text');
    const [lv, cv] = textExcerpts(liveText, otherText, config.maxValueChars);
    return bodyLevel('text', 'text_changed', lv, cv);
  }
  if (live.kind === 'binary' && other.kind === 'binary') {
    if (live.hash === other.hash && live.size === other.size) return none('bytes');
    return bodyLevel('bytes', 'bytes_changed', bytesSummary(live), bytesSummary(other));
  }
  if (live.kind === other.kind && live.hash === other.hash && live.size === other.size) return none('bytes');
  return bodyLevel('kinds', 'body_kind_changed', live.kind, other.kind);
}

const SKIPPED_BODY: BodyDiffResult = Object.freeze({
  comparison: 'skipped',
  diffs: [],
  ignored: 0,
  tolerated: 0,
  truncated: false,
  depthLimited: false,
  comparatorError: null,
});

const SAME_BODY_COMPARISON: Readonly<Record<BodyKind, BodyComparison>> = {
  empty: 'empty',
  json: 'json',
  invalid_json: 'text',
  text: 'text',
  binary: 'bytes',
  too_large: 'hash',
  truncated: 'hash',
};

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

function withinTolerance(l: number | bigint, c: number | bigint, absolute: number, relative: number): boolean {
  if (numbersEqual(l, c)) return true;
  const a = Number(l);
  const b = Number(c);
  const delta = Math.abs(a - b);
  return delta <= absolute || delta <= relative * Math.max(Math.abs(a), Math.abs(b));
}

function bytesSummary(b: PreparedBody): string {
  return `${b.size} bytes, hash ${b.hash}`;
}

/** Both texts from a little before their first difference, cut to maxChars, as JSON strings. */
function textExcerpts(a: string, b: string, maxChars: number): [string, string] {
  let i = 0;
  const n = Math.min(a.length, b.length);
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const start = Math.max(0, i - 16);
  const cut = (s: string): string => renderValue(`${start > 0 ? '…' : ''}${s.slice(start, start + maxChars)}`, maxChars);
  return [cut(a), cut(b)];
}

interface Group {
  path: string;
  kind: DiffKind;
  example: RawDiff;
  exampleNoisy: boolean;
  count: number;
  pairNoisy: number;
  inJudge: boolean;
}

function groupBodyDiffs(
  raw: readonly RawDiff[],
  sec: SecondaryIndex,
  hasSecondary: boolean,
  statNoisy: (k: NoiseKey) => boolean,
  maxChars: number,
): { diffs: PathDiff[]; judged: Set<PathDiff> } {
  const groups = new Map<string, Group>();
  for (const d of raw) {
    const path = formatCollapsedPath(d.steps);
    const id = `${d.kind}\u0000${path}`;
    const noisy = !d.inJudge && hasSecondary && sec.covers('', d.steps, d.kind);
    const g = groups.get(id);
    if (g === undefined) {
      groups.set(id, { path, kind: d.kind, example: d, exampleNoisy: noisy, count: 1, pairNoisy: noisy ? 1 : 0, inJudge: d.inJudge });
    } else {
      g.count++;
      if (noisy) g.pairNoisy++;
      // Show a real occurrence when there is one.
      else if (g.exampleNoisy) {
        g.example = d;
        g.exampleNoisy = false;
      }
    }
  }
  const diffs: PathDiff[] = [];
  const judged = new Set<PathDiff>();
  for (const g of groups.values()) {
    let noiseReason: NoiseReason | null = null;
    if (!g.inJudge) {
      if (g.pairNoisy === g.count) noiseReason = 'secondary';
      else if (statNoisy({ path: g.path, kind: g.kind })) noiseReason = 'statistical';
    }
    const e = g.example;
    const diff: PathDiff = {
      path: g.path,
      kind: g.kind,
      examplePath: formatPath(e.steps),
      liveValue: e.rendered ? (e.live as string) : e.live === undefined ? null : renderValue(e.live, maxChars),
      candidateValue: e.rendered ? (e.candidate as string) : e.candidate === undefined ? null : renderValue(e.candidate, maxChars),
      count: g.count,
      noisy: noiseReason !== null,
      noiseReason,
    };
    diffs.push(diff);
    if (g.inJudge) judged.add(diff);
  }
  return { diffs, judged };
}

function classifyHeader(h: RawHeaderDiff, sec: SecondaryIndex, hasSecondary: boolean, statNoisy: (k: NoiseKey) => boolean): HeaderDiff {
  let noiseReason: NoiseReason | null = null;
  if (hasSecondary && sec.covers(`header:${h.name}`, [], h.kind)) noiseReason = 'secondary';
  else if (statNoisy({ path: `header:${h.name}`, kind: h.kind })) noiseReason = 'statistical';
  return { name: h.name, kind: h.kind, liveValue: h.live, candidateValue: h.candidate, noisy: noiseReason !== null, noiseReason };
}

// ---------------------------------------------------------------------------------------------
// Side effects

interface RawEffectDiff {
  readonly key: string;
  readonly kind: SideEffectDiffKind;
  readonly steps: PathStep[];
  /** Payload path is meaningful (payload_changed). */
  readonly hasPath: boolean;
  readonly live: unknown;
  readonly candidate: unknown;
  readonly rendered: boolean;
}

function effectNoisePath(e: RawEffectDiff): string {
  return e.hasPath ? `effect:${e.key} ${formatCollapsedPath(e.steps)}` : `effect:${e.key}`;
}

function diffEffects(liveGroups: Map<string, SideEffectInput[]>, otherGroups: Map<string, SideEffectInput[]>, config: CompareConfig): RawEffectDiff[] {
  const out: RawEffectDiff[] = [];
  const summary = (e: SideEffectInput): string => renderValue(`${e.operation || e.method} ${e.target}${e.path}`, config.maxValueChars);
  for (const [key, lives] of liveGroups) {
    const others = otherGroups.get(key) ?? [];
    const n = Math.min(lives.length, others.length);
    for (let i = 0; i < n; i++) diffPayload(key, lives[i]!, others[i]!, config, out);
    for (let i = n; i < lives.length; i++) {
      out.push({ key, kind: 'missing_in_candidate', steps: [], hasPath: false, live: summary(lives[i]!), candidate: null, rendered: true });
    }
  }
  for (const [key, others] of otherGroups) {
    const lives = liveGroups.get(key) ?? [];
    for (let i = lives.length; i < others.length; i++) {
      out.push({ key, kind: 'extra_in_candidate', steps: [], hasPath: false, live: null, candidate: summary(others[i]!), rendered: true });
    }
  }
  return out;
}

function diffPayload(key: string, l: SideEffectInput, c: SideEffectInput, config: CompareConfig, out: RawEffectDiff[]): void {
  const lb = preparePayload(l, config.bodyOptions);
  const cb = preparePayload(c, config.bodyOptions);
  if (lb.hash === cb.hash && lb.size === cb.size) return;
  if (lb.kind === 'json' && cb.kind === 'json') {
    diffJson(lb.json, cb.json, {
      maxDepth: config.maxDepth,
      maxDiffs: config.maxDiffs,
      arrayKeys: [],
      onDiff: (site, _kind, lv, cv) => {
        out.push({ key, kind: 'payload_changed', steps: site.steps.slice(), hasPath: true, live: lv, candidate: cv, rendered: false });
        return true;
      },
    });
    return;
  }
  const lt = lb.text;
  const ct = cb.text;
  if (lt !== undefined && ct !== undefined) {
    const [lv, cv] = textExcerpts(lt, ct, config.maxValueChars);
    out.push({ key, kind: 'payload_changed', steps: [], hasPath: true, live: lv, candidate: cv, rendered: true });
    return;
  }
  out.push({ key, kind: 'payload_changed', steps: [], hasPath: true, live: bytesSummary(lb), candidate: bytesSummary(cb), rendered: true });
}

function classifyEffect(e: RawEffectDiff, sec: SecondaryIndex, hasSecondary: boolean, statNoisy: (k: NoiseKey) => boolean, maxChars: number): SideEffectDiff {
  let noiseReason: NoiseReason | null = null;
  if (hasSecondary && sec.covers(`effect:${e.key}`, e.steps, e.kind)) noiseReason = 'secondary';
  else if (statNoisy({ path: effectNoisePath(e), kind: e.kind })) noiseReason = 'statistical';
  const render = (v: unknown): string | null => (v === null || v === undefined ? null : e.rendered ? (v as string) : renderValue(v, maxChars));
  return {
    key: e.key,
    kind: e.kind,
    path: e.hasPath ? formatCollapsedPath(e.steps) : null,
    examplePath: e.hasPath ? formatPath(e.steps) : null,
    liveValue: render(e.live),
    candidateValue: render(e.candidate),
    noisy: noiseReason !== null,
    noiseReason,
  };
}

// ---------------------------------------------------------------------------------------------
// Outcomes

function compareOutcomes(rule: CompiledRule, live: PreparedBody, candidate: PreparedBody): OutcomeComparison[] {
  const l = extractOutcomes(rule.outcomes, live.kind === 'json' ? live.json : undefined);
  const c = extractOutcomes(rule.outcomes, candidate.kind === 'json' ? candidate.json : undefined);
  return l.map((o, i) => ({
    name: o.name,
    type: o.type,
    live: o.value,
    candidate: c[i]!.value,
    liveError: o.error,
    candidateError: c[i]!.error,
  }));
}
