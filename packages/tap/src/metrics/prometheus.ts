/**
 * `@shadow/tap/prometheus`: exposes `tap.stats()` as prom-client metrics. Values are read at scrape
 * time in `collect()` callbacks, so the tap core keeps plain counters and does not depend on
 * prom-client; only this subpath imports it (an optional peer dependency).
 *
 * Counters are set from the tap's monotonic totals at each scrape (reset + inc), which keeps their
 * Prometheus type `counter` so `rate()` works.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Tap, TapStats } from '../tap.js';
import type { DropReason } from '../transport/types.js';

export interface TapMetricsOptions {
  /**
   * Prefix of every metric name.
   * @default 'shadow_tap_'
   */
  prefix?: string | undefined;
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
  counter('paused_total', 'Requests not captured because mirroring was paused (kill switch).', (s) => s.paused);
  counter('sent_total', 'Exchanges acknowledged by Kafka.', (s) => s.transport.sent);
  counter('truncated_bodies_total', 'Bodies cut at the size limit or the in-flight budget.', (s) => s.truncatedBodies);
  counter('withheld_bodies_total', 'JSON bodies withheld because they could not be redacted safely.', (s) => s.withheldBodies);

  names.push(`${prefix}dropped_total`);
  new Counter({
    name: `${prefix}dropped_total`,
    help: 'Captures lost, by reason (transport reasons, and capture_error inside the tap).',
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

  gauge('queue_depth', 'Exchanges waiting in the transport queue.', (s) => s.transport.queueDepth);
  gauge('queue_bytes', 'Bytes waiting in the transport queue.', (s) => s.transport.queueBytes);
  gauge('in_flight', 'Requests being captured (response not finished yet).', (s) => s.inFlight);
  gauge('in_flight_body_bytes', 'Body bytes held by captures in flight.', (s) => s.inFlightBodyBytes);

  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
