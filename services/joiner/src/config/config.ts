// Joiner configuration: one schema read by the service shell (@shadow/service-admin): a YAML or
// JSON file (JOINER_CONFIG, or `shadow start joiner --config`), environment variables over it. Each
// line is a setting: its file key is its path (`batch.maxRows`), its variable derived from it
// (`JOINER_BATCH_MAX_ROWS`) unless `.meta({ env })` keeps an established name. A bad value stops the
// process (exit 2) naming every bad field (`JOINER_BATCH_MAX_ROWS (batch.maxRows): ...`). The
// challengers are the block the replayer reads (`challengersFile`), or their ids alone
// (`JOINER_CHALLENGERS=cand,sec`). ClickHouse is configured by the variables @shadow/clickhouse
// reads (CLICKHOUSE_URL, CHDB_PATH, CLICKHOUSE_DATABASE, ...).
import { MAX_RETENTION_DAYS } from '@shadow/clickhouse';
import type { RetentionOptions } from '@shadow/clickhouse';
import { CompareError, resolveCompareConfig } from '@shadow/compare';
import type { CompareOptions, JudgeFn } from '@shadow/compare';
import { resolveJudgeConfig } from '@shadow/judge';
import type { JudgeConfig, ResolvedJudge } from '@shadow/judge';
import { isPlainObject } from '@shadow/options';
import {
  brokersSetting,
  challengerIdsSchema,
  defineConfig,
  loadConfig as load,
  logLevelSetting,
  portSchema,
  registryUrlSetting,
  topicPrefixSetting,
} from '@shadow/service-admin';
import type { ConfigContext, Env, LoadConfigOptions } from '@shadow/service-admin';
import {
  alertsConfigSchema,
  isWatchError,
  rampConfigSchema,
  resolveAlertsConfig,
  resolveRampConfig,
  resolveScraperConfig,
  scraperConfigSchema,
} from '@shadow/watch';
import type { RampConfig, ResolvedAlerts, ScraperConfig } from '@shadow/watch';
import { z } from 'zod';

export { ConfigError } from '@shadow/service-admin';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);
const retentionDays = z.number().int().min(1).max(MAX_RETENTION_DAYS).optional();

export const configSchema = z.strictObject({
  kafka: z.strictObject({ brokers: brokersSetting }),
  schemaRegistry: z.strictObject({ url: registryUrlSetting }),
  topicPrefix: topicPrefixSetting,
  groupId: z.string().min(1).default('shadow-joiner'),
  /** A file holding `challengers:` (the one the replayer reads); instead of `challengers`. */
  challengersFile: z.string().optional(),
  /** The challengers a pair waits for (candidates and secondaries): entries of the block, or their ids. */
  challengers: challengerIdsSchema,
  windowMs: positiveInt.default(30_000),
  sideEffectGraceMs: nonNegativeInt.default(2000),
  maxOpenEntries: positiveInt.default(200_000),
  /**
   * With judges (`compare.judges`): joined exchanges compared at once; as many more wait, then
   * consumption pauses. Keep it at most the judges' maxQueue (1000 by default).
   */
  maxJudgingEntries: positiveInt.default(256),
  batch: z.strictObject({
    maxRows: positiveInt.default(10_000),
    maxBytes: positiveInt.default(16 * 1024 * 1024),
    maxDelayMs: positiveInt.default(1000),
  }),
  sessionTimeoutMs: z.number().int().min(6000).default(30_000),
  retry: z.strictObject({ initialMs: positiveInt.default(200), maxMs: positiveInt.default(5000) }),
  body: z.strictObject({
    sampleRate: z.number().min(0).max(1).default(0.01),
    maxBytes: nonNegativeInt.default(65_536).meta({ env: 'JOINER_MAX_BODY_BYTES' }),
  }),
  admin: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: portSchema.default(9466) }),
  shutdownTimeoutMs: positiveInt.default(30_000),
  labels: z.strictObject({
    /** Land the labels topic in the labels table and serve POST /labels (ground truth for accuracy). */
    enabled: z.boolean().default(true).meta({ env: 'JOINER_LABELS' }),
    /** Consumer group of the labels topic (apart from the pair join's). @default `${groupId}-labels` */
    groupId: z.string().min(1).optional(),
  }),
  /**
   * The read-only SQL endpoint (ClickHouse's HTTP interface) served in embedded mode, so analysts
   * and `shadow report|gate|query` reach the chDB this process owns; port `off` serves none. Ignored
   * in server mode (analysts use the server). Port 0 picks a free port.
   */
  query: z.strictObject({
    port: z.union([z.literal('off'), portSchema], { error: 'must be "off" or a port number (0-65535)' }).default(8123),
    host: z.string().min(1).default('127.0.0.1'),
    /** With query.password, the only credentials the endpoint accepts. @default 'default' */
    user: z.string().min(1).optional(),
    /** Unset: the endpoint takes any credentials (keep it on loopback). */
    password: z.string().min(1).optional().meta({ secret: true }),
  }),
  /**
   * @shadow/compare options (route patterns, per-route ignore rules and business outcomes, noise
   * thresholds, judges, ...); JSON in JOINER_COMPARE. Validated at start-up by compare and judge.
   */
  compare: z.looseObject({}).optional(),
  /**
   * Days the tables keep rows after they LANDED, applied at start-up with the migrations (the
   * `retention` option of @shadow/clickhouse's migrate, as `shadow migrate --retention-days`). Unset
   * keeps the tables' current value: 30 (rows of pairs, pair_diffs, unmatched), 7 (kept bodies),
   * 180 (pair_minutes), 90 (labels) on a new database.
   */
  retention: z.strictObject({
    rowsDays: retentionDays.meta({ env: 'JOINER_RETENTION_DAYS' }),
    bodiesDays: retentionDays.meta({ env: 'JOINER_BODY_RETENTION_DAYS' }),
    aggregatesDays: retentionDays.meta({ env: 'JOINER_AGGREGATE_RETENTION_DAYS' }),
    labelsDays: retentionDays.meta({ env: 'JOINER_LABEL_RETENTION_DAYS' }),
  }),
  /**
   * Watching the run while it goes on (docs/watch.md): `scrape` lands both sides' Prometheus
   * metrics in ClickHouse, `alerts` evaluates rules (log, metrics, webhook, pause), `ramp` grows the
   * sampling rate on the control topic. Each part optional; the schemas are @shadow/watch's.
   */
  watch: z.strictObject({
    scrape: scraperConfigSchema.optional(),
    alerts: alertsConfigSchema.optional(),
    ramp: rampConfigSchema.optional(),
  }),
  logLevel: logLevelSetting,
});

/** The watch section resolved by @shadow/watch (cross-field rules checked, webhook headers read). */
export interface WatchConfig {
  scrape?: ScraperConfig | undefined;
  alerts?: ResolvedAlerts | undefined;
  ramp?: RampConfig | undefined;
}

/**
 * The joiner's floor under every watch interval: each alert evaluation and ramp tick queries the
 * ClickHouse this process also lands pairs in, and each scrape writes to it.
 */
export const MIN_WATCH_INTERVAL_MS = 1000;

export type JoinerConfig = Omit<z.output<typeof configSchema>, 'compare' | 'challengersFile' | 'watch'> & {
  watch: WatchConfig;
  /**
   * Validated @shadow/compare options (absent: compare's defaults), without `judges`;
   * `judgeTimeoutMs` filled in when judges are configured.
   */
  compare?: CompareOptions | undefined;
  /** The judges of `compare.judges`, resolved by @shadow/judge (absent: none). */
  judges?: JudgeConfig | undefined;
};

/** The retention settings as migrate's `retention` option (unset fields left out: they keep the tables' value). */
export function retentionOf(config: JoinerConfig): RetentionOptions {
  return Object.fromEntries(Object.entries(config.retention).filter(([, days]) => days !== undefined)) as RetentionOptions;
}

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
 * `compare` as CompareOptions, or its problems as `[field, message]` (`compare.rules[0].route`).
 * `judges` (a mapping of id -> judge, docs/judge.md) is resolved by @shadow/judge, its problems
 * named `compare.judges.<id>.<field>`, and a rule's `judge.use` must name one of them.
 */
export function parseCompareOptions(
  value: unknown,
  env: Env = process.env,
): { options: CompareOptions; judges: JudgeConfig | undefined } | { problems: [string, string][] } {
  if (!isPlainObject(value)) return { problems: [['compare', 'expected an object of @shadow/compare options']] };
  const { judges: judgesInput, ...rest } = value;
  const problems: [string, string][] = [];
  let judges: JudgeConfig | undefined;
  if (judgesInput !== undefined) {
    const resolved = resolveJudgeConfig(judgesInput, { env, field: 'compare.judges' });
    if ('problems' in resolved) {
      for (const p of resolved.problems) {
        const at = p.indexOf(': ');
        problems.push(at < 0 ? ['compare.judges', p] : [p.slice(0, at), p.slice(at + 2)]);
      }
    } else judges = resolved.config;
  }
  const options = rest as CompareOptions;
  // Ids known even when a judge is invalid (its problems are listed already), so `use` is checked once.
  const ids = isPlainObject(judgesInput) ? Object.keys(judgesInput) : [];
  if (judges !== undefined && Object.keys(judges.judges).length > 0) {
    const minimum = judgeTimeoutFor(judges.judges);
    const set = options.judgeTimeoutMs;
    if (typeof set === 'number' && Number.isInteger(set) && set < minimum) {
      problems.push([
        'compare.judgeTimeoutMs',
        `must be >= ${minimum} (the longest judgement: a judge's deadlineMs plus its audits' + 1 s) or left out, got ${set}`,
      ]);
    }
  }
  try {
    resolveCompareConfig({ ...options, judges: Object.fromEntries(ids.map((id) => [id, UNCALLED])) });
  } catch (err) {
    if (!(err instanceof CompareError)) throw err;
    const field = err.field ?? '(options)';
    const message = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
    problems.push([`compare.${field}`, message]);
  }
  if (problems.length > 0) return { problems };
  const withTimeout =
    judges === undefined || Object.keys(judges.judges).length === 0 || options.judgeTimeoutMs !== undefined
      ? options
      : { ...options, judgeTimeoutMs: judgeTimeoutFor(judges.judges) };
  return { options: withTimeout, judges };
}

/** compare and judge validate `compare` themselves: once per load, read by check (problems) and build (options). */
const parsedCompare = new WeakMap<object, ReturnType<typeof parseCompareOptions>>();

function compareOf(context: ConfigContext): ReturnType<typeof parseCompareOptions> | undefined {
  const value = context.input['compare'];
  if (value === undefined) return undefined;
  let parsed = parsedCompare.get(context.input);
  if (parsed === undefined) {
    parsed = parseCompareOptions(value, context.env);
    parsedCompare.set(context.input, parsed);
  }
  return parsed;
}

/** @shadow/watch's own checks of the watch section (cross-field rules), by full path; and the joiner's. */
function watchProblems(config: z.output<typeof configSchema>, env: Env): string[] {
  const { scrape, alerts, ramp } = config.watch;
  const problems: string[] = [];
  const collect = (resolve: () => unknown): void => {
    try {
      resolve();
    } catch (error) {
      if (!isWatchError(error)) throw error;
      problems.push(...(error.problems.length > 0 ? error.problems : [error.message]));
    }
  };
  if (scrape !== undefined) collect(() => resolveScraperConfig(scrape, 'watch.scrape'));
  if (alerts !== undefined) collect(() => resolveAlertsConfig(alerts, { env, prefix: 'watch.alerts' }));
  if (ramp !== undefined) collect(() => resolveRampConfig(ramp, 'watch.ramp'));
  for (const [part, section] of [
    ['scrape', scrape],
    ['alerts', alerts],
    ['ramp', ramp],
  ] as const) {
    if (section !== undefined && section.intervalMs < MIN_WATCH_INTERVAL_MS)
      problems.push(
        `watch.${part}.intervalMs: must be at least ${MIN_WATCH_INTERVAL_MS} in the joiner (each run reads or writes its ClickHouse), got ${section.intervalMs}`,
      );
  }
  alerts?.challengers.forEach((c, i) => {
    if (!config.challengers.includes(c.id))
      problems.push(`watch.alerts.challengers[${i}].id: ${c.id} is not one of challengers (${config.challengers.join(', ')})`);
  });
  return problems;
}

/** A problem inside `compare`, named as the operator set it: `JOINER_COMPARE (compare.rules[0].route)` or the file's path. */
function compareProblem(context: ConfigContext, field: string, message: string): string {
  const source = context.sourceOf('compare');
  return `${source?.kind === 'env' ? `${source.name} (${field})` : field}: ${message}`;
}

export const joinerConfig = defineConfig({
  name: 'joiner',
  envPrefix: 'JOINER',
  schema: configSchema,
  includes: { challengersFile: 'challengers' },
  check: (config, context) => {
    const problems: string[] = [];
    // A `compare` that is not an object is the schema's to name.
    const compare = isPlainObject(context.input['compare']) ? compareOf(context) : undefined;
    if (compare !== undefined && 'problems' in compare) problems.push(...compare.problems.map(([field, message]) => compareProblem(context, field, message)));
    const { rowsDays: rows, bodiesDays: bodies } = config?.retention ?? {};
    if (bodies !== undefined && rows !== undefined && bodies > rows) {
      problems.push(
        `${context.nameOf(['retention', 'bodiesDays'])}: ${bodies} exceeds ${context.nameOf(['retention', 'rowsDays'])} (${rows}); bodies live in the pair rows and go with them`,
      );
    }
    if (config !== undefined) problems.push(...watchProblems(config, context.env));
    return problems;
  },
  build: (config, context): JoinerConfig => {
    const { compare: _compare, challengersFile: _file, watch: w, ...other } = config;
    // Checked above: these resolve without problems here.
    const watch: WatchConfig = {
      ...(w.scrape === undefined ? {} : { scrape: resolveScraperConfig(w.scrape, 'watch.scrape') }),
      ...(w.alerts === undefined ? {} : { alerts: resolveAlertsConfig(w.alerts, { env: context.env, prefix: 'watch.alerts' }) }),
      ...(w.ramp === undefined ? {} : { ramp: resolveRampConfig(w.ramp, 'watch.ramp') }),
    };
    const rest = { ...other, watch };
    const compare = compareOf(context);
    return compare === undefined || 'problems' in compare ? rest : { ...rest, compare: compare.options, judges: compare.judges };
  },
});

/** Reads JOINER_CONFIG (if set) and `env`, validates; throws ConfigError listing every bad field. */
export function loadConfig(env: Env = process.env, options: Omit<LoadConfigOptions, 'env'> = {}): JoinerConfig {
  return load(joinerConfig, { ...options, env });
}
