// The alert loop: every intervalMs, read the sliding window of each rule (pairs through the
// analysis layer's PairStore, resources through the resource reader), judge every rule instance
// (a rule times each candidate it watches), step its hysteresis state, and on a transition: an
// error-level log line, the hooks (a service turns them into metrics), the webhook, and for a rule
// with `actions: [pause]` that fired, the injected kill switch.
//
// Reads are made once per evaluation and shared: one measurement per (challenger, window) whatever
// the number of pair rules on it. A read that fails makes the rules that needed it `insufficient`
// for that evaluation (no transition), logged once per evaluation; it is not thrown.
// Webhook calls go through one queue, so a receiver sees `firing` before `resolved` of the same
// alert, and a slow receiver never delays the next evaluation. A pause that failed is tried again
// at each evaluation while the alert still fires.
import type { Dispatcher } from 'undici';
import type { Measurements, MeasurementQuery } from '@shadow/analysis';
import { errorMessage, WatchError } from '../errors.js';
import type { WatchLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { SeriesQuery, TargetSeries } from '../store/clickhouse-samples.js';
import { resolveAlertsConfig, type AlertsConfig, type AlertsConfigInput, type ResolvedAlerts, type Rule } from './config.js';
import { INITIAL_STATE, isFiring, stepAlert, type AlertState } from './hysteresis.js';
import { judgeRule, type RuleJudgement, type RuleInputs } from './judge.js';
import { postWebhook, type WebhookOutcome } from './webhook.js';

/** What the evaluator reads; clickHouseWatchSources builds it over one ClickHouse. */
export interface WatchSources {
  /** The analysis layer's measurements (PairStore.measurements). */
  measurements(query: MeasurementQuery): Promise<Measurements>;
  /** Scraped resource series (ResourceReader.series). */
  series(query: SeriesQuery): Promise<TargetSeries[]>;
}

/** The JSON body of the webhook (docs/watch.md "Webhook"), also what onTransition receives. */
export interface AlertEvent {
  readonly version: 1;
  readonly source: 'shadow-watch';
  readonly state: 'firing' | 'resolved';
  readonly alert: string;
  readonly kind: Rule['kind'];
  readonly severity: Rule['severity'];
  readonly service: string;
  /** null for rules on live (live-latency, memory-growth of live). */
  readonly challengerId: string | null;
  readonly value: number | null;
  readonly threshold: number;
  readonly resolveAt: number;
  readonly direction: 'above' | 'below';
  readonly sample: number;
  readonly window: { readonly from: string; readonly to: string };
  /** When the alert fired (for `resolved`, the firing it ends). */
  readonly firedAt: string;
  readonly at: string;
  readonly summary: string;
  readonly actions: readonly string[];
  readonly warnings: readonly string[];
}

/** One rule instance judged at one evaluation. */
export interface RuleEvaluation extends RuleJudgement {
  readonly rule: string;
  readonly kind: Rule['kind'];
  readonly challengerId: string | null;
  readonly atMs: number;
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly state: AlertState;
  readonly transition: 'fired' | 'resolved' | null;
}

/** Stops mirroring: the kill switch (`@shadow/watch/kill-switch` writes the control topic). */
export type PauseAction = (request: { service: string; reason: string; event: AlertEvent }) => Promise<void>;

export interface AlertHooks {
  /** Each fire and resolve (a service counts them and sets a firing gauge). */
  onTransition?(event: AlertEvent): void;
  onEvaluation?(evaluation: RuleEvaluation): void;
  onWebhook?(event: AlertEvent, outcome: WebhookOutcome): void;
  onPause?(event: AlertEvent, outcome: { ok: boolean; service: string; error?: string }): void;
}

export interface AlertEvaluatorOptions {
  /** Rules and the rest: validated here (resolveAlertsConfig) unless already resolved. */
  config: AlertsConfigInput | ResolvedAlerts;
  sources: WatchSources;
  /** Required when a rule has `actions: [pause]`. */
  pause?: PauseAction | undefined;
  logger?: WatchLogger | undefined;
  hooks?: AlertHooks | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
  /** undici dispatcher for the webhook. */
  dispatcher?: Dispatcher | undefined;
}

export interface AlertInstanceState {
  readonly rule: string;
  readonly challengerId: string | null;
  readonly state: AlertState;
  readonly last: RuleEvaluation | null;
}

export interface AlertEvaluator {
  readonly config: AlertsConfig;
  readonly warnings: readonly string[];
  /** Reads, judges and steps every rule instance now; resolves once the transitions were logged and queued. */
  evaluateOnce(): Promise<RuleEvaluation[]>;
  /** Evaluates now and then every intervalMs until close(). */
  start(): void;
  /** Fire transitions so far (monotonic): what the ramp watches for a new firing. */
  readonly firedCount: number;
  /** Whether an alert fires (on `challengerId`, or on live, when given; any, when not). */
  anyFiring(challengerId?: string | null): boolean;
  states(): AlertInstanceState[];
  /** Resolves once every queued webhook call finished. */
  drained(): Promise<void>;
  /** Stops the loop, waits for an evaluation under way and for the webhook queue (retries cut short). */
  close(): Promise<void>;
}

interface Instance {
  readonly rule: Rule;
  readonly index: number;
  readonly challengerId: string | null;
  state: AlertState;
  last: RuleEvaluation | null;
  /** The pause of the current firing has not gone through yet. */
  pausePending: AlertEvent | null;
}

const RESOURCE_METRICS = {
  cpu: { metric: 'process_cpu_seconds_total', kind: 'rate' },
  rss: { metric: 'process_resident_memory_bytes', kind: 'value' },
  heap: { metric: 'nodejs_heap_size_used_bytes', kind: 'value' },
} as const;

function isPerChallenger(rule: Rule): boolean {
  return !(rule.kind === 'live-latency' || (rule.kind === 'memory-growth' && rule.side === 'live'));
}

export function createAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const resolved: ResolvedAlerts = 'webhookHeaders' in options.config ? (options.config as ResolvedAlerts) : resolveAlertsConfig(options.config);
  const { config, webhookHeaders } = resolved;
  const logger = options.logger ?? silentLogger;
  const hooks = options.hooks ?? {};
  const now = options.now ?? Date.now;
  const problems = config.rules.flatMap((r, i) =>
    r.actions.includes('pause') && options.pause === undefined
      ? [`alerts.rules[${i}].actions: pause needs a kill switch (the evaluator's pause option); none given`]
      : [],
  );
  if (problems.length > 0) throw new WatchError('WATCH_INVALID_CONFIG', `invalid alert configuration:\n  ${problems.join('\n  ')}`, { problems });
  for (const w of resolved.warnings) logger.warn({ warning: w }, 'alert configuration');

  const candidates = config.challengers.filter((c) => c.role === 'candidate').map((c) => c.id);
  const secondary = config.challengers.find((c) => c.role === 'secondary')?.id ?? null;
  const instances: Instance[] = config.rules.flatMap((rule, index) =>
    (isPerChallenger(rule) ? (rule.challenger === undefined ? candidates : [rule.challenger]) : [null]).map((challengerId) => ({
      rule,
      index,
      challengerId,
      state: INITIAL_STATE,
      last: null,
      pausePending: null,
    })),
  );
  const businessMetrics = [...new Set(config.rules.flatMap((r) => (r.kind === 'business' ? [r.metric] : [])))].sort();
  const latencyQuantiles = [...new Set(config.rules.flatMap((r) => (r.kind === 'latency-ratio' || r.kind === 'live-latency' ? [r.quantile] : [])))].sort(
    (a, b) => a - b,
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<RuleEvaluation[]> | undefined;
  let started = false;
  let closed = false;
  let firedCount = 0;
  let delivery: Promise<void> = Promise.resolve();
  const closing = new AbortController();

  function event(
    instance: Instance,
    evaluation: RuleJudgement,
    state: 'firing' | 'resolved',
    atMs: number,
    window: { fromMs: number; toMs: number },
    firedAtMs: number,
  ): AlertEvent {
    const { rule } = instance;
    return {
      version: 1,
      source: 'shadow-watch',
      state,
      alert: rule.name,
      kind: rule.kind,
      severity: rule.severity,
      service: config.service,
      challengerId: instance.challengerId,
      value: evaluation.value,
      threshold: evaluation.threshold,
      resolveAt: evaluation.resolveAt,
      direction: evaluation.direction,
      sample: evaluation.sample,
      window: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() },
      firedAt: new Date(firedAtMs).toISOString(),
      at: new Date(atMs).toISOString(),
      summary: evaluation.summary,
      actions: rule.actions,
      warnings: evaluation.warnings,
    };
  }

  async function pause(instance: Instance, ev: AlertEvent): Promise<void> {
    const service = instance.rule.pauseService ?? config.service;
    try {
      await (options.pause as PauseAction)({
        service,
        reason: `alert ${ev.alert}${ev.challengerId === null ? '' : ` on ${ev.challengerId}`} fired: ${ev.summary}`,
        event: ev,
      });
      instance.pausePending = null;
      logger.error({ alert: ev.alert, challengerId: ev.challengerId, service }, `mirroring paused for ${service} by alert ${ev.alert}`);
      hooks.onPause?.(ev, { ok: true, service });
    } catch (error) {
      instance.pausePending = ev;
      logger.error(
        { alert: ev.alert, challengerId: ev.challengerId, service, err: errorMessage(error) },
        `pause by alert ${ev.alert} failed; tried again at the next evaluation`,
      );
      hooks.onPause?.(ev, { ok: false, service, error: errorMessage(error) });
    }
  }

  function notify(ev: AlertEvent): void {
    logger.error(
      {
        alert: ev.alert,
        kind: ev.kind,
        severity: ev.severity,
        state: ev.state,
        challengerId: ev.challengerId,
        value: ev.value,
        threshold: ev.threshold,
        sample: ev.sample,
        firedAt: ev.firedAt,
      },
      `alert ${ev.alert}${ev.challengerId === null ? '' : ` on ${ev.challengerId}`} ${ev.state}: ${ev.summary}`,
    );
    hooks.onTransition?.(ev);
    const webhook = config.webhook;
    if (webhook === undefined) return;
    delivery = delivery.then(async () => {
      const outcome = await postWebhook(webhook, webhookHeaders, ev, { dispatcher: options.dispatcher, signal: closing.signal });
      if (!outcome.ok)
        logger.error(
          { alert: ev.alert, state: ev.state, attempts: outcome.attempts, status: outcome.status, err: outcome.error },
          `alert webhook failed for ${ev.alert} ${ev.state}`,
        );
      hooks.onWebhook?.(ev, outcome);
    });
  }

  async function evaluate(): Promise<RuleEvaluation[]> {
    const atMs = now();
    const toMs = atMs - config.lagMs;
    const cache = new Map<string, Promise<unknown>>();
    const failures = new Set<string>();
    const once = <T>(key: string, read: () => Promise<T>): Promise<T | null> => {
      let p = cache.get(key) as Promise<T> | undefined;
      if (p === undefined) {
        p = read();
        cache.set(key, p);
      }
      return p.catch((error: unknown) => {
        if (!failures.has(key)) {
          failures.add(key);
          logger.warn({ read: key, err: errorMessage(error) }, 'alert read failed; rules needing it are not judged this time');
        }
        return null;
      });
    };
    const measurements = (challengerId: string, window: { fromMs: number; toMs: number }) =>
      once(`pairs:${challengerId}:${window.fromMs}`, () =>
        options.sources.measurements({ challengerId, window, businessMetrics, latencyQuantiles, latencySampleLimit: 1, topDifferences: 0 }),
      );
    const series = (q: SeriesQuery) => once(`series:${JSON.stringify(q)}`, () => options.sources.series(q));

    const inputsFor = async (instance: Instance, window: { fromMs: number; toMs: number }): Promise<RuleInputs> => {
      const { rule, challengerId } = instance;
      const pairsOf = challengerId ?? candidates[0] ?? '';
      switch (rule.kind) {
        case 'agreement':
        case 'error-rate':
        case 'business':
          return { window, measurements: await measurements(pairsOf, window) };
        case 'latency-ratio':
          return { window, measurements: await measurements(pairsOf, window), secondary: secondary === null ? null : await measurements(secondary, window) };
        case 'live-latency':
          if (rule.source === 'pairs') return { window, measurements: await measurements(pairsOf, window) };
          return {
            window,
            liveMetric:
              (await series({
                service: config.service,
                side: 'live',
                metric: rule.metric as string,
                kind: 'quantile',
                labels: { quantile: String(rule.quantile) },
                window,
              })) ?? [],
          };
        case 'resource-ratio': {
          const { metric, kind } = RESOURCE_METRICS[rule.resource];
          const c = await series({ service: config.service, side: 'challenger', challengerId: pairsOf, metric, kind, window });
          const b = await series({
            service: config.service,
            side: secondary === null ? 'live' : 'challenger',
            challengerId: secondary ?? '',
            metric,
            kind,
            window,
          });
          return {
            window,
            resources: c === null || b === null ? undefined : { challenger: c, baseline: b, baselineKind: secondary === null ? 'live' : 'secondary' },
          };
        }
        case 'memory-growth': {
          const side = rule.side;
          const s = await series({
            service: config.service,
            side,
            challengerId: side === 'live' ? '' : pairsOf,
            metric: RESOURCE_METRICS.rss.metric,
            kind: 'value',
            window,
          });
          return { window, memory: s ?? [] };
        }
      }
    };

    const results: RuleEvaluation[] = [];
    for (const instance of instances) {
      const windowMs = instance.rule.windowMs ?? config.windowMs;
      const window = { fromMs: toMs - windowMs, toMs };
      const judgement = judgeRule(instance.rule, await inputsFor(instance, window));
      const step = stepAlert(instance.state, judgement.condition, atMs, instance.rule);
      const firedAtMs = step.transition === 'resolved' ? (instance.state.firedAtMs ?? atMs) : (step.state.firedAtMs ?? atMs);
      instance.state = step.state;
      const evaluation: RuleEvaluation = {
        ...judgement,
        rule: instance.rule.name,
        kind: instance.rule.kind,
        challengerId: instance.challengerId,
        atMs,
        window,
        state: step.state,
        transition: step.transition,
      };
      instance.last = evaluation;
      results.push(evaluation);
      hooks.onEvaluation?.(evaluation);
      if (step.transition === 'fired') firedCount += 1;
      if (step.transition !== null) {
        const ev = event(instance, judgement, step.transition === 'fired' ? 'firing' : 'resolved', atMs, window, firedAtMs);
        notify(ev);
        if (step.transition === 'fired' && instance.rule.actions.includes('pause')) await pause(instance, ev);
        if (step.transition === 'resolved') instance.pausePending = null;
      } else if (instance.pausePending !== null && isFiring(instance.state)) {
        await pause(instance, instance.pausePending);
      }
    }
    return results;
  }

  function evaluateOnce(): Promise<RuleEvaluation[]> {
    if (closed) return Promise.reject(new WatchError('WATCH_INVALID_ARGUMENT', 'the alert evaluator is closed'));
    const next = (running ?? Promise.resolve([])).catch(() => []).then(evaluate);
    running = next;
    return next;
  }

  function schedule(startedAt: number): void {
    if (closed) return;
    const elapsed = now() - startedAt;
    timer = setTimeout(
      () => {
        const at = now();
        void evaluateOnce()
          .catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'alert evaluation failed'))
          .finally(() => schedule(at));
      },
      config.intervalMs - (elapsed % config.intervalMs),
    );
  }

  return {
    config,
    warnings: resolved.warnings,
    evaluateOnce,
    start(): void {
      if (closed || started) return;
      started = true;
      const at = now();
      void evaluateOnce()
        .catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'alert evaluation failed'))
        .finally(() => schedule(at));
    },
    get firedCount(): number {
      return firedCount;
    },
    anyFiring(challengerId?: string | null): boolean {
      return instances.some((i) => isFiring(i.state) && (challengerId === undefined || i.challengerId === challengerId));
    },
    states(): AlertInstanceState[] {
      return instances.map((i) => ({ rule: i.rule.name, challengerId: i.challengerId, state: i.state, last: i.last }));
    },
    drained(): Promise<void> {
      return delivery;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
      // A webhook under way gets its attempt; the pauses between retries are cut short.
      closing.abort();
      await delivery;
    },
  };
}
