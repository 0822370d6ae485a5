// The pair as the joiner stores it, reduced to what the measurements need: identity, times and
// @shadow/compare's PairComparison fields (a structural subset, so this package does not depend
// on @shadow/compare). Used by the in-memory reference computation (from-pairs.ts), which is
// the oracle the SQL layer's tests compare against.

/** Compare's `<dependencyKind> <METHOD|operation> <target><path template>` split into parts. */
export interface SideEffectKeyParts {
  dependencyKind: string;
  method: string;
  target: string;
  path: string;
}

/** "http POST payments:443/v1/charges/:id" -> http, POST, payments:443, /v1/charges/:id. */
export function parseSideEffectKey(key: string): SideEffectKeyParts {
  const [dependencyKind = '', method = '', ...rest] = key.split(' ');
  const location = rest.join(' ');
  const slash = location.indexOf('/');
  return slash < 0
    ? { dependencyKind, method, target: location, path: '' }
    : { dependencyKind, method, target: location.slice(0, slash), path: location.slice(slash) };
}

/** "candidate-only POST payments:443/v1/charges/:id": one kind of difference, as SQL and memory both name it. */
export function sideEffectKindId(k: { direction: string; method: string; target: string; path: string }): string {
  return `${k.direction} ${k.method} ${k.target}${k.path}`;
}

/** Sets of differences in a stable order: most pairs first, then by their ids. */
export function sortSideEffectSets<T extends { differences: { direction: string; method: string; target: string; path: string }[]; pairs: number }>(
  sets: T[],
): T[] {
  const key = (s: T) => s.differences.map(sideEffectKindId).join('\n');
  for (const s of sets) s.differences.sort((a, b) => sideEffectKindId(a).localeCompare(sideEffectKindId(b)));
  return sets.sort((a, b) => b.pairs - a.pairs || key(a).localeCompare(key(b)));
}

export interface PairComparisonLike {
  route: string;
  method: string;
  match: boolean;
  statusMatch: boolean;
  statusNoisy: boolean;
  liveStatus: number;
  candidateStatus: number;
  errorMatch: boolean;
  liveErrorKind: string | null;
  candidateErrorKind: string | null;
  liveLatencyUs: number;
  candidateLatencyUs: number;
  headersMatch: boolean;
  headerDiffs: readonly { name: string; noisy: boolean }[];
  bodyMatch: boolean;
  diffs: readonly { path: string; noisy: boolean }[];
  sideEffectsMatch: boolean;
  sideEffectDiffs: readonly { key: string; kind: 'missing_in_candidate' | 'extra_in_candidate' | 'payload_changed'; noisy: boolean }[];
  /**
   * Compare's judge outcome. `path` null (or absent) with `not_run`: no judge was needed; with a
   * path, `not_run` means needed and skipped (`kind` says why).
   */
  judge: {
    verdict: 'equal' | 'different' | 'error' | 'not_run';
    path?: string | null | undefined;
    judgeId?: string | null | undefined;
    kind?: string | null | undefined;
    reason?: string | null | undefined;
    latencyMs?: number | null | undefined;
    cached?: boolean | undefined;
    tokens?: number | undefined;
    audit?: { secondaryVerdict: string | null; referenceJudgeId: string | null; referenceVerdict: string | null } | null | undefined;
  };
  outcomes: readonly {
    name: string;
    type: 'number' | 'string' | 'string[]';
    live: number | string | string[] | null;
    candidate: number | string | string[] | null;
  }[];
  /** The answer differs after a sandbox-made answer (compare's sandboxInduced). @default false */
  sandboxInduced?: boolean | undefined;
  /** Compare's sandboxCauses. @default [] */
  sandboxCauses?: readonly SandboxCauseLike[] | undefined;
}

/** Whether a judge was needed on the pair (compare's judge outcome has a path, or a verdict other than not_run). */
export function judgeNeeded(j: PairComparisonLike['judge']): boolean {
  return j.verdict !== 'not_run' || (j.path ?? null) !== null;
}

/** Example reasons listed per scope and verdict, most pairs first. */
export const MAX_JUDGE_EXAMPLES = 5;

/** Causes of sandbox-induced pairs listed per scope, most pairs first. */
export const MAX_SANDBOX_CAUSES = 20;

/** Compare's SandboxCause. */
export interface SandboxCauseLike {
  kind: string;
  key: string;
  disposition: string;
  status: number;
}

/** `sandbox_answer blocked 503 http POST store:8080/v2/orders`: a pair row's sandbox_causes entry (compare's formatSandboxCause). */
export function formatSandboxCause(c: SandboxCauseLike): string {
  return `${c.kind} ${c.disposition} ${c.status} ${c.key}`;
}

/** The inverse of formatSandboxCause; null for text in another form. */
export function parseSandboxCause(text: string): SandboxCauseLike | null {
  const m = /^(\S+) (\S+) (\d+) (.+)$/.exec(text);
  if (m === null) return null;
  return { kind: m[1] as string, disposition: m[2] as string, status: Number(m[3]), key: m[4] as string };
}

export interface PairRecord {
  exchangeId: string;
  challengerId: string;
  challengerName?: string | undefined;
  /** 1-based replay attempt. */
  attempt: number;
  /** Live capture time, epoch ms. */
  captureTimeMs: number;
  runId?: string | null | undefined;
  /** `candidate` or `secondary` (the result's challengerRole). @default 'candidate' */
  challengerRole?: string | undefined;
  /** Among stored copies of one (exchangeId, challengerId, attempt) the highest version wins. @default 0 */
  version?: number | undefined;
  comparison: PairComparisonLike;
  /** Ground truth for this exchange, when a label arrived: was each side's answer right? */
  label?: { liveCorrect: boolean; candidateCorrect: boolean } | null | undefined;
}
