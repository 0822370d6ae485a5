// Configuration of the judges: a `judges:` mapping of id -> judge, written by people (YAML/JSON in
// the joiner's compare config). resolveJudgeConfig validates it all once at start-up and returns
// every problem at once, each naming its field by full path (`judges.summary.retries.max: ...`),
// resolves header secrets from environment variables (the config names the variable, never holds
// the secret; a variable that is not set is a problem), and freezes the result.

import { createHash } from 'node:crypto';
import { describeJson, fieldPath, valueAt } from '@shadow/options';
import { z } from 'zod';
import { JudgeError } from '../errors.js';
import { jsonText } from '../json/json-text.js';
import { PLACEHOLDERS, DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_PROMPT, placeholdersIn } from '../protocol/prompt.js';

export const JUDGE_TYPES = ['http', 'openai-chat'] as const;
export type JudgeType = (typeof JUDGE_TYPES)[number];

export const RESPONSE_FORMATS = ['json_object', 'json_schema', 'none'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

const JUDGE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 9110 token: what a header name may be.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Header values are sent as is: CR, LF and NUL would split or end the header.
const HEADER_VALUE = /^[^\r\n\0]*$/;
/** Set by the judge client itself (or by the HTTP layer): refused in `headers`. */
const MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'expect',
  'trailer',
]);
/** Names that carry secrets: a literal `value` is refused for them (use `env`). */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|key|token|secret|passw|auth/i;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);
const rate = z.number().min(0).max(1);

const httpUrl = z.string().refine((v) => {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && u.hash === '';
}, 'must be an http:// or https:// URL without credentials or fragment');

const headerSpec = z.strictObject({
  /** Environment variable holding the value (secrets go here). */
  env: z.string().regex(ENV_NAME, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)').optional(),
  /** Put before the variable's value, e.g. `Bearer `. @default '' */
  prefix: z.string().max(64).regex(HEADER_VALUE, 'must not contain CR, LF or NUL').optional(),
  /** A literal value, for headers that are not secret. */
  value: z.string().max(8192).regex(HEADER_VALUE, 'must not contain CR, LF or NUL').optional(),
});

// Header names are checked on the raw input (checkHeaderNames), so their problems show even when
// another field of the judge is wrong too.
const headers = z.record(z.string(), headerSpec);

const common = {
  /** Bump to invalidate cached verdicts when the judge behind the URL changed (new model, new rubric). @default '' */
  version: z.string().max(128).default(''),
  /** One HTTP attempt longer than this is abandoned (verdict `error`, reason `timeout: ...`); not retried. @default 30000 */
  timeoutMs: positiveInt.max(600_000).default(30_000),
  /** One judgement (queue waits, retries and backoff included) longer than this is `error`, reason `deadline: ...`. @default 120000 */
  deadlineMs: positiveInt.max(3_600_000).default(120_000),
  /** HTTP requests in flight at once, per judge. @default 4 */
  concurrency: positiveInt.max(256).default(4),
  /** Requests per second (token bucket; retries included). @default unlimited */
  ratePerSecond: z.number().positive().max(100_000).optional(),
  /** Token bucket size. @default max(1, ceil(ratePerSecond / 10)) */
  burst: positiveInt.max(100_000).optional(),
  /** Judgements waiting for a slot; more are `not_run`, reason `overloaded`. @default 1000 */
  maxQueue: nonNegativeInt.max(1_000_000).default(1000),
  retries: z
    .strictObject({
      /** Retries after the first attempt, on 408/429/500/502/503/504 and network errors. @default 3 */
      max: nonNegativeInt.max(10).default(3),
      /** Backoff before retry n: random in [0, min(maxDelayMs, initialDelayMs * 2^n)] (full jitter); Retry-After wins. @default 500 */
      initialDelayMs: positiveInt.max(60_000).default(500),
      /** @default 30000 */
      maxDelayMs: positiveInt.max(600_000).default(30_000),
    })
    .default({ max: 3, initialDelayMs: 500, maxDelayMs: 30_000 }),
  budget: z
    .strictObject({
      /** HTTP calls per UTC day (retries count); then `not_run`, reason `budget`. @default unlimited */
      callsPerDay: positiveInt.optional(),
      /** Tokens per UTC day, as the server reports them in `usage`; then `not_run`, reason `budget`. @default unlimited */
      tokensPerDay: positiveInt.optional(),
    })
    .default({}),
  cache: z
    .strictObject({
      /** Verdicts kept (LRU); 0 turns the cache off (identical concurrent requests are still coalesced). @default 10000 */
      maxEntries: nonNegativeInt.max(10_000_000).default(10_000),
      /** A cached verdict older than this is judged again; 0 = no expiry. @default 86400000 (one day) */
      ttlMs: nonNegativeInt.default(86_400_000),
    })
    .default({ maxEntries: 10_000, ttlMs: 86_400_000 }),
  /** Fraction of pairs judged, decided by a hash of the exchange id (a re-delivery decides the same way). @default 1 */
  sampleRate: rate.default(1),
  audit: z
    .strictObject({
      /** Fraction of judged pairs whose secondary (a second copy of live) is also judged against live: it should be `equal`. @default 0 */
      secondaryRate: rate.default(0),
      /** Id of a reference judge run on the same pair, on a sample. */
      judge: z.string().regex(JUDGE_ID, 'must be a judge id').optional(),
      /** Fraction of judged pairs the reference judge also judges. @default 0 */
      judgeRate: rate.default(0),
    })
    .default({ secondaryRate: 0, judgeRate: 0 }),
  /** A judge answer larger than this is `error` (bad_answer). @default 1048576 */
  maxResponseBytes: positiveInt.max(64 * 1024 * 1024).default(1_048_576),
  /** Extra request headers: `{ env: VAR, prefix? }` (secrets) or `{ value }` (not secret). @default {} */
  headers: headers.default({}),
};

export const httpJudgeSchema = z.strictObject({
  type: z.literal('http'),
  /** POST target: receives `{exchangeId, method, route, path, live, candidate, secondary?}`. */
  url: httpUrl,
  /** A request body larger than this is not sent (`not_run`, reason `too_large`). @default 1048576 */
  maxRequestBytes: positiveInt.max(64 * 1024 * 1024).default(1_048_576),
  ...common,
});

export const openAiChatJudgeSchema = z.strictObject({
  type: z.literal('openai-chat'),
  /** Up to and including the API version: `http://127.0.0.1:8080/v1`; the judge POSTs to `<baseUrl>/chat/completions`. */
  baseUrl: httpUrl,
  model: z.string().min(1).max(256),
  /** Environment variable with the API key, sent as `Authorization: Bearer <key>`. @default none */
  apiKeyEnv: z.string().regex(ENV_NAME, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)').optional(),
  /** System message (placeholders allowed). @default DEFAULT_SYSTEM_PROMPT */
  system: z.string().max(100_000).default(DEFAULT_SYSTEM_PROMPT),
  /** User message template: {{live}}, {{candidate}}, {{method}}, {{route}}, {{path}}. @default DEFAULT_USER_PROMPT */
  prompt: z.string().min(1).max(100_000).default(DEFAULT_USER_PROMPT),
  /** `json_object`, `json_schema` (the verdict schema, strict) or `none` (the prompt alone asks for JSON). @default json_object */
  responseFormat: z.enum(RESPONSE_FORMATS).default('json_object'),
  /** @default 0 */
  temperature: z.number().min(0).max(2).default(0),
  /** `max_tokens` of the request: an answer cut there is `error`. @default 512 */
  maxTokens: positiveInt.max(1_000_000).default(512),
  /** `seed` of the request, for servers that honour it. @default none */
  seed: z.number().int().optional(),
  /** A side whose JSON text is longer than this is not sent (`not_run`, reason `too_large`). @default 16000 */
  maxValueChars: positiveInt.max(10_000_000).default(16_000),
  ...common,
});

/** One judge, as written in the `judges:` mapping. */
export const judgeSchema = z.discriminatedUnion('type', [httpJudgeSchema, openAiChatJudgeSchema]);

/** The whole `judges:` mapping: judge id -> judge. */
export const judgesSchema = z.record(z.string().regex(JUDGE_ID, 'must be a judge id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})'), judgeSchema);

export type HttpJudgeOptions = z.input<typeof httpJudgeSchema>;
export type OpenAiChatJudgeOptions = z.input<typeof openAiChatJudgeSchema>;
export type JudgeOptions = z.input<typeof judgeSchema>;
export type JudgesOptions = z.input<typeof judgesSchema>;

interface ResolvedCommon {
  readonly id: string;
  /** Hash of the judge's configuration (env variable names, not their values) and `version`: part of every cache key. */
  readonly configVersion: string;
  readonly version: string;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly concurrency: number;
  readonly ratePerSecond: number | null;
  readonly burst: number | null;
  readonly maxQueue: number;
  readonly retries: { readonly max: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly budget: { readonly callsPerDay: number | null; readonly tokensPerDay: number | null };
  readonly cache: { readonly maxEntries: number; readonly ttlMs: number };
  readonly sampleRate: number;
  readonly audit: { readonly secondaryRate: number; readonly judge: string | null; readonly judgeRate: number };
  readonly maxResponseBytes: number;
  /** Resolved header values (secrets included): never logged, not part of configVersion. */
  readonly headers: Readonly<Record<string, string>>;
  /** The URL the judge POSTs to. */
  readonly url: string;
}

export interface ResolvedHttpJudge extends ResolvedCommon {
  readonly type: 'http';
  readonly maxRequestBytes: number;
}

export interface ResolvedOpenAiChatJudge extends ResolvedCommon {
  readonly type: 'openai-chat';
  readonly baseUrl: string;
  readonly model: string;
  readonly system: string;
  readonly prompt: string;
  readonly responseFormat: ResponseFormat;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly seed: number | null;
  readonly maxValueChars: number;
}

export type ResolvedJudge = ResolvedHttpJudge | ResolvedOpenAiChatJudge;

/** The validated, frozen judges, by id. Make it once with resolveJudgeConfig. */
export interface JudgeConfig {
  readonly judges: Readonly<Record<string, ResolvedJudge>>;
}

export interface ResolveJudgeConfigOptions {
  /** Where header and API-key variables are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Field prefix in problems, e.g. `compare.judges`. @default 'judges' */
  readonly field?: string;
}

const fieldOf = (prefix: string, path: readonly PropertyKey[]): string => fieldPath(prefix, path, '(judges)');

/** Zod issues as `field: message, got <value>` lines; unknown keys one line each, with the accepted ones. */
function issueLines(
  issues: readonly z.core.$ZodIssue[],
  prefix: string,
  root: unknown,
  accepted: (path: readonly PropertyKey[]) => readonly string[],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = accepted(issue.path);
      for (const key of issue.keys)
        lines.push(`${fieldOf(prefix, [...issue.path, key])}: unknown field${known.length > 0 ? ` (accepted: ${known.join(', ')})` : ''}`);
      continue;
    }
    if (issue.code === 'invalid_key') {
      lines.push(`${fieldOf(prefix, issue.path)}: ${issue.issues[0]?.message ?? issue.message}`);
      continue;
    }
    const got = valueAt(root, issue.path);
    lines.push(`${fieldOf(prefix, issue.path)}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${describeJson(got)}`}`);
  }
  return lines;
}

function acceptedKeys(spec: unknown, path: readonly PropertyKey[]): readonly string[] {
  const type = (spec as { type?: unknown } | null)?.type;
  const schema = type === 'openai-chat' ? openAiChatJudgeSchema : httpJudgeSchema;
  let shape: z.ZodType = schema;
  for (const p of path) {
    const unwrapped = unwrap(shape);
    if (!(unwrapped instanceof z.ZodObject)) return [];
    const next = (unwrapped.shape as Record<string, z.ZodType>)[String(p)];
    if (next === undefined) return [];
    shape = next;
  }
  const last = unwrap(shape);
  return last instanceof z.ZodObject ? Object.keys(last.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

type ParsedJudge = z.output<typeof judgeSchema>;

/** Header rules that need the name (managed, secret) or both fields of a spec, and the variables; on the raw input. */
function checkHeaderNames(raw: unknown, apiKeyEnv: unknown, field: string, envVars: Readonly<Record<string, string | undefined>>, problems: string[]): void {
  if (typeof apiKeyEnv === 'string' && ENV_NAME.test(apiKeyEnv)) envValue(envVars, apiKeyEnv, `${field}.apiKeyEnv`, problems);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  for (const [rawName, spec] of Object.entries(raw)) {
    const name = rawName.toLowerCase();
    const f = `${field}.headers.${rawName}`;
    if (!HEADER_NAME.test(rawName)) {
      problems.push(`${f}: must be a header name (RFC 9110 token)`);
      continue;
    }
    if (MANAGED_HEADERS.has(name)) {
      problems.push(`${f}: set by the judge client, cannot be configured`);
      continue;
    }
    if (name === 'authorization' && apiKeyEnv !== undefined) {
      problems.push(`${f}: apiKeyEnv already sets Authorization; keep one`);
      continue;
    }
    if (spec === null || typeof spec !== 'object') continue;
    const { env, value, prefix } = spec as { env?: unknown; value?: unknown; prefix?: unknown };
    if ((env === undefined) === (value === undefined)) {
      problems.push(`${f}: expected exactly one of { env: VARIABLE, prefix? } or { value }`);
      continue;
    }
    if (value !== undefined && prefix !== undefined) problems.push(`${f}.prefix: only with env`);
    if (value !== undefined && SECRET_HEADER.test(name))
      problems.push(`${f}.value: ${rawName} carries a secret; name an environment variable instead ({ env: VARIABLE })`);
    if (typeof env === 'string' && ENV_NAME.test(env)) envValue(envVars, env, `${f}.env`, problems);
  }
}

function resolveHeaders(parsed: ParsedJudge, field: string, env: Readonly<Record<string, string | undefined>>, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, spec] of Object.entries(parsed.headers)) {
    if (spec.value !== undefined) out[rawName.toLowerCase()] = spec.value;
    else if (spec.env !== undefined) {
      const secret = envValue(env, spec.env, `${field}.headers.${rawName}.env`, problems);
      if (secret !== null) out[rawName.toLowerCase()] = `${spec.prefix ?? ''}${secret}`;
    }
  }
  if (parsed.type === 'openai-chat' && parsed.apiKeyEnv !== undefined) {
    const key = envValue(env, parsed.apiKeyEnv, `${field}.apiKeyEnv`, problems);
    if (key !== null) out['authorization'] = `Bearer ${key}`;
  }
  return out;
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string, field: string, problems: string[]): string | null {
  const value = env[name];
  if (value === undefined || value === '') {
    problems.push(`${field}: environment variable ${name} is not set`);
    return null;
  }
  if (!HEADER_VALUE.test(value)) {
    // The value itself is never printed: it is a secret.
    problems.push(`${field}: environment variable ${name} contains CR, LF or NUL`);
    return null;
  }
  return value;
}

/** Placeholders of an openai-chat judge's templates, on the raw input (defaults when absent). */
function checkTemplates(raw: Record<string, unknown>, field: string, problems: string[]): void {
  if (raw['type'] !== 'openai-chat') return;
  const system = raw['system'] === undefined ? DEFAULT_SYSTEM_PROMPT : raw['system'];
  const prompt = raw['prompt'] === undefined ? DEFAULT_USER_PROMPT : raw['prompt'];
  if (typeof system !== 'string' || typeof prompt !== 'string') return;
  const seen = new Set<string>();
  for (const [name, text] of [
    ['system', system],
    ['prompt', prompt],
  ] as const) {
    for (const p of placeholdersIn(text)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(p))
        problems.push(`${field}.${name}: unknown placeholder {{${p}}} (accepted: ${PLACEHOLDERS.map((x) => `{{${x}}}`).join(', ')})`);
      seen.add(p);
    }
  }
  for (const required of ['live', 'candidate']) {
    if (!seen.has(required)) problems.push(`${field}.prompt: the template must contain {{${required}}} (in prompt or system)`);
  }
}

function configVersionOf(parsed: ParsedJudge): string {
  // Env variable names are in `parsed`; their values (secrets) are not.
  return createHash('sha256').update(jsonText(parsed, true)).digest('hex').slice(0, 16);
}

function resolveOne(id: string, parsed: ParsedJudge, field: string, env: Readonly<Record<string, string | undefined>>, problems: string[]): ResolvedJudge {
  if (parsed.deadlineMs < parsed.timeoutMs) problems.push(`${field}.deadlineMs: must be >= timeoutMs (${parsed.timeoutMs}), got ${parsed.deadlineMs}`);
  if (parsed.retries.maxDelayMs < parsed.retries.initialDelayMs)
    problems.push(`${field}.retries.maxDelayMs: must be >= retries.initialDelayMs (${parsed.retries.initialDelayMs}), got ${parsed.retries.maxDelayMs}`);
  if (parsed.burst !== undefined && parsed.ratePerSecond === undefined) problems.push(`${field}.burst: only with ratePerSecond`);
  if (parsed.audit.judgeRate > 0 && parsed.audit.judge === undefined)
    problems.push(`${field}.audit.judge: required when audit.judgeRate > 0 (the reference judge's id)`);
  if (parsed.audit.judge === id) problems.push(`${field}.audit.judge: a judge cannot audit itself; name another judge`);
  // Missing or bad variables were reported by checkHeaderNames on the raw input.
  const resolvedHeaders = resolveHeaders(parsed, field, env, []);
  const base = {
    id,
    configVersion: configVersionOf(parsed),
    version: parsed.version,
    timeoutMs: parsed.timeoutMs,
    deadlineMs: parsed.deadlineMs,
    concurrency: parsed.concurrency,
    ratePerSecond: parsed.ratePerSecond ?? null,
    burst: parsed.burst ?? null,
    maxQueue: parsed.maxQueue,
    retries: Object.freeze({ ...parsed.retries }),
    budget: Object.freeze({ callsPerDay: parsed.budget.callsPerDay ?? null, tokensPerDay: parsed.budget.tokensPerDay ?? null }),
    cache: Object.freeze({ ...parsed.cache }),
    sampleRate: parsed.sampleRate,
    audit: Object.freeze({ secondaryRate: parsed.audit.secondaryRate, judge: parsed.audit.judge ?? null, judgeRate: parsed.audit.judgeRate }),
    maxResponseBytes: parsed.maxResponseBytes,
    headers: Object.freeze(resolvedHeaders),
  };
  if (parsed.type === 'http') {
    return Object.freeze({ ...base, type: 'http', url: parsed.url, maxRequestBytes: parsed.maxRequestBytes });
  }
  const baseUrl = parsed.baseUrl.replace(/\/+$/, '');
  return Object.freeze({
    ...base,
    type: 'openai-chat',
    url: `${baseUrl}/chat/completions`,
    baseUrl,
    model: parsed.model,
    system: parsed.system,
    prompt: parsed.prompt,
    responseFormat: parsed.responseFormat,
    temperature: parsed.temperature,
    maxTokens: parsed.maxTokens,
    seed: parsed.seed ?? null,
    maxValueChars: parsed.maxValueChars,
  });
}

/**
 * Validates the `judges:` mapping. Returns the frozen config, or every problem found, each naming
 * its field by full path (`judges.summary.timeoutMs: ...`), as the joiner's config loader expects.
 */
export function resolveJudgeConfig(input: unknown, options: ResolveJudgeConfigOptions = {}): { config: JudgeConfig } | { problems: string[] } {
  const prefix = options.field ?? 'judges';
  const env = options.env ?? process.env;
  if (input === undefined || input === null) return { config: Object.freeze({ judges: Object.freeze({}) }) };
  if (typeof input !== 'object' || Array.isArray(input))
    return { problems: [`${fieldOf(prefix, [])}: expected a mapping of judge id -> judge, got ${describeJson(input)}`] };
  const problems: string[] = [];
  const judges: Record<string, ResolvedJudge> = {};
  // Each judge on its own, so one bad judge does not hide the problems of another.
  for (const [id, spec] of Object.entries(input)) {
    const field = fieldOf(prefix, [id]);
    if (!JUDGE_ID.test(id)) {
      problems.push(`${field}: the judge id must match [A-Za-z0-9][A-Za-z0-9_-]{0,63}`);
      continue;
    }
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const raw = spec as Record<string, unknown>;
      checkHeaderNames(raw['headers'], raw['apiKeyEnv'], field, env, problems);
      checkTemplates(raw, field, problems);
    }
    const result = judgeSchema.safeParse(spec);
    if (!result.success) {
      problems.push(...issueLines(result.error.issues, field, spec, (path) => acceptedKeys(spec, path)));
      continue;
    }
    judges[id] = resolveOne(id, result.data, field, env, problems);
  }
  for (const [id, judge] of Object.entries(judges)) {
    const ref = judge.audit.judge;
    // A reference that is configured but invalid has its own problems listed already.
    if (ref !== null && ref !== id && !Object.hasOwn(input, ref)) {
      problems.push(`${fieldOf(prefix, [id])}.audit.judge: no judge "${ref}" (configured: ${Object.keys(input).join(', ')})`);
    }
  }
  if (problems.length > 0) return { problems };
  return { config: Object.freeze({ judges: Object.freeze(judges) }) };
}

/** resolveJudgeConfig that throws a JudgeError (JUDGE_INVALID_CONFIG) listing every problem. */
export function resolveJudgeConfigOrThrow(input: unknown, options: ResolveJudgeConfigOptions = {}): JudgeConfig {
  const result = resolveJudgeConfig(input, options);
  if ('problems' in result) {
    throw new JudgeError('JUDGE_INVALID_CONFIG', `invalid judge configuration:\n  ${result.problems.join('\n  ')}`, { problems: result.problems });
  }
  return result.config;
}
