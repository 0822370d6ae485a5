// kill -9 mid-run and restart: the joiner service runs as a child process (its own chDB engine and
// data directory), is killed without warning after it landed part of the run, and a new process
// resumes from the committed offsets. Afterwards this process opens the same data directory (the
// child has exited, so the engine is free) and checks every exchange landed exactly once.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { uniqueName } from '@shadow/stack-harness';
import { createClickHouse } from '@shadow/clickhouse';
import { topicNames } from '@shadow/contracts';
import { CANDIDATE, createJoinTopics, landed, mergeExpected, produceRun, SECONDARY, serdesFor, sortedDiff, waitFor } from './fixture.js';
import type { RunPlan } from './fixture.js';

// 10 000 exchanges (the child processes compete for 2 shared cores with Kafka and the test).
const N = 10_000;
const plan: RunPlan = { n: N, missingCandidateEvery: 50, missingLiveEvery: 97, realDiffEvery: 10 };
const repoRoot = resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Child {
  proc: ChildProcess;
  admin: Promise<string>;
  exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', 'services/joiner/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (process.env.JOIN_DEBUG) proc.stdout?.on('data', (d: Buffer) => process.stderr.write(`[child] ${d.toString().slice(0, 400)}\n`));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const admin = new Promise<string>((resolveAdmin, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!line.includes('joiner started')) return;
      resolveAdmin((JSON.parse(line) as { admin: string }).admin);
    });
    void exited.then((code) => reject(new Error(`joiner exited (${code}) before it started: ${stderr.slice(-2000)}`)));
  });
  return { proc, admin, exited };
}

async function metric(admin: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function caughtUp(prefix: string, groupId: string, admin: string): Promise<boolean> {
  const health = (await (await fetch(`http://${admin}/healthz`)).json()) as { openEntries: number; bufferedRows: number };
  if (health.openEntries !== 0 || health.bufferedRows !== 0) return false;
  const kadmin = kafkaClient('jk-check').admin();
  await kadmin.connect();
  try {
    const names = topicNames(prefix);
    for (const topic of [names.exchanges, names.results, names.sideEffects, names.progress]) {
      const ends = await kadmin.fetchTopicOffsets(topic);
      const [committed] = await kadmin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (end.high !== '0' && c !== end.high) return false;
      }
    }
    return true;
  } finally {
    await kadmin.disconnect();
  }
}

describe('joiner service: kill -9 mid-run and restart', () => {
  it('still lands every exchange exactly once', async () => {
    const prefix = `${uniqueName('jk')}.`;
    const groupId = uniqueName('jk-group');
    const kafka = kafkaClient('jk');
    await createJoinTopics(kafka, prefix, 6);
    const serdes = await serdesFor(stack().schemaRegistryUrl, prefix);
    const chdbPath = mkdtempSync(join(tmpdir(), 'shadow-joiner-kill-'));
    const env = {
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      JOINER_GROUP_ID: groupId,
      JOINER_CHALLENGERS: `${CANDIDATE},${SECONDARY}`,
      JOINER_WINDOW_MS: '4000',
      JOINER_SIDE_EFFECT_GRACE_MS: '100',
      JOINER_BATCH_MAX_ROWS: '4000',
      JOINER_SESSION_TIMEOUT_MS: '8000',
      JOINER_BATCH_MAX_DELAY_MS: '300',
      JOINER_ADMIN_PORT: '0',
      JOINER_QUERY_PORT: '0', // tests run side by side: no fixed port
      CHDB_PATH: chdbPath,
      CLICKHOUSE_DATABASE: 'joiner',
      CLICKHOUSE_URL: '',
      LOG_LEVEL: 'info',
    };
    try {
      const ids = uniqueName('ex');
      const first = startChild(env);
      const firstAdmin = await first.admin;
      const half = await produceRun(kafka, serdes, prefix, plan, ids, 0, N / 2);
      await waitFor(
        'part of the run landed',
        () => metric(firstAdmin, 'shadow_joiner_pairs_written_total'),
        (n) => n > 3000,
        60_000,
      );
      first.proc.kill('SIGKILL');
      expect(await first.exited).toBeNull(); // killed, not exited

      const rest = await produceRun(kafka, serdes, prefix, plan, ids, N / 2, N);
      const second = startChild(env);
      const secondAdmin = await second.admin;
      await waitFor('everything committed', () => caughtUp(prefix, groupId, secondAdmin), Boolean, 80_000);
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const ch = await createClickHouse({ path: chdbPath, database: 'joiner' });
      try {
        const expected = mergeExpected(half, rest);
        const l = await landed(ch);
        expect({ pairs: sortedDiff(l.pairs, expected.pairs), unmatched: sortedDiff(l.unmatched, expected.unmatched) }).toEqual({
          pairs: { missing: [], extra: [], duplicated: 0 },
          unmatched: { missing: [], extra: [], duplicated: 0 },
        });
      } finally {
        await ch.close();
      }
    } finally {
      rmSync(chdbPath, { recursive: true, force: true });
    }
  }, 180_000); // two child processes and 10 000 exchanges on 2 shared cores: 90-110 s measured
});
