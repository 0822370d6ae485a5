// Joiner configuration: environment variables, optionally layered over a YAML (or JSON) file named
// by JOINER_CONFIG (env wins). Validated once at start-up; a bad value stops the process with a
// message naming the variable (or file field) and what it accepts. ClickHouse is configured by the
// variables @shadow/clickhouse reads (CLICKHOUSE_URL, CHDB_PATH, CLICKHOUSE_DATABASE, ...).
import { readFileSync } from 'node:fs';
import { MAX_RETENTION_DAYS } from '@shadow/clickhouse';
import type { RetentionOptions } from '@shadow/clickhouse';
import { CompareError, resolveCompareConfig } from '@shadow/compare';
import type { CompareOptions, JudgeFn } from '@shadow/compare';
import { resolveJudgeConfig } from '@shadow/judge';
import type { JudgeConfig, ResolvedJudge } from '@shadow/judge';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const retentionDays = z.coerce.number().int().min(1).max(MAX_RETENTION_DAYS).optional();
const csv = z.string().transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''));
const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'must be an http:// or https:// URL');

/** Each key is the env variable (and the file field) that sets it. */
export const configSchema = z.object({
  KAFKA_BROKERS: csv.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1)),
  SCHEMA_REGISTRY_URL: httpUrl,
  SHADOW_TOPIC_PREFIX: z.string().default(''),
  JOINER_GROUP_ID: z.string().min(1).default('shadow-joiner'),
  /** challengerIds a pair waits for (candidates and secondaries), comma-separated. */
  JOINER_CHALLENGERS: csv.pipe(z.array(z.string().min(1)).min(1, 'list at least one challenger id')),
  JOINER_WINDOW_MS: positiveInt.default(30_000),
  JOINER_SIDE_EFFECT_GRACE_MS: nonNegativeInt.default(2000),
  JOINER_MAX_OPEN_ENTRIES: positiveInt.default(200_000),
  JOINER_BATCH_MAX_ROWS: positiveInt.default(10_000),
  JOINER_BATCH_MAX_BYTES: positiveInt.default(16 * 1024 * 1024),
  JOINER_BATCH_MAX_DELAY_MS: positiveInt.default(1000),
  JOINER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
  JOINER_RETRY_INITIAL_MS: positiveInt.default(200),
  JOINER_RETRY_MAX_MS: positiveInt.default(5000),
  JOINER_BODY_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01),
  JOINER_MAX_BODY_BYTES: nonNegativeInt.default(65_536),
  JOINER_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  JOINER_ADMIN_PORT: port.default(9466),
  JOINER_SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
  /** Land the labels topic in the labels table and serve POST /labels (ground truth for accuracy). */
  JOINER_LABELS: z.enum(['on', 'off', 'true', 'false', '1', '0']).default('on').transform((v) => v === 'on' || v === 'true' || v === '1'),
  /** Consumer group of the labels topic (apart from the pair join's). @default `${JOINER_GROUP_ID}-labels` */
  JOINER_LABELS_GROUP_ID: z.string().min(1).optional(),
  /**
   * Port of the read-only SQL endpoint (ClickHouse's HTTP interface) served in embedded mode, so
   * analysts and `shadow report|gate|query` reach the chDB this process owns; `off` serves none.
   * Ignored in server mode (analysts use the server). 0 picks a free port.
   */
  JOINER_QUERY_PORT: z.union([z.literal('off'), port]).default(8123),
  JOINER_QUERY_HOST: z.string().min(1).default('127.0.0.1'),
  /** With JOINER_QUERY_PASSWORD, the only credentials the endpoint accepts. @default 'default' */
  JOINER_QUERY_USER: z.string().min(1).optional(),
  /** Unset: the endpoint takes any credentials (keep it on loopback). */
  JOINER_QUERY_PASSWORD: z.string().min(1).optional(),
  /**
   * @shadow/compare options as JSON (route patterns, per-route ignore rules and business outcomes,
   * noise thresholds, ...); in the JOINER_CONFIG file also as a `compare:` mapping. Validated at
   * start-up by resolveCompareConfig; a bad field is reported as `compare.<field>`.
   */
  JOINER_COMPARE: z.string().optional(),
  /**
   * With judges (`compare.judges`): joined exchanges compared at once; as many more wait, then
   * consumption pauses. Keep it at most the judges' maxQueue (1000 by default).
   */
  JOINER_MAX_JUDGING_ENTRIES: positiveInt.default(256),
  /**
   * Days the tables keep rows after they LANDED, applied at start-up with the migrations (the
   * `retention` option of @shadow/clickhouse's migrate, as `shadow migrate --retention-days`). Unset
   * keeps the tables' current value: 30 (rows of pairs, pair_diffs, unmatched), 7 (kept bodies),
   * 180 (pair_minutes), 90 (labels) on a new database.
   */
  JOINER_RETENTION_DAYS: retentionDays,
  JOINER_BODY_RETENTION_DAYS: retentionDays,
  JOINER_AGGREGATE_RETENTION_DAYS: retentionDays,
  JOINER_LABEL_RETENTION_DAYS: retentionDays,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The retention settings as migrate's `retention` option (unset fields left out: they keep the tables' value). */
export function retentionOf(config: JoinerConfig): RetentionOptions {
  const { JOINER_RETENTION_DAYS: rows, JOINER_BODY_RETENTION_DAYS: bodies, JOINER_AGGREGATE_RETENTION_DAYS: aggregates, JOINER_LABEL_RETENTION_DAYS: labels } = config;
  return {
    ...(rows === undefined ? {} : { rowsDays: rows }),
    ...(bodies === undefined ? {} : { bodiesDays: bodies }),
    ...(aggregates === undefined ? {} : { aggregatesDays: aggregates }),
    ...(labels === undefined ? {} : { labelsDays: labels }),
  };
}

export type JoinerConfig = Omit<z.infer<typeof configSchema>, 'JOINER_COMPARE'> & {
  /**
   * Parsed and validated @shadow/compare options (absent: compare's defaults), without `judges`;
   * `judgeTimeoutMs` filled in when judges are configured.
   */
  JOINER_COMPARE?: CompareOptions | undefined;
  /** The judges of `compare.judges`, resolved by @shadow/judge (absent: none). */
  JOINER_JUDGES?: JudgeConfig | undefined;
};

/**
 * Longest a judgement can take, as compare must wait for it: the judge's deadline, plus the audits'
 * (they run after the verdict, at once, each with its own deadline), plus 1 s of slack.
 */
export function judgeTimeoutFor(judges: Readonly<Record<string, ResolvedJudge>>): number {
  let longest = 0;
  for (const j of Object.values(judges)) {
    const reference = j.audit.judge === null ? undefined : judges[j.audit.judge];
    const audits = Math.max(j.audit.secondaryRate > 0 ? j.deadlineMs : 0, j.audit.judgeRate > 0 && reference !== undefined ? reference.deadlineMs : 0);
    longest = Math.max(longest, j.deadlineMs + audits);
  }
  return longest + 1000;
}

/** Stands in for the real judges while the rules are validated (only their ids matter there). */
const UNCALLED: JudgeFn = () => Promise.reject(new Error('validation only'));

/**
 * JOINER_COMPARE's JSON as CompareOptions, or the problems naming `compare.<field>`. `judges` (a
 * mapping of id -> judge, docs/judge.md) is resolved by @shadow/judge, its problems named
 * `compare.judges.<id>.<field>`, and a rule's `judge.use` must name one of them.
 */
export function parseCompareOptions(text: string, env: Record<string, string | undefined> = process.env): { options: CompareOptions; judges: JudgeConfig | undefined } | { problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { problems: [`JOINER_COMPARE: not JSON (${(err as Error).message}); expected an object of @shadow/compare options`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problems: [`JOINER_COMPARE: expected an object of @shadow/compare options, got ${JSON.stringify(parsed)}`] };
  }
  const { judges: judgesInput, ...rest } = parsed as Record<string, unknown>;
  const problems: string[] = [];
  let judges: JudgeConfig | undefined;
  if (judgesInput !== undefined) {
    const resolved = resolveJudgeConfig(judgesInput, { env, field: 'compare.judges' });
    if ('problems' in resolved) problems.push(...resolved.problems.map((p) => `JOINER_COMPARE: ${p}`));
    else judges = resolved.config;
  }
  const options = rest as CompareOptions;
  // Ids known even when a judge is invalid (its problems are listed already), so `use` is checked once.
  const ids = judgesInput !== null && typeof judgesInput === 'object' && !Array.isArray(judgesInput) ? Object.keys(judgesInput) : [];
  if (judges !== undefined && Object.keys(judges.judges).length > 0) {
    const minimum = judgeTimeoutFor(judges.judges);
    const set = options.judgeTimeoutMs;
    if (typeof set === 'number' && Number.isInteger(set) && set < minimum) {
      problems.push(`JOINER_COMPARE: compare.judgeTimeoutMs: must be >= ${minimum} (the longest judgement: a judge's deadlineMs plus its audits' + 1 s) or left out, got ${set}`);
    }
  }
  try {
    resolveCompareConfig({ ...options, judges: Object.fromEntries(ids.map((id) => [id, UNCALLED])) });
  } catch (err) {
    if (!(err instanceof CompareError)) throw err;
    const field = err.field ?? '(options)';
    const message = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
    problems.push(`JOINER_COMPARE: compare.${field}: ${message}`);
  }
  if (problems.length > 0) return { problems };
  const withTimeout = judges === undefined || Object.keys(judges.judges).length === 0 || options.judgeTimeoutMs !== undefined
    ? options
    : { ...options, judgeTimeoutMs: judgeTimeoutFor(judges.judges) };
  return { options: withTimeout, judges };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'JOINER_INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid joiner configuration:\n  ${problems.join('\n  ')}`);
  }
}

function fileValues(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`JOINER_CONFIG: cannot read ${path} as YAML/JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`JOINER_CONFIG: ${path} must hold a mapping of field -> value`]);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Reads and validates the configuration; throws ConfigError listing every bad field. */
export function loadConfig(env: Record<string, string | undefined> = process.env): JoinerConfig {
  const known = new Set(Object.keys(configSchema.shape));
  const file = env.JOINER_CONFIG;
  const fromFile = file !== undefined && file !== '' ? fileValues(file) : {};
  // `compare:` in the file is the same as JOINER_COMPARE (an object there, JSON in the environment).
  if (fromFile['compare'] !== undefined && fromFile['JOINER_COMPARE'] === undefined) {
    fromFile['JOINER_COMPARE'] = fromFile['compare'];
    delete fromFile['compare'];
  }
  const unknownInFile = Object.keys(fromFile).filter((k) => !known.has(k));
  const merged: Record<string, string> = { ...fromFile };
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const result = configSchema.safeParse(merged);
  const problems = unknownInFile.map((k) => `${k}: unknown field in ${file} (accepted: ${[...known].join(', ')})`);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.length > 0 ? String(issue.path[0]) : '(config)';
      const got = merged[field];
      problems.push(`${field}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${JSON.stringify(got)}`}`);
    }
  }
  let compare: CompareOptions | undefined;
  let judges: JudgeConfig | undefined;
  const compareText = result.success ? result.data.JOINER_COMPARE : undefined;
  if (compareText !== undefined) {
    const parsed = parseCompareOptions(compareText, env);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else {
      compare = parsed.options;
      judges = parsed.judges;
    }
  }
  const bodies = result.success ? result.data.JOINER_BODY_RETENTION_DAYS : undefined;
  const rows = result.success ? result.data.JOINER_RETENTION_DAYS : undefined;
  if (bodies !== undefined && rows !== undefined && bodies > rows) {
    problems.push(`JOINER_BODY_RETENTION_DAYS: ${bodies} exceeds JOINER_RETENTION_DAYS (${rows}); bodies live in the pair rows and go with them`);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return Object.freeze({ ...result.data, JOINER_COMPARE: compare, JOINER_JUDGES: judges });
}
