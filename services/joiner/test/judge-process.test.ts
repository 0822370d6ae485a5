// The judge and the joiner process: a bad `compare.judges` stops the built service with exit 2
// naming every bad field (a missing secret by its variable, never a value); and a joiner killed
// with SIGKILL while judgements are in flight, then restarted, lands each pair once with the same
// sampling decision in every copy (the sample is a hash of the exchange id, not a coin toss).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClickHouse } from '@shadow/clickhouse';
import { samplingPointOf, topicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { CANDIDATE, produceExchanges, SECONDARY, startJudgeServer, waitFor, type Planned } from './judge-kit.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('joiner process: compare.judges at start-up', () => {
  // Runs services/joiner/dist (build it first: pnpm --filter @shadow/joiner build), as an operator does.
  it('exits 2 naming each bad judge field and the missing variable, from the built service', () => {
    const compare = {
      judges: {
        summary: {
          type: 'openai-chat',
          baseUrl: 'http://127.0.0.1:1/v1',
          model: 'm',
          apiKeyEnv: 'SUMMARY_JUDGE_KEY',
          prompt: 'Compare {{live}} and {{answer}}',
        },
        ranker: { type: 'http', url: 'http://user:pw@127.0.0.1:1/judge' },
        hasty: { type: 'http', url: 'http://127.0.0.1:1/judge', timeoutMs: 5000, deadlineMs: 1000 },
      },
      rules: [{ route: '/s', judge: { path: '$.summary', use: 'summary' } }],
    };
    const r = spawnSync(process.execPath, ['services/joiner/dist/main.js'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: '127.0.0.1:9092',
        SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
        JOINER_CHALLENGERS: 'c1',
        JOINER_COMPARE: JSON.stringify(compare),
      },
    });
    expect(r.status).toBe(2);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toContain('JOINER_COMPARE (compare.judges.summary.apiKeyEnv): environment variable SUMMARY_JUDGE_KEY is not set');
    expect(out).toContain('JOINER_COMPARE (compare.judges.summary.prompt): unknown placeholder {{answer}}');
    expect(out).toContain('JOINER_COMPARE (compare.judges.summary.prompt): the template must contain {{candidate}}');
    expect(out).toContain('JOINER_COMPARE (compare.judges.ranker.url): must be an http:// or https:// URL without credentials or fragment');
    expect(out).toContain('JOINER_COMPARE (compare.judges.hasty.deadlineMs): must be >= timeoutMs (5000), got 1000');
    expect(out).not.toMatch(/joiner started|Error: /);
  }, 60_000);
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
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const admin = new Promise<string>((resolveAdmin, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('joiner started')) resolveAdmin((JSON.parse(line) as { admin: string }).admin);
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

async function committedAll(prefix: string, groupId: string, admin: string): Promise<boolean> {
  const health = (await (await fetch(`http://${admin}/healthz`)).json()) as { openEntries: number; bufferedRows: number; judging: number };
  if (health.openEntries !== 0 || health.bufferedRows !== 0 || health.judging !== 0) return false;
  const kadmin = kafkaClient('jjp-check').admin();
  await kadmin.connect();
  try {
    const names = topicNames(prefix);
    for (const topic of [names.exchanges, names.results]) {
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

describe('joiner process: kill -9 while judging, then restart', () => {
  it('lands every pair once, each copy with the same sampling decision', async () => {
    // A slow judge (150 ms a call, 4 at once): a kill finds judgements in flight.
    await using slow = await startJudgeServer(() => ({ body: { verdict: 'equal', reason: 'same' }, delayMs: 150 }));
    const prefix = `${uniqueName('jjp')}.`;
    const groupId = uniqueName('jjp-group');
    const run = uniqueName('jjp');
    const plan: Planned[] = Array.from({ length: 240 }, (_, i) => ({
      id: `${run}-${i}`,
      route: 'slow',
      n: i,
      summaries: { live: `Live text ${i}.`, candidate: `Candidate text ${i}.`, secondary: `Live text ${i}.` },
    }));
    await produceExchanges(kafkaClient(uniqueName('jjp-p')), stack().schemaRegistryUrl, prefix, plan);
    const chdbPath = mkdtempSync(join(tmpdir(), 'shadow-joiner-judge-kill-'));
    const env = {
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      JOINER_GROUP_ID: groupId,
      JOINER_CHALLENGERS: `${CANDIDATE},${SECONDARY}`,
      JOINER_SIDE_EFFECT_GRACE_MS: '100',
      JOINER_BATCH_MAX_DELAY_MS: '200',
      JOINER_BATCH_MAX_ROWS: '50',
      JOINER_SESSION_TIMEOUT_MS: '8000',
      JOINER_ADMIN_PORT: '0',
      JOINER_QUERY_PORT: 'off',
      JOINER_LABELS: 'off',
      CHDB_PATH: chdbPath,
      CLICKHOUSE_DATABASE: 'joiner',
      CLICKHOUSE_URL: '',
      LOG_LEVEL: 'info',
      JOINER_COMPARE: JSON.stringify({
        judges: { slow: { type: 'http', url: slow.url, sampleRate: 0.5, concurrency: 4, cache: { maxEntries: 0 } } },
        rules: [{ route: '/slow/:id', judge: { path: '$.summary' } }],
      }),
    };
    try {
      const first = startChild(env);
      const firstAdmin = await first.admin;
      await waitFor(
        'part of the run landed',
        () => metric(firstAdmin, 'shadow_joiner_pairs_written_total'),
        (n) => n >= 100,
        60_000,
      );
      first.proc.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const callsBefore = slow.received.length;

      const second = startChild(env);
      const secondAdmin = await second.admin;
      await waitFor('everything committed', () => committedAll(prefix, groupId, secondAdmin), Boolean, 90_000);
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      // The first process judged part of the run, the second the rest (and what the first had not landed).
      expect(callsBefore).toBeGreaterThan(0);
      expect(slow.received.length).toBeGreaterThan(callsBefore);

      const ch = await createClickHouse({ path: chdbPath, database: 'joiner' });
      try {
        const rows = async <T>(query: string): Promise<T[]> => (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
        const final = await rows<{ k: string }>("SELECT concat(exchange_id, '/', challenger_id) AS k FROM pairs FINAL");
        const want = plan.flatMap((p) => [`${p.id}/${CANDIDATE}`, `${p.id}/${SECONDARY}`]).sort();
        expect(final.map((r) => r.k).sort()).toEqual(want);
        // Every physical copy (re-delivered ones too, until a merge) decided the sample alike, and as the hash says.
        const copies = await rows<{ exchange_id: string; judge_verdict: string; judge_kind: string }>(
          `SELECT exchange_id, judge_verdict, judge_kind FROM pairs WHERE challenger_id = '${CANDIDATE}'`,
        );
        expect(copies.length).toBeGreaterThanOrEqual(plan.length);
        const wrong = copies.filter((c) => {
          const sampled = samplingPointOf(`slow\u0000judge\u0000${c.exchange_id}`) < 0.5;
          return sampled ? c.judge_verdict !== 'equal' : !(c.judge_verdict === 'not_run' && c.judge_kind === 'sampled_out');
        });
        expect(wrong).toEqual([]);
        const judged = copies.filter((c) => c.judge_verdict === 'equal').length;
        expect(judged).toBeGreaterThan(plan.length * 0.3);
        expect(judged).toBeLessThan(copies.length * 0.7);
      } finally {
        await ch.close();
      }
    } finally {
      rmSync(chdbPath, { recursive: true, force: true });
    }
  }, 180_000);
});
