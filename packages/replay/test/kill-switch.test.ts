// The tap's kill switch stops the replayer: with the control topic saying `paused` for the
// replayer's key, no request reaches the challenger and no offset is committed; once the entry is
// removed (tombstone), the same exchanges are replayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlTopicSwitch, LiveShadow } from '@shadow/replay';
import type { Env, TestServer } from './support/kit.js';
import { echo, exchange, produceExchanges, setupTopics, silent, startServer } from './support/kit.js';

describe('kill switch', () => {
  let env: Env;
  let challenger: TestServer;
  beforeAll(async () => {
    env = await setupTopics('replay-kill');
    challenger = await startServer(echo);
    const admin = env.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: env.names.control, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    await admin.disconnect();
  });
  afterAll(async () => {
    await challenger?.close();
    await env?.cleanup();
  });

  it('a paused replayer dispatches and commits nothing; resumed, it replays', async () => {
    const producer = env.kafka.producer();
    await producer.connect();
    const control = (value: string | null) => producer.send({ topic: env.names.control, acks: -1, messages: [{ key: 'shadow-replayer', value }] });
    await control(JSON.stringify({ mirroring: 'paused', reason: 'test', by: 'kill-switch.test', at: new Date().toISOString() }));
    const killSwitch = new ControlTopicSwitch({ kafka: env.kafka, topic: env.names.control, logger: silent });
    await killSwitch.start();
    const groupId = `${env.prefix}replayer`;
    const shadow = new LiveShadow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      groupId,
      startFrom: 'earliest',
      killSwitch,
      logger: silent,
      challengers: [{ id: 'cand', baseUrl: challenger.url }],
    });
    try {
      await shadow.start();
      await produceExchanges(
        env,
        Array.from({ length: 10 }, () => exchange()),
      );
      const deadline = Date.now() + 15_000;
      while (killSwitch.state !== 'paused' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(killSwitch.state).toBe('paused');
      await new Promise((r) => setTimeout(r, 4_000));
      expect(challenger.requests).toHaveLength(0);
      expect(shadow.stats().paused).toBe(true);
      const admin = env.kafka.admin();
      await admin.connect();
      const committed = await admin.fetchOffsets({ groupId, topics: [env.names.exchanges] });
      await admin.disconnect();
      expect(committed[0]?.partitions.every((p) => p.offset === '-1')).toBe(true);

      await control(null);
      const resumeDeadline = Date.now() + 20_000;
      while (challenger.requests.length < 10 && Date.now() < resumeDeadline) await new Promise((r) => setTimeout(r, 100));
      expect(challenger.requests).toHaveLength(10);
      expect(killSwitch.state).toBe('active');
    } finally {
      await shadow.close();
      await killSwitch.close();
      await producer.disconnect();
    }
  });
});
