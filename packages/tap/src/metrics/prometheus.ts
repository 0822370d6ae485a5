/**
 * `@shadow/tap/prometheus`: exposes `tap.stats()` as prom-client metrics. Values are read at scrape
 * time in `collect()` callbacks, so the tap core keeps plain counters and does not depend on
 * prom-client; only this subpath imports it (an optional peer dependency).
 *
 * Counters are set from the tap's monotonic totals at each scrape (reset + inc), which keeps their
 * Prometheus type `counter` so `rate()` works.
 *
 * Send latency is the one distribution: it comes from the Kafka transport's batch events on
 * diagnostics_channel (BATCH_CHANNEL), which is process-wide, so with several Kafka transports in
 * one process the histogram covers all of them, labelled by topic.
 */
import diagnostics from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Tap, TapStats } from '../tap.js';
import { BATCH_CHANNEL, type BatchEvent } from '../transport/diagnostics.js';
import type { DropReason } from '../transport/types.js';

export interface TapMetricsOptions {
  /**
   * Prefix of every metric name.
   * @default 'shadow_tap_'
   */
  prefix?: string | undefined;
  /**
   * Buckets of the send-latency histogram, in seconds.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
   */
  sendLatencyBuckets?: readonly number[] | undefined;
}

const TRANSPORT_DROP_REASONS: readonly DropReason[] = ['queue_full', 'paused', 'closed', 'encode_error', 'send_failed'];

/** Registers the tap's metrics on `registry`. Returns a function that removes them. */
export function registerTapMetrics(tap: Pick<Tap, 'stats'>, registry: Registry, options: TapMetricsOptions = {}): () => void {
  const prefix = options.prefix ?? 'shadow_tap_';
  const names: string[] = [];
  // stats() is a few property reads; each metric reads its own snapshot.
  const read = (): TapStats => tap.stats();

  const counter = (name: string, help: string, value: (s: TapStats) => number): void => {
    names.push(prefix + name);
    new Counter({
      name: prefix + name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value(read()));
      },
    });
  };
  const gauge = (name: string, help: string, value: (s: TapStats) => number): void => {
    names.push(prefix + name);
    new Gauge({
      name: prefix + name,
      help,
      registers: [registry],
      collect() {
        this.set(value(read()));
      },
    });
  };

  counter('captured_total', 'Exchanges captured and offered to the transport.', (s) => s.captured);
  counter('sampled_out_total', 'Requests not captured because of sampling.', (s) => s.sampledOut);
  counter('sent_total', 'Exchanges acknowledged by Kafka.', (s) => s.transport.sent);
  counter('truncated_bodies_total', 'Bodies cut at the size limit or the in-flight budget.', (s) => s.truncatedBodies);
  counter('withheld_bodies_total', 'JSON bodies withheld because they could not be redacted safely.', (s) => s.withheldBodies);

  names.push(`${prefix}dropped_total`);
  new Counter({
    name: `${prefix}dropped_total`,
    help: 'Captures lost, by reason: the transport reasons (paused includes requests skipped while paused) and capture_error inside the tap.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const s = read();
      this.reset();
      for (const reason of TRANSPORT_DROP_REASONS) this.inc({ reason }, s.transport.dropped[reason]);
      this.inc({ reason: 'capture_error' }, s.captureErrors);
    },
  });

  names.push(`${prefix}bytes_total`);
  new Counter({
    name: `${prefix}bytes_total`,
    help: 'Bytes by stage: captured (body bytes put into exchanges), sent (encoded records acknowledged by Kafka).',
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      const s = read();
      this.reset();
      this.inc({ stage: 'captured' }, s.capturedBodyBytes);
      this.inc({ stage: 'sent' }, s.transport.sentBytes);
    },
  });

  names.push(`${prefix}sampling_rate`);
  new Gauge({
    name: `${prefix}sampling_rate`,
    help: 'The global sampling rate in force; source: control (the control topic, key = its entry) or config.',
    labelNames: ['source', 'key'],
    registers: [registry],
    collect() {
      const sampling = read().sampling;
      this.reset();
      if (sampling !== undefined) this.set({ source: sampling.source, key: sampling.key ?? '' }, sampling.rate);
    },
  });

  gauge('queue_depth', 'Exchanges waiting in the transport queue.', (s) => s.transport.queueDepth);
  gauge('queue_bytes', 'Bytes waiting in the transport queue.', (s) => s.transport.queueBytes);
  gauge('in_flight', 'Requests being captured (response not finished yet).', (s) => s.inFlight);
  gauge('in_flight_body_bytes', 'Body bytes held by captures in flight.', (s) => s.inFlightBodyBytes);

  names.push(`${prefix}send_latency_seconds`);
  const latency = new Histogram({
    name: `${prefix}send_latency_seconds`,
    help: 'Duration of a Kafka produce batch, all attempts included, by topic and outcome (sent, failed).',
    labelNames: ['topic', 'outcome'],
    buckets: [...(options.sendLatencyBuckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])],
    registers: [registry],
  });
  const onBatch = (message: unknown): void => {
    const event = message as BatchEvent;
    latency.observe({ topic: event.topic, outcome: event.outcome }, event.durationMs / 1000);
  };
  diagnostics.subscribe(BATCH_CHANNEL, onBatch);

  return () => {
    diagnostics.unsubscribe(BATCH_CHANNEL, onBatch);
    for (const name of names) registry.removeSingleMetric(name);
  };
}
