// The kill switch against the real broker: an operator's setMirroring reaches every running tap
// within seconds, a pause in force is honoured from the first moment a tap starts, and the local
// switch wins over the topic.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clearMirroring, createControlWatcher, setMirroring } from '@shadow/contracts';
import { createKafkaTransport } from '../../src/transport/index.js';
import type { KafkaTransport, KafkaTransportOptions } from '../../src/transport/index.js';
import { eventually, exchange, kafkaFor } from '../transport/kafka-test-kit.js';
import { stack } from '@shadow/stack-harness/vitest';

// The stack the integration project's global setup resolved (env, testcontainers or infra/local).
function endpoints(): { brokers: string[]; registryUrl: string } {
  const { kafkaBrokers, schemaRegistryUrl } = stack();
  return { brokers: kafkaBrokers, registryUrl: schemaRegistryUrl };
}

async function startTransport(service: string, controlTopic: string, extra: Partial<KafkaTransportOptions> = {}): Promise<KafkaTransport> {
  const { brokers, registryUrl } = endpoints();
  const transport = createKafkaTransport({
    service,
    brokers,
    schemaRegistryUrl: registryUrl,
    topic: `topic-${randomUUID()}`,
    control: { topic: controlTopic },
    env: {},
    ...extra,
  });
  await transport.start();
  return transport;
}

describe('kill switch (real Kafka)', () => {
  it('pausing * turns two running taps off within 5 s, resuming turns them back on within 5 s', async () => {
    const kafka = kafkaFor(endpoints().brokers);
    const controlTopic = `topic-${randomUUID()}`;
    const taps = [await startTransport('checkout', controlTopic), await startTransport('checkout', controlTopic)];
    await eventually(() => taps.every((t) => t.enabled), 10_000, 'enabled after reading the control topic');

    await setMirroring(kafka, { service: '*', state: 'paused', reason: 'incident 4711', by: 'test', topic: controlTopic });
    const pausedIn = await eventually(() => taps.every((t) => !t.enabled), 5_000, 'both paused');
    expect(taps.map((t) => t.controlState)).toEqual(['paused', 'paused']);
    expect(taps[0]!.offer(exchange(1))).toBe(false);
    expect(taps[0]!.stats().dropped.paused).toBe(1);

    await setMirroring(kafka, { service: '*', state: 'active', reason: 'resolved', by: 'test', topic: controlTopic });
    const resumedIn = await eventually(() => taps.every((t) => t.enabled), 5_000, 'both active again');
    console.log(`[kill switch] paused in ${pausedIn} ms, resumed in ${resumedIn} ms (two taps)`);
    await Promise.all(taps.map((t) => t.close(2_000)));
  });

  it('a service entry pauses only that service; clearing it resumes', async () => {
    const kafka = kafkaFor(endpoints().brokers);
    const controlTopic = `topic-${randomUUID()}`;
    const checkout = await startTransport('checkout', controlTopic);
    const search = await startTransport('search', controlTopic);
    await eventually(() => checkout.enabled && search.enabled, 10_000, 'both enabled');

    await setMirroring(kafka, { service: 'checkout', state: 'paused', reason: 'checkout only', topic: controlTopic });
    await eventually(() => !checkout.enabled, 5_000, 'checkout paused');
    await new Promise((r) => setTimeout(r, 500));
    expect(search.enabled).toBe(true);

    await clearMirroring(kafka, { service: 'checkout', topic: controlTopic });
    await eventually(() => checkout.enabled, 5_000, 'checkout resumed after the tombstone');
    await Promise.all([checkout.close(2_000), search.close(2_000)]);
  });

  it('a pause in force when a tap starts is honoured from the start: it never mirrors', async () => {
    const kafka = kafkaFor(endpoints().brokers);
    const controlTopic = `topic-${randomUUID()}`;
    await setMirroring(kafka, { service: '*', state: 'paused', reason: 'before start', topic: controlTopic });
    // Later entries for other keys must not hide the pause.
    await setMirroring(kafka, { service: 'other', state: 'active', reason: 'noise', topic: controlTopic });
    const tap = await startTransport('checkout', controlTopic);
    let everEnabled = false;
    const probe = setInterval(() => {
      everEnabled ||= tap.enabled;
    }, 1);
    await eventually(() => tap.controlState === 'paused', 10_000, 'state read from the topic');
    clearInterval(probe);
    expect(everEnabled).toBe(false);
    expect(tap.enabled).toBe(false);
    await tap.close(2_000);
  });

  it('the local switch (SHADOW_TAP_ENABLED=false) wins: the tap never mirrors and starts nothing (no topic check, no watcher, no producer)', async () => {
    const controlTopic = `topic-${randomUUID()}`;
    const tap = await startTransport('checkout', controlTopic, { env: { SHADOW_TAP_ENABLED: 'false' } });
    expect(tap.controlState).toBe('unknown');
    expect(tap.stats().path?.topic).toBeNull();
    expect(tap.locallyEnabled).toBe(false);
    expect(tap.enabled).toBe(false);
    tap.countPaused(3);
    expect(tap.stats().dropped.paused).toBe(3);
    await tap.close(2_000);
  });

  it('a watcher leaves no consumer group behind after close', async () => {
    const kafka = kafkaFor(endpoints().brokers);
    const controlTopic = `topic-${randomUUID()}`;
    const watcher = createControlWatcher({ kafka, service: 'checkout', topic: controlTopic });
    watcher.start();
    await eventually(() => watcher.caughtUp, 10_000, 'caught up');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(watcher.groupId);
      await watcher.close();
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(watcher.groupId);
    } finally {
      await admin.disconnect();
    }
  });
});
