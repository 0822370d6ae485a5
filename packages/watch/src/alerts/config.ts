// The alert rules, written by people (YAML/JSON): validated once at start-up with every bad field
// named by full path (`alerts.rules[2].resolveAt: ...`), defaults filled, then frozen.
//
// Every rule compares one number with a threshold in one direction (agreement fires BELOW its
// minimum, everything else ABOVE its maximum) and resolves only once the number is back past
// `resolveAt` (default: the threshold itself). The band between the two is the hysteresis: a value
// wobbling around the threshold fires once and resolves once, not at every evaluation.
import { z } from 'zod';
import { deepFreeze, httpUrl, parseConfig } from '../config/problems.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const RULE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;
/** Set by the webhook client itself: refused in `headers`. */
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

export const RULE_KINDS = ['agreement', 'latency-ratio', 'error-rate', 'resource-ratio', 'memory-growth', 'business', 'live-latency'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const RESOURCES = ['cpu', 'rss', 'heap'] as const;
export type Resource = (typeof RESOURCES)[number];
export const ACTIONS = ['pause'] as const;
export const SEVERITIES = ['warning', 'critical'] as const;

const duration = (max: number) => z.number().int().min(0).max(max);
const quantile = z.number().gt(0).lt(1);
const ratio = z.number().min(0).max(1);

const common = {
  /** Unique, lower case: what the log line, the metric and the webhook call it. */
  name: z.string().regex(RULE_NAME, 'must be a rule name ([a-z0-9][a-z0-9_-]{0,63})'),
  /** @default 'critical' */
  severity: z.enum(SEVERITIES).default('critical'),
  /** The challenger it watches; absent: one instance per candidate. */
  challenger: z.string().regex(NAME, 'must be a challenger id').optional(),
  /** The sliding window this rule reads. @default the top-level windowMs */
  windowMs: duration(30 * 86_400_000)
    .refine((v) => v >= 1000, 'must be at least 1000')
    .optional(),
  /** Fewer than this many pairs (resource rules: paired buckets or points): no decision, the state stays. */
  minSample: z.number().int().min(1).max(100_000_000).optional(),
  /** The breach must last this long before the alert fires. @default 0 */
  forMs: duration(86_400_000).default(0),
  /** The value must stay past resolveAt this long before the alert resolves. @default 0 */
  resolveForMs: duration(86_400_000).default(0),
  /** What else to do when it fires: `pause` mirroring through the kill switch. @default [] */
  actions: z.array(z.enum(ACTIONS)).max(1).default([]),
  /** The kill-switch key `pause` writes: a service, `*`, or `shadow-replayer`. @default the top-level service */
  pauseService: z
    .string()
    .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/, 'must be a service name or "*"')
    .optional(),
};

const agreement = z.strictObject({
  ...common,
  kind: z.literal('agreement'),
  /** Fires when the lower Wilson bound of agreement drops below this. */
  min: ratio,
  resolveAt: ratio.optional(),
  /** @default 0.95 */
  confidence: z.number().gt(0).lt(1).default(0.95),
});

const latencyRatio = z.strictObject({
  ...common,
  kind: z.literal('latency-ratio'),
  /** @default 0.99 */
  quantile: quantile.default(0.99),
  /** Fires when challenger quantile / baseline quantile exceeds this. */
  max: z.number().gt(0).max(1000),
  resolveAt: z.number().gt(0).max(1000).optional(),
});

const errorRate = z.strictObject({
  ...common,
  kind: z.literal('error-rate'),
  /** `challenger`: its error rate; `excess-over-live`: its rate minus live's on the same pairs. @default 'challenger' */
  of: z.enum(['challenger', 'excess-over-live']).default('challenger'),
  max: ratio,
  resolveAt: ratio.optional(),
});

const resourceRatio = z.strictObject({
  ...common,
  kind: z.literal('resource-ratio'),
  resource: z.enum(RESOURCES),
  /** Fires when the ratio (its lower bound with judgeOn bound) exceeds this. */
  max: z.number().gt(0).max(1000),
  resolveAt: z.number().gt(0).max(1000).optional(),
  /** @default 'bound' (the lower bound of the interval: fires only when confidently above) */
  judgeOn: z.enum(['bound', 'estimate']).default('bound'),
  /** Paired bucket width. @default 60000 */
  bucketMs: duration(86_400_000)
    .refine((v) => v >= 1000, 'must be at least 1000')
    .default(60_000),
  /** @default 0.95 */
  confidence: z.number().gt(0).lt(1).default(0.95),
});

const memoryGrowth = z.strictObject({
  ...common,
  kind: z.literal('memory-growth'),
  /** Whose memory: the challenger's (one instance per candidate) or live's. @default 'challenger' */
  side: z.enum(['challenger', 'live']).default('challenger'),
  /** Fires when the lower bound of the RSS slope exceeds this many bytes per hour. */
  maxBytesPerHour: z.number().min(0).max(1e15),
  resolveAt: z.number().min(0).max(1e15).optional(),
  /** @default 0.95 */
  confidence: z.number().gt(0).lt(1).default(0.95),
});

const business = z.strictObject({
  ...common,
  kind: z.literal('business'),
  /** A business metric declared on the routes (compare's outcomes). Numeric: relative mean shift; decision: flip rate; list: 1 - mean Jaccard. */
  metric: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a business metric name'),
  max: z.number().min(0).max(1000),
  resolveAt: z.number().min(0).max(1000).optional(),
});

const liveLatency = z.strictObject({
  ...common,
  kind: z.literal('live-latency'),
  /** @default 0.99 */
  quantile: quantile.default(0.99),
  /** Fires when live's quantile exceeds this, in ms. */
  maxMs: z.number().gt(0).max(3_600_000),
  resolveAt: z.number().gt(0).max(3_600_000).optional(),
  /**
   * `pairs`: live's latency on the paired exchanges (stops with mirroring: a paused rule then cannot
   * resolve by itself); `metric`: a histogram live exposes, scraped by the scraper (keeps going while
   * paused). @default 'pairs'
   */
  source: z.enum(['pairs', 'metric']).default('pairs'),
  /** With source metric: the histogram's name (scraped with this quantile), in seconds as Prometheus names it. */
  metric: z.string().regex(METRIC_NAME, 'must be a Prometheus metric name').optional(),
});

export const ruleSchema = z.discriminatedUnion('kind', [agreement, latencyRatio, errorRate, resourceRatio, memoryGrowth, business, liveLatency]);

const header = z.strictObject({
  /** Environment variable holding the value (secrets go here). */
  env: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
  /** A literal value, for headers that are not secret. */
  value: z.string().max(8192).regex(HEADER_VALUE, 'must not contain CR, LF or NUL').optional(),
});

const webhook = z.strictObject({
  /** Receives a JSON POST per transition (docs/watch.md "Webhook"). */
  url: httpUrl,
  /** One attempt longer than this fails. @default 5000 */
  timeoutMs: z.number().int().min(50).max(120_000).default(5_000),
  /** Attempts after the first on a network error, 429 or 5xx. @default 3 */
  retries: z.number().int().min(0).max(20).default(3),
  /** First pause between attempts, doubled each time. @default 500 */
  backoffMs: z.number().int().min(0).max(60_000).default(500),
  /** @default {} */
  headers: z.record(z.string(), header).default({}),
});

const challenger = z.strictObject({
  id: z.string().regex(NAME, 'must be a challenger id ([A-Za-z0-9][A-Za-z0-9._:-]{0,127})'),
  /** `secondary`: live's own version receiving the same traffic, the baseline for ratios. @default 'candidate' */
  role: z.enum(['candidate', 'secondary']).default('candidate'),
});

export const alertsConfigSchema = z.strictObject({
  /** The watched service: resource series and the default kill-switch key. */
  service: z.string().regex(NAME, 'must be a service name'),
  challengers: z.array(challenger).min(1).max(64),
  /** Time between evaluations. @default 15000 */
  intervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
  /** The sliding window every rule reads unless it sets its own. @default 300000 (5 minutes) */
  windowMs: z
    .number()
    .int()
    .min(1000)
    .max(30 * 86_400_000)
    .default(300_000),
  /** The window ends this long before now: pairs land after the joiner's join window. @default 0 */
  lagMs: z.number().int().min(0).max(3_600_000).default(0),
  webhook: webhook.optional(),
  rules: z.array(ruleSchema).min(1).max(200),
});

export type AlertsConfigInput = z.input<typeof alertsConfigSchema>;
export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type WebhookConfig = z.output<typeof webhook>;

/** Default minimum sample per kind: pairs for pair rules, buckets or points for resource rules. */
export const DEFAULT_MIN_SAMPLE: Readonly<Record<RuleKind, number>> = Object.freeze({
  agreement: 100,
  'latency-ratio': 100,
  'error-rate': 100,
  'resource-ratio': 5,
  'memory-growth': 10,
  business: 100,
  'live-latency': 100,
});

/** Rules whose number is good when high (fires below the threshold). */
export function direction(rule: Rule): 'below' | 'above' {
  return rule.kind === 'agreement' ? 'below' : 'above';
}

/** The threshold of a rule, whatever its kind calls it. */
export function threshold(rule: Rule): number {
  switch (rule.kind) {
    case 'agreement':
      return rule.min;
    case 'memory-growth':
      return rule.maxBytesPerHour;
    case 'live-latency':
      return rule.maxMs;
    default:
      return rule.max;
  }
}

export interface ResolveAlertsOptions {
  /** Where header variables are read. @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Field prefix in problems. @default 'alerts' */
  prefix?: string | undefined;
}

export interface ResolvedAlerts {
  readonly config: AlertsConfig;
  /** Webhook headers with their values read from the environment. */
  readonly webhookHeaders: Readonly<Record<string, string>>;
  /** Not errors: what an operator should know (a latency ratio over live for want of a secondary). */
  readonly warnings: readonly string[];
}

/** Validates and freezes; throws WatchError WATCH_INVALID_CONFIG naming every bad field. */
export function resolveAlertsConfig(input: unknown, options: ResolveAlertsOptions = {}): ResolvedAlerts {
  const prefix = options.prefix ?? 'alerts';
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const webhookHeaders: Record<string, string> = {};
  const config = parseConfig(alertsConfigSchema, input, prefix, 'alert configuration', (c, problems) => {
    const ids = new Map<string, number>();
    c.challengers.forEach((ch, i) => {
      if (ids.has(ch.id)) problems.push(`${prefix}.challengers[${i}].id: ${ch.id} already listed at ${prefix}.challengers[${ids.get(ch.id)}]`);
      ids.set(ch.id, i);
    });
    const secondaries = c.challengers.filter((ch) => ch.role === 'secondary');
    if (secondaries.length > 1) problems.push(`${prefix}.challengers: at most one secondary (the baseline), got ${secondaries.map((s) => s.id).join(', ')}`);
    const candidates = c.challengers.filter((ch) => ch.role === 'candidate');
    if (candidates.length === 0) problems.push(`${prefix}.challengers: no candidate to watch (every challenger is the secondary)`);
    const names = new Map<string, number>();
    c.rules.forEach((rule, i) => {
      const at = `${prefix}.rules[${i}]`;
      if (names.has(rule.name)) problems.push(`${at}.name: ${rule.name} already used by ${prefix}.rules[${names.get(rule.name)}]`);
      names.set(rule.name, i);
      const perChallenger = !(rule.kind === 'live-latency' || (rule.kind === 'memory-growth' && rule.side === 'live'));
      if (rule.challenger !== undefined) {
        if (!perChallenger)
          problems.push(`${at}.challenger: a ${rule.kind} rule${rule.kind === 'memory-growth' ? ' on side live' : ''} watches live, not a challenger`);
        else if (!candidates.some((ch) => ch.id === rule.challenger))
          problems.push(`${at}.challenger: not a candidate of ${prefix}.challengers (candidates: ${candidates.map((ch) => ch.id).join(', ') || 'none'})`);
      }
      const t = threshold(rule);
      if (rule.resolveAt !== undefined) {
        if (direction(rule) === 'below' && rule.resolveAt < t)
          problems.push(`${at}.resolveAt: must be >= the threshold (${t}) for a rule that fires below it, got ${rule.resolveAt}`);
        if (direction(rule) === 'above' && rule.resolveAt > t)
          problems.push(`${at}.resolveAt: must be <= the threshold (${t}) for a rule that fires above it, got ${rule.resolveAt}`);
      }
      if (rule.kind === 'live-latency') {
        if (rule.source === 'metric' && rule.metric === undefined) problems.push(`${at}.metric: required when source is metric`);
        if (rule.source === 'pairs' && rule.metric !== undefined) problems.push(`${at}.metric: only with source metric`);
        if (rule.source === 'pairs' && rule.actions.includes('pause'))
          warnings.push(`${at}: pauses on live's latency measured on pairs; while paused no pairs arrive and it cannot resolve by itself (source metric can)`);
      }
      if ((rule.kind === 'latency-ratio' || rule.kind === 'resource-ratio') && secondaries.length === 0) {
        warnings.push(
          `${at}: no secondary in ${prefix}.challengers; ${rule.kind} compares with live, which also counts the share of traffic the challenger receives`,
        );
      }
      if (rule.pauseService !== undefined && !rule.actions.includes('pause')) problems.push(`${at}.pauseService: only with actions [pause]`);
    });
    if (c.webhook !== undefined) {
      for (const [name, spec] of Object.entries(c.webhook.headers)) {
        const at = `${prefix}.webhook.headers.${name}`;
        if (!HEADER_NAME.test(name)) problems.push(`${at}: must be a header name (RFC 9110 token)`);
        else if (MANAGED_HEADERS.has(name.toLowerCase())) problems.push(`${at}: set by the webhook client, cannot be configured`);
        else if ((spec.env === undefined) === (spec.value === undefined)) problems.push(`${at}: exactly one of env or value`);
        else if (spec.env !== undefined) {
          const v = env[spec.env];
          if (v === undefined || v === '') problems.push(`${at}.env: the variable ${spec.env} is not set`);
          else if (!HEADER_VALUE.test(v)) problems.push(`${at}.env: the value of ${spec.env} contains CR, LF or NUL`);
          else webhookHeaders[name] = v;
        } else webhookHeaders[name] = spec.value as string;
      }
    }
  });
  return deepFreeze({ config, webhookHeaders, warnings });
}
