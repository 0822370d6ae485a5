// The sampling rate over the control topic in a running live shadow (real Kafka): a rate set for
// the exchanges' service reaches the replayer within 5 s (the delay is printed) and only that
// fraction of live traffic is replayed, in place of the configured rate; cleared, the configured rate again.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSamplingRate, samplingPointOf, setSamplingRate } from '@shadow/contracts';
import { ControlTopicSwitch, controlSampled, LiveShadow } from '@shadow/replay';
import type { CapturedExchange } from '@shadow/contracts';
import type { Env, TestServer } from './support/kit.js';
import { echo, exchange, produceExchanges, setupTopics, silent, startServer } from './support/kit.js';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('sampling over the control topic: a running replayer', () => {
  let env: Env;
  let challenger: TestServer;
  beforeAll(async () => {
    env = await setupTopics('replay-sampling');
    challenger = await startServer(echo);
  });
  afterAll(async () => {
    await challenger?.close();
    await env?.cleanup();
  });

  it('replays only the set fraction of the service within 5 s of the write, another service unchanged, the configured rate after clear', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    const control = new ControlTopicSwitch({ kafka: env.kafka, topic: env.names.control, logger: silent });
    control.start();
    const shadow = new LiveShadow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      groupId: `${env.prefix}replayer`,
      startFrom: 'earliest',
      killSwitch: control,
      samplingControl: control,
      // Replaced by the control rate for `service`; applies to the other service.
      sampling: { rate: 0.5 },
      logger: silent,
      challengers: [{ id: 'cand', baseUrl: challenger.url }],
    });
    const batch = (n: number, over: Partial<CapturedExchange> = {}): CapturedExchange[] =>
      Array.from({ length: n }, () => {
        const id = randomUUID();
        return exchange({ exchangeId: id, service, path: `/items/${id}`, ...over });
      });
    const replayedIds = (): Set<string> => new Set(challenger.requests.map((r) => r.url.slice('/items/'.length)));
    try {
      await until(() => control.caughtUp, 15_000, 'the control topic read');
      await shadow.start();

      const started = Date.now();
      await setSamplingRate(env.kafka, { service, rate: 0.1, reason: 'ramp step 1', by: 'test', topic: env.names.control });
      await until(() => control.samplingRateOf(service)?.rate === 0.1, 5_000, 'the control rate');
      console.log(`[replayer sampling] set 0.1 seen in ${Date.now() - started} ms`);

      // Taken by the tap at 1 (a tap without the entry) and at 0.5: the replayer keeps rate / tapRate of each.
      const atOne = batch(300);
      const atHalf = batch(300, { samplingRate: 0.5 });
      const other = batch(40, { service: 'other-service' }).filter((e) => samplingPointOf(e.exchangeId) < 0.5);
      await produceExchanges(env, [...atOne, ...atHalf, ...other]);
      const expected = [...atOne, ...atHalf].filter((e) => controlSampled(e, 0.1)).map((e) => e.exchangeId);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(200);
      await until(() => replayedIds().size >= expected.length + other.length, 20_000, 'the sampled exchanges replayed');
      await new Promise((r) => setTimeout(r, 1_000));
      expect([...replayedIds()].sort()).toEqual([...expected, ...other.map((e) => e.exchangeId)].sort());

      const clearedAt = Date.now();
      await clearSamplingRate(env.kafka, { service, topic: env.names.control });
      await until(() => control.samplingRateOf(service) === null, 5_000, 'the entry cleared');
      console.log(`[replayer sampling] clear seen in ${Date.now() - clearedAt} ms`);
      const after = batch(60);
      await produceExchanges(env, after);
      const configured = after.filter((e) => samplingPointOf(e.exchangeId) < 0.5);
      await until(() => configured.every((e) => replayedIds().has(e.exchangeId)), 20_000, 'the configured fraction replayed after clear');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(after.filter((e) => replayedIds().has(e.exchangeId))).toEqual(configured);
    } finally {
      await shadow.close();
      await control.close();
    }
  });
});
