// The watch runs here (docs/watch.md "What is wired"): the joiner owns the ClickHouse the scrapes
// land in and the pairs the rules read (embedded chDB or a server alike). From the `watch` section:
// the scraper, the alert evaluator (its transitions become an error log line, metrics, the webhook,
// and with `actions: [pause]` a pause on the control topic) and the sampling ramp (its steps are
// sampling records on the control topic). GET /watch on the admin port shows the alert states and
// the ramp step (watchStatus below; the dashboard reads it).
//
// A restarted joiner resumes the ramp at the rate it finds on the control topic: the highest step
// at or below that rate, with hold and sample counted afresh; it never drops a running shadow back
// to the first step, and never jumps ahead. No entry (or a rate below the first step): it starts.
import { readControlEntries } from '@shadow/contracts';
import type { ClickHouse } from '@shadow/clickhouse';
import {
  clickHouseWatchSources,
  createAlertEvaluator,
  createClickHouseSampleSink,
  createRampDriver,
  createScraper,
  RAMP_START,
  type AlertEvaluator,
  type AlertEvent,
  type RampConfig,
  type RampDriver,
  type RampState,
  type Scraper,
  type ScrapeResult,
} from '@shadow/watch';
import { controlTopicPause, controlTopicSetRate } from '@shadow/watch/kill-switch';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WatchConfig } from '../config/config.js';

/** Who the control-topic records of the watch say wrote them. */
export const WATCH_BY = 'shadow-watch@joiner';

/** GET /watch: the JSON the dashboard reads (docs/watch.md "The joiner's /watch"). */
export interface WatchStatus {
  version: 1;
  at: string;
  alerts: {
    service: string;
    intervalMs: number;
    firedCount: number;
    anyFiring: boolean;
    rules: {
      rule: string;
      kind: string;
      severity: string;
      challengerId: string | null;
      status: string;
      since: string | null;
      firedAt: string | null;
      lastEvaluatedAt: string | null;
      value: number | null;
      threshold: number | null;
      sample: number | null;
      condition: string | null;
      summary: string | null;
    }[];
  } | null;
  ramp: {
    service: string;
    steps: readonly number[];
    step: number;
    rate: number | null;
    enteredAt: string | null;
    holdMs: number;
    minSample: number;
    backoffs: number;
    resumedFrom: number | null;
    last: { from: number | null; to: number; direction: string; reason: string; at: string } | null;
  } | null;
  scrape: {
    intervalMs: number;
    buffered: number;
    /** Targets in the config; `targets` lists those scraped so far, each with its last scrape. */
    configured: number;
    targets: { target: string; side: string; challengerId: string; service: string; ok: boolean; at: string; error: string | null }[];
  } | null;
}

export interface JoinerWatch {
  readonly evaluator: AlertEvaluator | undefined;
  readonly ramp: RampDriver | undefined;
  readonly scraper: Scraper | undefined;
  status(): WatchStatus;
  close(): Promise<void>;
}

export interface JoinerWatchOptions {
  config: WatchConfig;
  clickhouse: ClickHouse;
  kafka: Kafka;
  /** The control topic (`topicNames(prefix).control`). */
  controlTopic: string;
  /** The joiner's challengers: the ramp's sample when no alerts name candidates. */
  challengers: readonly string[];
  registry: Registry;
  logger: Logger;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined || ms <= 0 ? null : new Date(ms).toISOString());

/** The ramp's starting point from the rate the control topic holds for its service (see the header). */
export function resumeState(config: RampConfig, found: number | null, nowMs: number): { state: RampState; exact: boolean } {
  if (found === null) return { state: RAMP_START, exact: false };
  let step = -1;
  config.steps.forEach((rate, i) => {
    if (rate <= found) step = i;
  });
  if (step < 0) return { state: RAMP_START, exact: false };
  return { state: { step, enteredAtMs: nowMs, firedSeen: 0, backoffs: 0 }, exact: config.steps[step] === found };
}

function watchMetrics(registry: Registry) {
  const firing = new Gauge({
    name: 'shadow_watch_alert_firing',
    help: '1 while the alert rule fires on the challenger ("" for rules on live), else 0',
    labelNames: ['rule', 'challenger'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'shadow_watch_alert_transitions_total',
    help: 'Alert transitions, by rule, challenger and state (firing, resolved)',
    labelNames: ['rule', 'challenger', 'state'],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'shadow_watch_webhook_calls_total',
    help: 'Alert webhook deliveries, by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const pauses = new Counter({
    name: 'shadow_watch_pauses_total',
    help: 'Pauses written to the control topic by alerts, by outcome (ok, failed; a failed one is retried)',
    labelNames: ['service', 'outcome'],
    registers: [registry],
  });
  const rampRate = new Gauge({ name: 'shadow_watch_ramp_rate', help: 'The sampling rate the ramp last wrote', labelNames: ['service'], registers: [registry] });
  const rampSteps = new Counter({
    name: 'shadow_watch_ramp_changes_total',
    help: 'Ramp changes written to the control topic, by direction (start, up, down)',
    labelNames: ['service', 'direction'],
    registers: [registry],
  });
  const scrapes = new Counter({
    name: 'shadow_watch_scrapes_total',
    help: 'Scrapes of the watched /metrics endpoints, by side and outcome (ok, failed)',
    labelNames: ['side', 'outcome'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'shadow_watch_samples_dropped_total',
    help: 'Scraped samples dropped: buffer full while ClickHouse failed',
    registers: [registry],
  });
  return { firing, transitions, webhooks, pauses, rampRate, rampSteps, scrapes, dropped };
}

export async function startJoinerWatch(options: JoinerWatchOptions): Promise<JoinerWatch> {
  const { config, clickhouse, kafka, controlTopic, registry } = options;
  const logger = options.logger.child({ component: 'watch' });
  const metrics = watchMetrics(registry);
  const sources = clickHouseWatchSources(clickhouse);
  const lastScrape = new Map<string, { result: ScrapeResult; atMs: number }>();
  let lastRampChange: NonNullable<WatchStatus['ramp']>['last'] = null;
  let resumedFrom: number | null = null;

  let scraper: Scraper | undefined;
  let evaluator: AlertEvaluator | undefined;
  let ramp: RampDriver | undefined;
  const close = async (): Promise<void> => {
    await ramp?.close();
    await evaluator?.close();
    await scraper?.close();
  };
  try {
    if (config.scrape !== undefined) {
      scraper = createScraper({
        config: config.scrape,
        sink: createClickHouseSampleSink(clickhouse),
        logger,
        hooks: {
          onScrape(result) {
            lastScrape.set(result.target, { result, atMs: Date.now() });
            metrics.scrapes.inc({ side: result.side, outcome: result.ok ? 'ok' : 'failed' });
          },
          onDropped: (count) => metrics.dropped.inc(count),
        },
      });
    }
    if (config.alerts !== undefined) {
      const challengerOf = (event: AlertEvent): string => event.challengerId ?? '';
      evaluator = createAlertEvaluator({
        config: config.alerts,
        sources,
        pause: controlTopicPause(kafka, { topic: controlTopic, by: WATCH_BY }),
        logger,
        hooks: {
          onTransition(event) {
            metrics.transitions.inc({ rule: event.alert, challenger: challengerOf(event), state: event.state });
            metrics.firing.set({ rule: event.alert, challenger: challengerOf(event) }, event.state === 'firing' ? 1 : 0);
          },
          onWebhook: (_event, outcome) => metrics.webhooks.inc({ outcome: outcome.ok ? 'ok' : 'failed' }),
          onPause: (_event, outcome) => metrics.pauses.inc({ service: outcome.service, outcome: outcome.ok ? 'ok' : 'failed' }),
        },
      });
      for (const s of evaluator.states()) metrics.firing.set({ rule: s.rule, challenger: s.challengerId ?? '' }, 0);
    }
    if (config.ramp !== undefined) {
      const rampConfig = config.ramp;
      const candidates = config.alerts?.config.challengers.filter((c) => c.role === 'candidate').map((c) => c.id) ?? [...options.challengers];
      const setRate = controlTopicSetRate(kafka, { topic: controlTopic, by: WATCH_BY });
      const snapshot = await readControlEntries(kafka, { topic: controlTopic });
      const found = snapshot.sampling.get(rampConfig.service)?.sampling.rate ?? null;
      const resumed = resumeState(rampConfig, found, Date.now());
      if (resumed.state.step >= 0) {
        resumedFrom = found;
        const rate = rampConfig.steps[resumed.state.step] as number;
        if (!resumed.exact)
          await setRate(rampConfig.service, rate, `ramp resumed at step ${resumed.state.step + 1} (${rate}) from ${found} on the control topic`);
        metrics.rampRate.set({ service: rampConfig.service }, rate);
        logger.info({ service: rampConfig.service, found, step: resumed.state.step, rate }, 'ramp resumed at the rate found on the control topic');
      }
      const alerts = evaluator ?? { anyFiring: () => false, firedCount: 0 };
      ramp = createRampDriver({
        config: rampConfig,
        initial: resumed.state,
        setRate,
        sample: (window) => sources.pairCount(candidates, window),
        alerts,
        logger,
        onChange(change) {
          lastRampChange = { ...change, at: new Date().toISOString() };
          metrics.rampRate.set({ service: rampConfig.service }, change.to);
          metrics.rampSteps.inc({ service: rampConfig.service, direction: change.direction });
        },
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  scraper?.start();
  evaluator?.start();
  ramp?.start();
  logger.info(
    { scrape: config.scrape?.targets.length ?? 0, rules: config.alerts?.config.rules.length ?? 0, ramp: config.ramp?.service ?? null },
    'watch running (GET /watch on the admin port)',
  );

  const status = (): WatchStatus => ({
    version: 1,
    at: new Date().toISOString(),
    alerts:
      evaluator === undefined
        ? null
        : {
            service: evaluator.config.service,
            intervalMs: evaluator.config.intervalMs,
            firedCount: evaluator.firedCount,
            anyFiring: evaluator.anyFiring(),
            rules: evaluator.states().map((s) => {
              const rule = evaluator?.config.rules.find((r) => r.name === s.rule);
              return {
                rule: s.rule,
                kind: rule?.kind ?? '',
                severity: rule?.severity ?? '',
                challengerId: s.challengerId,
                status: s.state.status,
                since: iso(s.state.sinceMs),
                firedAt: iso(s.state.firedAtMs),
                lastEvaluatedAt: iso(s.last?.atMs),
                value: s.last?.value ?? null,
                threshold: s.last?.threshold ?? null,
                sample: s.last?.sample ?? null,
                condition: s.last?.condition ?? null,
                summary: s.last?.summary ?? null,
              };
            }),
          },
    ramp:
      ramp === undefined
        ? null
        : {
            service: ramp.config.service,
            steps: ramp.config.steps,
            step: ramp.state.step,
            rate: ramp.rate,
            enteredAt: ramp.state.step < 0 ? null : iso(ramp.state.enteredAtMs),
            holdMs: ramp.config.holdMs,
            minSample: ramp.config.minSample,
            backoffs: ramp.state.backoffs,
            resumedFrom,
            last: lastRampChange,
          },
    scrape:
      scraper === undefined
        ? null
        : {
            intervalMs: scraper.config.intervalMs,
            buffered: scraper.buffered,
            configured: scraper.config.targets.length,
            targets: [...lastScrape.values()].map(({ result, atMs }) => ({
              target: result.target,
              side: result.side,
              challengerId: result.challengerId,
              service: result.service,
              ok: result.ok,
              at: new Date(atMs).toISOString(),
              error: result.error ?? null,
            })),
          },
  });

  return { evaluator, ramp, scraper, status, close };
}
