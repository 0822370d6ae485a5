// The co-partition assigner in a real consumer group: three kafkajs consumers over the three joined
// topics; each must own partition N of every topic together, and together they must own all.
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaClient } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import { topicNames } from '@shadow/contracts';
import { coPartitionAssigner } from '@shadow/join';
import type { Consumer } from 'kafkajs';
import { createJoinTopics, waitFor } from './fixture.js';

const consumers: Consumer[] = [];
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
});

describe('coPartitionAssigner with 3 instances', () => {
  it('gives each member the same partition numbers on every topic and covers every partition once', async () => {
    const prefix = `${uniqueName('ja')}.`;
    const kafka = kafkaClient('ja');
    await createJoinTopics(kafka, prefix, 6);
    const names = topicNames(prefix);
    const topics = [names.exchanges, names.results, names.sideEffects];
    const groupId = uniqueName('ja-group');
    const latest = new Map<number, Record<string, number[]>>();
    for (let i = 0; i < 3; i++) {
      const c = kafka.consumer({ groupId, partitionAssigners: [coPartitionAssigner], sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(c);
      c.on(c.events.GROUP_JOIN, (e) => latest.set(i, e.payload.memberAssignment));
      await c.connect();
      await c.subscribe({ topics });
      await c.run({ eachBatch: async () => undefined });
    }
    const settled = await waitFor(
      'a stable 3-way assignment',
      async () => [...latest.values()],
      (all) => all.length === 3 && all.reduce((n, a) => n + Object.values(a).flat().length, 0) === 18 && all.every((a) => Object.values(a).flat().length === 6),
      60_000,
    );
    const owners = new Map<string, number>();
    settled.forEach((assignment, member) => {
      expect(Object.keys(assignment).sort()).toEqual([...topics].sort());
      const perTopic = topics.map((t) => JSON.stringify([...(assignment[t] ?? [])].sort()));
      expect(new Set(perTopic).size).toBe(1);
      for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) owners.set(`${topic}/${p}`, member);
    });
    expect(owners.size).toBe(18);
  });
});
