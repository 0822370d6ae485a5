// @shadow/compare: pure comparison of a live answer with a challenger's (no I/O). See docs/compare.md.

export { comparePair, comparePairAsync, createCompareState, MAX_JUDGE_REASON_CHARS } from './pair/compare-pair.js';
export type { CompareState } from './pair/compare-pair.js';
export { compareExchange, compareExchangeAsync } from './pair/compare-exchange.js';
export type { ExchangeInput, ChallengerAnswer, ChallengerComparison } from './pair/compare-exchange.js';

export { resolveCompareConfig, ruleFor, DEFAULT_IGNORED_HEADERS, DEFAULT_READ_METHODS, DEFAULT_READ_OPERATIONS } from './options.js';
export type {
  CompareOptions,
  CompareConfig,
  RouteRule,
  ComparatorSpec,
  CustomCompareFn,
  ComparatorContext,
  JudgeFn,
  JudgeSide,
  JudgeContext,
  JudgeResult,
  JudgeAuditResult,
  CompiledRule,
} from './options.js';

export { BODY_DIFF_KINDS } from './types.js';
export type {
  AnswerInput,
  SideEffectInput,
  PairInput,
  PairComparison,
  PathDiff,
  HeaderDiff,
  HeaderDiffKind,
  SideEffectDiff,
  SideEffectDiffKind,
  JudgeOutcome,
  JudgeAuditOutcome,
  JudgeVerdict,
  OutcomeComparison,
  BodyComparison,
  BodyDiffKind,
  DiffKind,
  NoiseReason,
  SecondaryDiff,
  SandboxCause,
  SandboxCauseKind,
} from './types.js';

export { diffJson, deepEqual, DIFF_KINDS } from './json/json-diff.js';
export type { JsonDiffKind, JsonDiffOptions, JsonDiffSummary, DiffSite, ArrayKeyRule } from './json/json-diff.js';
export { parseJson, jsonTypeOf, numbersEqual, renderValue } from './json/json-parse.js';
export type { JsonValue, JsonType } from './json/json-parse.js';
export { compilePath, formatPath, formatCollapsedPath, matchPrefix, matchesExactly, selectValues } from './json/json-path.js';
export type { CompiledPath, PathSegment, PathStep } from './json/json-path.js';

export { prepareBody, isJsonContentType, BODY_KINDS } from './body/body.js';
export type { BodyKind, PreparedBody, BodyOptions } from './body/body.js';
export { hashBytes } from './body/hash.js';

export { diffHeaders } from './headers/headers.js';
export type { RawHeaderDiff, HeaderSelection } from './headers/headers.js';

export { NoiseModel, isSignificant } from './noise/noise-model.js';
export type { NoiseModelOptions, NoiseThresholds, NoiseKey, PathCounts, NoiseModelStats } from './noise/noise-model.js';

export { RouteTemplater, templateOf, normalizePath, isIdSegment, ID_PLACEHOLDER, OVERFLOW_ROUTE } from './route/route-templater.js';
export type { RoutePattern, RouteMatch, RouteSource, RouteTemplaterOptions } from './route/route-templater.js';

export { sideEffectKey, isRead } from './side-effects/side-effects.js';
export { sandboxCauses, formatSandboxCause, SANDBOX_ANSWER_DISPOSITIONS } from './sandbox/sandbox-causes.js';

export { compileOutcomeSpecs, extractOutcomes, OUTCOME_TYPES, OUTCOME_ERRORS } from './outcomes/outcomes.js';
export type { OutcomeSpec, OutcomeType, OutcomeValue, OutcomeError, CompiledOutcome } from './outcomes/outcomes.js';

export { CompareError, COMPARE_ERROR_CODES, isCompareError, toCompareError } from './errors.js';
export type { CompareErrorCode, CompareErrorOptions } from './errors.js';
