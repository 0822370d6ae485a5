// The one control-topic watcher against the real broker: a sampling record is read beside the kill
// switch without disturbing it, and a watcher speaking for several names (a replayer's keys) pauses
// on any of them.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { clearMirroring, clearSamplingRate, createControlWatcher, readControlEntries, setMirroring, setSamplingRate } from '../src/index.js';
import type { ControlEvent } from '../src/index.js';
import { testKafka } from './kafka-helpers.js';
import { stack } from '@shadow/stack-harness/vitest';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ControlWatcher (real Kafka)', () => {
  it('reads a sampling record beside the kill switch, and obeys a pause of any of its names', async () => {
    const kafka = testKafka(stack().kafkaBrokers);
    const topic = `topic-${randomUUID()}`;
    await setMirroring(kafka, { service: 'replayer-eu', state: 'active', reason: 'create the topic', by: 'test', topic });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'sampling:replayer-eu', value: JSON.stringify({ sampling: { rate: 0.1 }, reason: 'r', by: 'b', at: new Date().toISOString() }) }],
    });
    await producer.disconnect();

    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
      error: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
    };
    const watcher = createControlWatcher({ kafka, service: 'shadow-replayer', otherServices: ['replayer-eu'], topic, logger });
    const events: ControlEvent[] = [];
    watcher.onChange((event) => events.push(event));
    watcher.start();
    try {
      await until(() => watcher.caughtUp, 15_000, 'caught up');
      expect(watcher.state).toBe('active');
      expect([...watcher.entries.keys()]).toEqual(['replayer-eu']);
      expect(watcher.sampling).toMatchObject({ rate: 0.1, key: 'replayer-eu', message: { reason: 'r', by: 'b' } });
      expect(watcher.samplingRateOf('replayer-eu')?.rate).toBe(0.1);
      expect(watcher.samplingRateOf('search')).toBeNull();
      expect(warnings).toEqual([]);

      await setMirroring(kafka, { service: 'replayer-eu', state: 'paused', reason: 'eu only', by: 'test', topic });
      await until(() => watcher.state === 'paused', 5_000, 'paused by its second name');
      expect(events.at(-1)).toMatchObject({
        kind: 'mirroring',
        service: 'shadow-replayer',
        state: 'paused',
        key: 'replayer-eu',
        message: { reason: 'eu only' },
      });

      await clearMirroring(kafka, { service: 'replayer-eu', topic });
      await until(() => watcher.state === 'active', 5_000, 'active after the tombstone');
      expect(warnings).toEqual([]);
    } finally {
      await watcher.close();
    }
  });
});

describe('sampling over the control topic (real Kafka)', () => {
  it('a service entry wins over `*`, a change arrives within seconds, a tombstone falls back to `*` then to none', async () => {
    const kafka = testKafka(stack().kafkaBrokers);
    const topic = `topic-${randomUUID()}`;
    await setSamplingRate(kafka, { service: '*', rate: 0.5, reason: 'fleet', by: 'test', topic });
    const watcher = createControlWatcher({ kafka, service: 'checkout', topic });
    const events: ControlEvent[] = [];
    watcher.onChange((event) => events.push(event));
    watcher.start();
    try {
      await until(() => watcher.caughtUp, 15_000, 'caught up');
      expect(watcher.sampling).toMatchObject({ rate: 0.5, key: '*' });
      expect(events).toContainEqual(
        expect.objectContaining({ kind: 'sampling', service: 'checkout', previous: null, current: expect.objectContaining({ rate: 0.5 }) }),
      );

      const started = Date.now();
      const written = await setSamplingRate(kafka, { service: 'checkout', rate: 0.01, reason: 'ramp step 1', by: 'test', topic });
      expect(written).toMatchObject({ sampling: { rate: 0.01 }, reason: 'ramp step 1', by: 'test' });
      await until(() => watcher.sampling?.rate === 0.01, 5_000, 'own rate');
      console.log(`[control sampling] a set rate reached the watcher in ${Date.now() - started} ms`);
      expect(watcher.sampling?.key).toBe('checkout');
      expect(watcher.samplingRateOf('search')).toMatchObject({ rate: 0.5, key: '*' });
      expect(watcher.state).toBe('active');

      const snapshot = await readControlEntries(kafka, { topic });
      expect([...snapshot.sampling.keys()].sort()).toEqual(['*', 'checkout']);
      expect(snapshot.samplingOf('checkout')?.rate).toBe(0.01);
      expect(snapshot.samplingOf('search')?.rate).toBe(0.5);

      await clearSamplingRate(kafka, { service: 'checkout', topic });
      await until(() => watcher.sampling?.rate === 0.5, 5_000, 'back to *');
      await clearSamplingRate(kafka, { service: '*', topic });
      await until(() => watcher.sampling === null, 5_000, 'no control rate');
      expect(events.filter((e) => e.kind === 'sampling').map((e) => (e.kind === 'sampling' ? (e.current?.rate ?? null) : 'x'))).toEqual([0.5, 0.01, 0.5, null]);
    } finally {
      await watcher.close();
    }
  });

  it('refuses a rate outside [0, 1] and a blank reason before writing anything', async () => {
    const kafka = testKafka(stack().kafkaBrokers);
    for (const rate of [-0.1, 1.01, Number.NaN]) {
      await expect(setSamplingRate(kafka, { service: 'checkout', rate, reason: 'x', topic: 'never-created' })).rejects.toMatchObject({
        code: 'CONTRACTS_INVALID_ARGUMENT',
      });
    }
    await expect(setSamplingRate(kafka, { service: 'checkout', rate: 0.1, reason: ' ', topic: 'never-created' })).rejects.toMatchObject({
      code: 'CONTRACTS_INVALID_ARGUMENT',
    });
    await expect(setSamplingRate(kafka, { service: 'sampling:x', rate: 0.1, reason: 'r', topic: 'never-created' })).rejects.toMatchObject({
      code: 'CONTRACTS_INVALID_ARGUMENT',
    });
  });
});
