// The one control-topic watcher against the real broker: records of a kind this version does not
// know (issue 19's `sampling:<service>`) are skipped without a warning and change nothing, and a
// watcher speaking for several names (a replayer's keys) pauses on any of them.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { clearMirroring, createControlWatcher, setMirroring } from '../src/index.js';
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
  it('skips records of an unknown kind quietly, and obeys a pause of any of its names', async () => {
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
