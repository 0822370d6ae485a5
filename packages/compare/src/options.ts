// Configuration of the comparison: written by people (a YAML/JSON file loaded by the joiner) plus
// two injected functions (custom comparators, the judge). resolveCompareConfig validates it all
// once at start-up, names the offending field in the error, compiles every JSONPath and route
// pattern, and returns a frozen config that the per-pair path only reads.

import { CompareError } from './errors.js';
import { compilePath, type CompiledPath } from './json/json-path.js';
import type { ArrayKeyRule } from './json/json-diff.js';
import { validateThreshold, type NoiseModelOptions, type NoiseThresholds } from './noise/noise-model.js';
import { compileOutcomeSpecs, type CompiledOutcome, type OutcomeSpec } from './outcomes/outcomes.js';
import { normalizePath, RouteTemplater, type RoutePattern } from './route/route-templater.js';
import type { JudgeVerdict } from './types.js';

/** Headers that differ on every answer or follow the body: never compared unless configured. */
export const DEFAULT_IGNORED_HEADERS: readonly string[] = Object.freeze(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'etag']);

/** Methods and operations that read: left out of side-effect comparison (writes are what matter). */
export const DEFAULT_READ_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'OPTIONS']);
export const DEFAULT_READ_OPERATIONS = '^(select|get|read|find|query|head|options)\\b';

export interface JudgeSide {
  readonly status: number;
  readonly contentType: string | null;
  /** The parsed JSON at the judged path, or the body text (non-JSON), or null (binary/absent). */
  readonly value: unknown;
}

export interface JudgeContext {
  readonly exchangeId: string | null;
  readonly method: string;
  readonly route: string;
  /** JSONPath judged (`$` = whole body). */
  readonly path: string;
  /**
   * The secondary's answer at the same path (a second copy of live), when the exchange had one
   * that answered: a judge may audit itself on it (live vs secondary should be judged equal).
   */
  readonly secondary?: JudgeSide | null;
}

/** What a judge's audits found on this pair (judging the judge): each null when not run. */
export interface JudgeAuditResult {
  /** The same judge on live vs the secondary: the truth is `equal`, so `different` is a false difference. */
  readonly secondary?: { readonly verdict: JudgeVerdict | 'not_run' } | null;
  /** Another judge on the same pair. */
  readonly reference?: { readonly judgeId: string; readonly verdict: JudgeVerdict | 'not_run' } | null;
}

export interface JudgeResult {
  /** `not_run`: the judge skipped the pair (sampled out, budget spent, ...; say why in `reason`): its differences are kept. */
  readonly verdict: JudgeVerdict | 'not_run';
  /** Any scale the judge uses (e.g. 0..1 similarity); stored as is. */
  readonly score?: number;
  readonly reason?: string;
  /** Which judge answered (a configured judge's id). @default the rule's `judge.use` */
  readonly judgeId?: string;
  /** Why `error` (timeout, bad_answer, ...) or `not_run` (sampled_out, budget, ...). */
  readonly kind?: string | null;
  /** How long the judgement took, queue and retries included. @default measured by compare */
  readonly latencyMs?: number;
  /** The verdict came from the judge's cache (no call made). @default false */
  readonly cached?: boolean;
  /** Tokens the judgement used. @default 0 */
  readonly tokens?: number;
  readonly audit?: JudgeAuditResult | null;
}

/** An external judge (e.g. an LLM behind HTTP, called by the joiner): decides equality where bytes cannot. */
export type JudgeFn = (live: JudgeSide, candidate: JudgeSide, context: JudgeContext) => Promise<JudgeResult>;

export interface ComparatorContext {
  readonly route: string;
  readonly method: string;
  /** Concrete JSONPath of the compared node. */
  readonly path: string;
}

/** true = equal (the differences under the node are dropped). */
export type CustomCompareFn = (live: unknown, candidate: unknown, context: ComparatorContext) => boolean;

export type ComparatorSpec =
  | {
      readonly type: 'numeric';
      /** JSONPath of the numbers. @default "$..*" (every number in the body) */
      readonly path?: string;
      /** Equal when |live - candidate| <= absolute. @default 0 */
      readonly absolute?: number;
      /** Equal when |live - candidate| <= relative * max(|live|, |candidate|). @default 0 */
      readonly relative?: number;
    }
  | {
      readonly type: 'custom';
      /** JSONPath of the node handed to `compare`. @default "$" */
      readonly path?: string;
      readonly compare: CustomCompareFn;
    };

/** Rules for one route (by template as in the result's `route`, optionally one method). */
export interface RouteRule {
  /** Route template, e.g. `/users/:id` (normalised like request paths). */
  readonly route: string;
  /** Only this method (case-insensitive). @default every method */
  readonly method?: string;
  /** JSONPaths whose differences are dropped (a path covers its subtree). @default [] */
  readonly ignorePaths?: readonly string[];
  /** Headers not compared on this route, on top of headers.ignore. @default [] */
  readonly ignoreHeaders?: readonly string[];
  /** Arrays matched by a key field instead of by index: `{ path: '$.items', key: 'id' }`. @default [] */
  readonly arrayKeys?: readonly { readonly path: string; readonly key: string }[];
  readonly comparators?: readonly ComparatorSpec[];
  /**
   * Ask a judge about differences under this path (definite path, no wildcards): `use` names one
   * of `options.judges`; without it, `options.judge` (or the only entry of `options.judges`). @default none
   */
  readonly judge?: { readonly path?: string; readonly use?: string };
  /** Business outcomes extracted from both sides' JSON bodies. @default [] */
  readonly outcomes?: readonly OutcomeSpec[];
}

export interface CompareOptions {
  readonly headers?: {
    /** Header names never compared. @default DEFAULT_IGNORED_HEADERS */
    readonly ignore?: readonly string[];
    /** When set, only these headers are compared (ignore still applies). @default null (all) */
    readonly only?: readonly string[] | null;
  };
  readonly body?: {
    /** Bodies larger than this are compared by hash and size only (kind `too_large`). @default 1048576 */
    readonly maxBodyBytes?: number;
    /** JSON deeper than this is compared whole below the cut. @default 64 */
    readonly maxDepth?: number;
    /** Concrete differences kept per comparison before giving up (`diffsTruncated`). @default 500 */
    readonly maxDiffs?: number;
    /** Rendered example values are cut to this many characters. @default 200 */
    readonly maxValueChars?: number;
    /** A body without content type that starts with `{` or `[` is tried as JSON. @default true */
    readonly sniffJson?: boolean;
  };
  readonly noise?: NoiseModelOptions;
  readonly routes?: {
    /** Configured route templates or regexes, tried in order; they win over learned templates. @default [] */
    readonly patterns?: readonly RoutePattern[];
    /** @default 10000 */
    readonly maxTemplates?: number;
  };
  readonly sideEffects?: {
    /** HTTP methods that read (not compared). @default DEFAULT_READ_METHODS */
    readonly readMethods?: readonly string[];
    /** Regex (case-insensitive) on `operation` for reads of non-HTTP dependencies. @default DEFAULT_READ_OPERATIONS */
    readonly readOperations?: string;
  };
  readonly rules?: readonly RouteRule[];
  /** The judge of rules whose `judge` names none (`use`). */
  readonly judge?: JudgeFn;
  /** Judges by id, named by a rule's `judge.use` (e.g. `@shadow/judge`'s `asJudgeFn()` per configured judge). @default {} */
  readonly judges?: Readonly<Record<string, JudgeFn>>;
  /** A judge answer later than this is verdict `error` (kind `deadline`). @default 10000 */
  readonly judgeTimeoutMs?: number;
}

export interface CompiledComparator {
  readonly type: 'numeric' | 'custom';
  readonly path: CompiledPath;
  readonly absolute: number;
  readonly relative: number;
  readonly compare: CustomCompareFn | null;
}

export interface CompiledRule {
  readonly route: string;
  readonly method: string | null;
  readonly ignorePaths: readonly CompiledPath[];
  readonly ignoreHeaders: ReadonlySet<string>;
  readonly arrayKeys: readonly ArrayKeyRule[];
  readonly comparators: readonly CompiledComparator[];
  readonly judgePath: CompiledPath | null;
  /** The judge of `judgePath`, and its id (`judge.use`; null for `options.judge`). */
  readonly judgeFn: JudgeFn | null;
  readonly judgeId: string | null;
  readonly outcomes: readonly CompiledOutcome[];
}

/** The validated, frozen configuration comparePair reads. Make it once with resolveCompareConfig. */
export interface CompareConfig {
  readonly ignoredHeaders: ReadonlySet<string>;
  readonly onlyHeaders: ReadonlySet<string> | null;
  readonly maxBodyBytes: number;
  readonly maxDepth: number;
  readonly maxDiffs: number;
  readonly maxValueChars: number;
  readonly sniffJson: boolean;
  /** Body options object, identity-stable (used as the body cache key). */
  readonly bodyOptions: { readonly maxBodyBytes: number; readonly sniffJson: boolean };
  readonly noise: NoiseThresholds & { readonly maxKeys: number; readonly maxRoutes: number };
  readonly routePatterns: readonly RoutePattern[];
  readonly maxTemplates: number;
  readonly readMethods: ReadonlySet<string>;
  readonly readOperations: RegExp;
  /** Rules by `METHOD route` and by `* route`. */
  readonly rules: ReadonlyMap<string, CompiledRule>;
  readonly judge: JudgeFn | null;
  /** Ids of `options.judges`. */
  readonly judgeIds: readonly string[];
  /** Some rule has a judge: comparePairAsync may await one. */
  readonly judged: boolean;
  readonly judgeTimeoutMs: number;
  /** The rule used when none is configured for a route. */
  readonly emptyRule: CompiledRule;
}

function invalid(field: string, message: string): never {
  throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: ${message}`, { field });
}

function int(value: unknown, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) invalid(field, `expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function bool(value: unknown, fallback: boolean, field: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(field, `expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function strings(value: unknown, fallback: readonly string[], field: string): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) invalid(field, 'expected an array of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') invalid(`${field}[${i}]`, `expected a non-empty string, got ${JSON.stringify(v)}`);
  });
  return value as string[];
}

function path(value: unknown, field: string): CompiledPath {
  try {
    return compilePath(value as string, field);
  } catch (error) {
    if (error instanceof CompareError) throw new CompareError('COMPARE_INVALID_CONFIG', error.message, { field, cause: error });
    throw error;
  }
}

function nonNegative(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(field, `expected a number >= 0, got ${JSON.stringify(value)}`);
  return value;
}

function compileComparator(spec: ComparatorSpec, field: string): CompiledComparator {
  if (spec === null || typeof spec !== 'object') invalid(field, 'expected { type: "numeric" | "custom", ... }');
  if (spec.type === 'numeric') {
    return {
      type: 'numeric',
      path: path(spec.path ?? '$..*', `${field}.path`),
      absolute: nonNegative(spec.absolute, `${field}.absolute`),
      relative: nonNegative(spec.relative, `${field}.relative`),
      compare: null,
    };
  }
  if (spec.type === 'custom') {
    if (typeof spec.compare !== 'function') invalid(`${field}.compare`, 'expected a function (live, candidate, context) => boolean');
    return { type: 'custom', path: path(spec.path ?? '$', `${field}.path`), absolute: 0, relative: 0, compare: spec.compare };
  }
  return invalid(`${field}.type`, `expected "numeric" or "custom", got ${JSON.stringify((spec as { type: unknown }).type)}`);
}

interface JudgeChoice {
  readonly fallback: JudgeFn | null;
  readonly judges: Readonly<Record<string, JudgeFn>>;
}

/** The rule's judge: `use` names one of options.judges; without it options.judge, else the only one. */
function chooseJudge(spec: { readonly use?: string }, field: string, choice: JudgeChoice): { fn: JudgeFn; id: string | null } {
  const ids = Object.keys(choice.judges);
  const configured = ids.length === 0 ? 'none configured' : `configured: ${ids.join(', ')}`;
  if (spec.use !== undefined) {
    if (typeof spec.use !== 'string' || spec.use === '') invalid(`${field}.use`, `expected a judge id (${configured}), got ${JSON.stringify(spec.use)}`);
    const fn = Object.hasOwn(choice.judges, spec.use) ? choice.judges[spec.use] : undefined;
    if (fn === undefined) invalid(`${field}.use`, `no judge "${spec.use}" (${configured})`);
    return { fn, id: spec.use };
  }
  if (choice.fallback !== null) return { fn: choice.fallback, id: null };
  const [only] = ids;
  if (ids.length === 1 && only !== undefined) return { fn: choice.judges[only] as JudgeFn, id: only };
  if (ids.length > 1) invalid(`${field}.use`, `name the judge of this rule (${configured})`);
  return invalid(field, 'a judge is configured for this route but no judge function was given (options.judge or options.judges)');
}

function compileRule(rule: RouteRule, field: string, judges: JudgeChoice): CompiledRule {
  if (rule === null || typeof rule !== 'object') invalid(field, 'expected a route rule object');
  if (typeof rule.route !== 'string' || !rule.route.startsWith('/'))
    invalid(`${field}.route`, `expected a route template starting with "/", got ${JSON.stringify(rule.route)}`);
  if (rule.method !== undefined && (typeof rule.method !== 'string' || rule.method === '')) invalid(`${field}.method`, 'expected an HTTP method');
  const arrayKeys = (rule.arrayKeys ?? []).map((a, i) => {
    const f = `${field}.arrayKeys[${i}]`;
    if (a === null || typeof a !== 'object' || typeof a.key !== 'string' || a.key === '') invalid(`${f}.key`, 'expected { path, key } with a non-empty key');
    return { path: path(a.path, `${f}.path`), key: a.key };
  });
  if (rule.arrayKeys !== undefined && !Array.isArray(rule.arrayKeys)) invalid(`${field}.arrayKeys`, 'expected an array');
  if (rule.comparators !== undefined && !Array.isArray(rule.comparators)) invalid(`${field}.comparators`, 'expected an array');
  let judgePath: CompiledPath | null = null;
  let judge: { fn: JudgeFn; id: string | null } | null = null;
  if (rule.judge !== undefined) {
    if (rule.judge === null || typeof rule.judge !== 'object') invalid(`${field}.judge`, 'expected { path?: string, use?: string }');
    for (const key of Object.keys(rule.judge)) {
      if (key !== 'path' && key !== 'use') invalid(`${field}.judge.${key}`, 'unknown field (accepted: path, use)');
    }
    judge = chooseJudge(rule.judge, `${field}.judge`, judges);
    judgePath = path(rule.judge.path ?? '$', `${field}.judge.path`);
    if (judgePath.segments.some((s) => s.t === 'any' || s.t === 'descend' || (s.t === 'index' && s.index < 0))) {
      invalid(`${field}.judge.path`, 'the judged path must be definite (keys and non-negative indices, no wildcards)');
    }
  }
  let outcomes: CompiledOutcome[] = [];
  if (rule.outcomes !== undefined) {
    try {
      outcomes = compileOutcomeSpecs(rule.outcomes, `${field}.outcomes`);
    } catch (error) {
      const f = error instanceof CompareError && error.field !== null ? error.field : `${field}.outcomes`;
      throw new CompareError('COMPARE_INVALID_CONFIG', (error as Error).message, { field: f, cause: error });
    }
  }
  return {
    route: normalizePath(rule.route),
    method: rule.method === undefined ? null : rule.method.toUpperCase(),
    ignorePaths: strings(rule.ignorePaths, [], `${field}.ignorePaths`).map((p, i) => path(p, `${field}.ignorePaths[${i}]`)),
    ignoreHeaders: new Set(strings(rule.ignoreHeaders, [], `${field}.ignoreHeaders`).map((h) => h.toLowerCase())),
    arrayKeys,
    comparators: (rule.comparators ?? []).map((c, i) => compileComparator(c, `${field}.comparators[${i}]`)),
    judgePath,
    judgeFn: judge?.fn ?? null,
    judgeId: judge?.id ?? null,
    outcomes,
  };
}

const EMPTY_RULE: CompiledRule = Object.freeze({
  route: '',
  method: null,
  ignorePaths: [],
  ignoreHeaders: new Set<string>(),
  arrayKeys: [],
  comparators: [],
  judgePath: null,
  judgeFn: null,
  judgeId: null,
  outcomes: [],
});

/** Validates and freezes options (throws CompareError COMPARE_INVALID_CONFIG naming the field). */
export function resolveCompareConfig(options: CompareOptions = {}): CompareConfig {
  if (options === null || typeof options !== 'object') invalid('options', 'expected an object');
  const headers = options.headers ?? {};
  const body = options.body ?? {};
  const noise = options.noise ?? {};
  const routes = options.routes ?? {};
  const sideEffects = options.sideEffects ?? {};
  if (options.judge !== undefined && typeof options.judge !== 'function')
    invalid('judge', 'expected an async function (live, candidate, context) => { verdict, score?, reason? }');
  const judges = options.judges ?? {};
  if (judges === null || typeof judges !== 'object' || Array.isArray(judges)) invalid('judges', 'expected a record of judge id -> judge function');
  for (const [id, fn] of Object.entries(judges)) {
    if (typeof fn !== 'function') invalid(`judges.${id}`, 'expected an async function (live, candidate, context) => { verdict, score?, reason? }');
  }
  const judgeChoice: JudgeChoice = { fallback: options.judge ?? null, judges };

  const only = headers.only === undefined || headers.only === null ? null : new Set(strings(headers.only, [], 'headers.only').map((h) => h.toLowerCase()));
  const maxBodyBytes = int(body.maxBodyBytes, 1_048_576, 'body.maxBodyBytes', 0);
  const sniffJson = bool(body.sniffJson, true, 'body.sniffJson');

  let readOperations: RegExp;
  try {
    readOperations = new RegExp(sideEffects.readOperations ?? DEFAULT_READ_OPERATIONS, 'i');
  } catch (error) {
    return invalid('sideEffects.readOperations', `not a valid regular expression: ${(error as Error).message}`);
  }

  // Compiles the patterns once here so a bad one fails at start-up, not on the first request.
  const routePatterns = routes.patterns ?? [];
  if (!Array.isArray(routePatterns)) invalid('routes.patterns', 'expected an array');
  const maxTemplates = int(routes.maxTemplates, 10_000, 'routes.maxTemplates', 1);
  new RouteTemplater({ patterns: routePatterns, maxTemplates });

  const rules = new Map<string, CompiledRule>();
  if (options.rules !== undefined && !Array.isArray(options.rules)) invalid('rules', 'expected an array of route rules');
  (options.rules ?? []).forEach((rule, i) => {
    const compiled = compileRule(rule, `rules[${i}]`, judgeChoice);
    const key = `${compiled.method ?? '*'} ${compiled.route}`;
    if (rules.has(key)) invalid(`rules[${i}]`, `a second rule for ${key}; merge them`);
    rules.set(key, Object.freeze(compiled));
  });

  return Object.freeze({
    ignoredHeaders: new Set(strings(headers.ignore, DEFAULT_IGNORED_HEADERS, 'headers.ignore').map((h) => h.toLowerCase())),
    onlyHeaders: only,
    maxBodyBytes,
    maxDepth: int(body.maxDepth, 64, 'body.maxDepth', 1),
    maxDiffs: int(body.maxDiffs, 500, 'body.maxDiffs', 1),
    maxValueChars: int(body.maxValueChars, 200, 'body.maxValueChars', 8),
    sniffJson,
    bodyOptions: Object.freeze({ maxBodyBytes, sniffJson }),
    noise: Object.freeze({
      relativeThreshold: validateThreshold(noise.relativeThreshold ?? 0.2, 'noise.relativeThreshold'),
      absoluteThreshold: validateThreshold(noise.absoluteThreshold ?? 0.0003, 'noise.absoluteThreshold'),
      maxKeys: int(noise.maxKeys, 100_000, 'noise.maxKeys', 1),
      maxRoutes: int(noise.maxRoutes, 10_000, 'noise.maxRoutes', 1),
    }),
    routePatterns,
    maxTemplates,
    readMethods: new Set(strings(sideEffects.readMethods, DEFAULT_READ_METHODS, 'sideEffects.readMethods').map((m) => m.toUpperCase())),
    readOperations,
    rules,
    judge: options.judge ?? null,
    judgeIds: Object.freeze(Object.keys(judges)),
    judged: [...rules.values()].some((r) => r.judgeFn !== null),
    judgeTimeoutMs: int(options.judgeTimeoutMs, 10_000, 'judgeTimeoutMs', 1),
    emptyRule: EMPTY_RULE,
  });
}

/** The rule for a route and method: a method-specific rule wins over an any-method one. */
export function ruleFor(config: CompareConfig, method: string, route: string): CompiledRule {
  if (config.rules.size === 0) return config.emptyRule;
  return config.rules.get(`${method.toUpperCase()} ${route}`) ?? config.rules.get(`* ${route}`) ?? config.emptyRule;
}
