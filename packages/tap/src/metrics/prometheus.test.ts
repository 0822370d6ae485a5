import diagnostics from 'node:diagnostics_channel';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TapStats } from '../tap.js';
import { BATCH_CHANNEL, type BatchEvent } from '../transport/diagnostics.js';
import { registerTapMetrics } from './prometheus.js';

function stats(overrides: Partial<TapStats> = {}): TapStats {
  return {
    paused: 0,
    sampledOut: 0,
    captured: 0,
    offerRefused: 0,
    captureErrors: 0,
    truncatedBodies: 0,
    withheldBodies: 0,
    capturedBodyBytes: 0,
    inFlight: 0,
    inFlightBodyBytes: 0,
    transport: {
      enqueued: 0,
      sent: 0,
      dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
      queueDepth: 0,
      queueBytes: 0,
      sentBytes: 0,
    },
    ...overrides,
  };
}

describe('registerTapMetrics', () => {
  it('exposes the tap stats at scrape time, counters as counters', async () => {
    let current = stats();
    const registry = new Registry();
    const unregister = registerTapMetrics({ stats: () => current }, registry);
    current = stats({
      captured: 12,
      sampledOut: 30,
      captureErrors: 1,
      capturedBodyBytes: 4096,
      transport: {
        enqueued: 11,
        sent: 10,
        dropped: { queue_full: 2, paused: 5, closed: 0, encode_error: 0, send_failed: 1 },
        queueDepth: 3,
        queueBytes: 900,
        sentBytes: 5000,
      },
    });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE shadow_tap_captured_total counter');
    expect(text).toContain('shadow_tap_captured_total 12');
    expect(text).toContain('shadow_tap_sampled_out_total 30');
    expect(text).toContain('shadow_tap_dropped_total{reason="queue_full"} 2');
    expect(text).toContain('shadow_tap_dropped_total{reason="paused"} 5');
    expect(text).toContain('shadow_tap_dropped_total{reason="capture_error"} 1');
    expect(text).toContain('shadow_tap_queue_depth 3');
    expect(text).toContain('shadow_tap_bytes_total{stage="captured"} 4096');
    expect(text).toContain('shadow_tap_bytes_total{stage="sent"} 5000');

    current = stats({ captured: 13 });
    expect(await registry.metrics()).toContain('shadow_tap_captured_total 13');
    unregister();
    expect(await registry.metrics()).not.toContain('shadow_tap_');
  });

  it('exposes the sampling rate in force with its source', async () => {
    let current = stats({ sampling: { rate: 0.5, source: 'config', key: null } });
    const registry = new Registry();
    const unregister = registerTapMetrics({ stats: () => current }, registry);
    expect(await registry.metrics()).toContain('shadow_tap_sampling_rate{source="config",key=""} 0.5');
    current = stats({ sampling: { rate: 0.01, source: 'control', key: 'checkout' } });
    const text = await registry.metrics();
    expect(text).toContain('shadow_tap_sampling_rate{source="control",key="checkout"} 0.01');
    expect(text).not.toContain('source="config"');
    unregister();
  });

  it('observes send latency from the transport batch events', async () => {
    const registry = new Registry();
    const unregister = registerTapMetrics({ stats: () => stats() }, registry);
    const event: BatchEvent = { topic: 'shadow.exchanges.v1', outcome: 'sent', records: 3, bytes: 300, dropped: 0, attempts: 1, durationMs: 42 };
    diagnostics.channel(BATCH_CHANNEL).publish(event);
    const text = await registry.metrics();
    expect(text).toContain('shadow_tap_send_latency_seconds_bucket{le="0.05",topic="shadow.exchanges.v1",outcome="sent"} 1');
    expect(text).toContain('shadow_tap_send_latency_seconds_count{topic="shadow.exchanges.v1",outcome="sent"} 1');
    unregister();
    diagnostics.channel(BATCH_CHANNEL).publish(event);
  });
});
