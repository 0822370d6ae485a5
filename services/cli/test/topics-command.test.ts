import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { describe, expect, it } from 'vitest';
import { topicNames } from '@shadow/contracts';
import type { CliIo } from '../src/index.js';
import { runCli } from '../src/index.js';

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env: {}, cwd: '/' };
}

describe('shadow topics (real Kafka)', () => {
  it('ensure creates every topic and prints it; a second ensure and a check find nothing to do', async () => {
    const brokers = stack().kafkaBrokers.join(',');
    const prefix = `${uniqueName('cli')}.`;
    const first = io();
    expect(await runCli(['node', 'shadow', 'topics', 'ensure', '--brokers', brokers, '--topic-prefix', prefix, '--partitions', '2'], first)).toBe(0);
    expect(first.lines.filter((l) => l.startsWith('created '))).toHaveLength(7);
    expect(first.lines).toContain(`created  ${prefix}shadow.control.v1 (control) partitions=1 replication=1 cleanup.policy=compact`);
    const again = io();
    expect(await runCli(['node', 'shadow', 'topics', 'ensure', '--brokers', brokers, '--topic-prefix', prefix], again)).toBe(0);
    expect(again.lines.filter((l) => l.startsWith('exists '))).toHaveLength(7);
    expect(await runCli(['node', 'shadow', 'topics', 'check', '--brokers', brokers, '--topic-prefix', prefix], io())).toBe(0);
  });

  it('check exits 1 and names a partition-count mismatch between joined topics', async () => {
    const prefix = `${uniqueName('cli')}.`;
    const names = topicNames(prefix);
    const admin = kafkaClient(uniqueName('cli-admin')).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: names.exchanges, numPartitions: 4 },
          { topic: names.sideEffects, numPartitions: 1 },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const check = io();
    const code = await runCli(
      ['node', 'shadow', 'topics', 'check', '--brokers', stack().kafkaBrokers.join(','), '--topic-prefix', prefix, '--role', 'exchanges', 'sideEffects'],
      check,
    );
    expect(code).toBe(1);
    expect(check.errors).toContain(
      `problem: topic ${names.sideEffects} (sideEffects) has 1 partitions, not the 4 held by the topics it is joined with: records about one exchange would land on different partition numbers and the joiner could not pair them; recreate it with 4 partitions`,
    );
  });
});
