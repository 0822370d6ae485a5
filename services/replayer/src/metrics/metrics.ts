// Prometheus metrics of the replayer. Counters and the latency histogram are fed per result
// (onResult); gauges are read from the engine's stats when scraped.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ShadowResult } from '@shadow/contracts';
import type { DispatcherStats, ResolvedChallenger } from '@shadow/replay';

export interface ReplayerMetrics {
  readonly registry: Registry;
  onResult(result: ShadowResult, challenger: ResolvedChallenger): void;
  onDeadLetter(code: string): void;
  onLag(topic: string, partition: number, lag: number): void;
}

export interface MetricSources {
  dispatch: () => DispatcherStats | null;
  paused: () => boolean;
  output: () => { results: number; sideEffects: number; deadLetters: number; progress?: number } | null;
  /** The control topic's sampling entries by service (or `*`) and the configured rate; control null without a kill switch. */
  sampling?: (() => { control: ReadonlyMap<string, number> | null; configRate: number }) | undefined;
  /** Writes the sandbox answered without forwarding (recorded + stub + blocked), and the blocked ones; null without a sandbox. */
  sandbox: () => { writesBlocked: number; writesAnswered: number; sideEffects: number } | null;
}

export function createMetrics(sources: MetricSources): ReplayerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const replayed = new Counter({
    name: 'shadow_replayer_replayed_total',
    help: 'Replays finished (answered or failed), per challenger',
    labelNames: ['challenger', 'role', 'outcome'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'shadow_replayer_errors_total',
    help: 'Replays that ended with an errorKind',
    labelNames: ['challenger', 'kind'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'shadow_replayer_latency_seconds',
    help: 'Replayed request start to last response byte (or failure)',
    labelNames: ['challenger'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'shadow_replayer_dead_letters_total',
    help: 'Undecodable records sent to the dead-letter topic',
    labelNames: ['code'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'shadow_replayer_consumer_lag',
    help: 'Messages behind the high watermark after the last batch',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  new Gauge({
    name: 'shadow_replayer_in_flight',
    help: 'Replayed requests in flight',
    labelNames: ['challenger'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of sources.dispatch()?.challengers ?? []) this.set({ challenger: c.id }, c.inFlight);
    },
  });
  new Gauge({
    name: 'shadow_replayer_paused',
    help: '1 while the kill switch pauses replay',
    registers: [registry],
    collect() {
      this.set(sources.paused() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'shadow_replayer_produced',
    help: 'Records produced and acknowledged, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const o = sources.output();
      if (o === null) return;
      this.set({ kind: 'results' }, o.results);
      this.set({ kind: 'side_effects' }, o.sideEffects);
      this.set({ kind: 'dead_letters' }, o.deadLetters);
      // Progress records tell the joiner which exchanges were replayed (docs/joiner.md); 0 without the topic.
      this.set({ kind: 'progress' }, o.progress ?? 0);
    },
  });
  new Gauge({
    name: 'shadow_replayer_sampling_rate',
    help: 'Sampling rate of live traffic replayed: per service (or *) set on the control topic (source=control), else the configured rate (source=config, service="")',
    labelNames: ['service', 'source'],
    registers: [registry],
    collect() {
      this.reset();
      const s = sources.sampling?.();
      if (s === undefined) return;
      this.set({ service: '', source: 'config' }, s.configRate);
      for (const [service, rate] of s.control ?? []) this.set({ service, source: 'control' }, rate);
    },
  });
  new Gauge({
    name: 'shadow_replayer_sandbox_writes_blocked',
    help: 'Challenger writes the sandbox refused (503): nothing recorded or stubbed to answer with',
    registers: [registry],
    collect() {
      this.set(sources.sandbox()?.writesBlocked ?? 0);
    },
  });
  new Gauge({
    name: 'shadow_replayer_sandbox_writes_intercepted',
    help: 'Challenger writes the sandbox answered without reaching the real dependency',
    registers: [registry],
    collect() {
      this.set(sources.sandbox()?.writesAnswered ?? 0);
    },
  });
  return {
    registry,
    onResult(result, challenger) {
      replayed.inc({ challenger: challenger.id, role: challenger.role, outcome: result.errorKind === null ? 'ok' : 'error' });
      if (result.errorKind !== null) errors.inc({ challenger: challenger.id, kind: result.errorKind });
      latency.observe({ challenger: challenger.id }, result.latencyUs / 1e6);
    },
    onDeadLetter(code) {
      deadLetters.inc({ code });
    },
    onLag(topic, partition, n) {
      lag.set({ topic, partition: String(partition) }, n);
    },
  };
}
