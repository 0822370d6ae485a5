// The sampling rate over the control topic against the real broker: a running tap applies
// `setSamplingRate` for its service within 5 s (the delay is printed), keeps the keys it had as the
// rate grows, and returns to its configured rate when the entry is cleared.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clearSamplingRate, samplingPoint, setSamplingRate } from '@shadow/contracts';
import { createTap } from '@shadow/tap';
import type { Tap } from '@shadow/tap';
import { eventually, kafkaFor } from '../transport/kafka-test-kit.js';
import { listenPlain } from '../support/workload.js';
import { stack } from '@shadow/stack-harness/vitest';

const KEYS = Array.from({ length: 300 }, (_, i) => `user-${i}`);

/** Sends one request per key; returns the keys the tap captured (counted by the tap's own stats). */
async function capturedKeys(tap: Tap, port: number): Promise<number> {
  const before = tap.stats().captured;
  for (const key of KEYS) {
    const response = await fetch(`http://127.0.0.1:${port}/x`, { headers: { 'x-user-id': key } });
    await response.arrayBuffer();
  }
  await eventually(() => tap.stats().inFlight === 0, 5_000, 'captures settled');
  return tap.stats().captured - before;
}

describe('sampling over the control topic: a running tap (real Kafka)', () => {
  it('applies a set rate within 5 s, keeps the same keys as it grows, and returns to its configuration on clear', async () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    const kafka = kafkaFor(kafkaBrokers);
    const control = `control-${randomUUID()}`;
    const service = `sampled-${randomUUID().slice(0, 8)}`;
    const tap = createTap({
      service,
      environment: 'test',
      sampling: { rate: 1, keyHeader: 'x-user-id' },
      kafka: {
        brokers: kafkaBrokers,
        schemaRegistryUrl,
        topic: `topic-${randomUUID()}`,
        createTopic: true,
        control: { topic: control },
        batch: { lingerMs: 10 },
      },
    });
    await tap.start();
    await eventually(() => tap.enabled, 30_000, 'the kill switch to open');
    await using server = await listenPlain((req, res) => {
      tap.capture(req, res);
      res.end('ok');
    });
    try {
      expect(tap.stats().sampling).toEqual({ rate: 1, source: 'config', key: null });
      expect(await capturedKeys(tap, server.port)).toBe(KEYS.length);

      let started = Date.now();
      await setSamplingRate(kafka, { service, rate: 0.1, reason: 'ramp step 1', by: 'test', topic: control });
      const setIn = await eventually(() => tap.stats().sampling?.rate === 0.1, 5_000, 'the control rate');
      console.log(`[tap sampling] set 0.1 applied in ${Date.now() - started} ms (poll ${setIn} ms)`);
      expect(tap.stats().sampling).toEqual({ rate: 0.1, source: 'control', key: service });
      const expectedAt = (rate: number): number => KEYS.filter((k) => samplingPoint(k) < rate).length;
      expect(await capturedKeys(tap, server.port)).toBe(expectedAt(0.1));

      // `*` does not override the service's own entry.
      await setSamplingRate(kafka, { service: '*', rate: 0.5, reason: 'fleet', by: 'test', topic: control });
      started = Date.now();
      await setSamplingRate(kafka, { service, rate: 0.3, reason: 'ramp step 2', by: 'test', topic: control });
      await eventually(() => tap.stats().sampling?.rate === 0.3, 5_000, 'the grown rate');
      expect(await capturedKeys(tap, server.port)).toBe(expectedAt(0.3));

      started = Date.now();
      await clearSamplingRate(kafka, { service, topic: control });
      await eventually(() => tap.stats().sampling?.key === '*', 5_000, 'the fleet rate after the tombstone');
      expect(tap.stats().sampling).toEqual({ rate: 0.5, source: 'control', key: '*' });
      await clearSamplingRate(kafka, { service: '*', topic: control });
      await eventually(() => tap.stats().sampling?.source === 'config', 5_000, 'the configuration again');
      console.log(`[tap sampling] cleared back to config in ${Date.now() - started} ms`);
      expect(tap.stats().sampling).toEqual({ rate: 1, source: 'config', key: null });
      expect(await capturedKeys(tap, server.port)).toBe(KEYS.length);
    } finally {
      await tap.close(2_000);
    }
  });
});
