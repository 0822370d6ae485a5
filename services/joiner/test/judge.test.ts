// The judge wired end to end, in-process: the joiner service configured with `compare.judges` (an
// http judge, an openai-chat judge with a daily budget, one that hangs, one that answers garbage),
// the real broker, registry and chDB, and real HTTP judge servers. Each exchange lands exactly one
// pair per challenger whatever its judge did; the verdicts land in the judge_* columns; identical
// answers are judged once; the budget stops calls (not_run budget); a hanging or garbage judge is an
// error with the differences kept; /metrics counts it all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startJoinerService } from '../src/joiner-service.js';
import type { JoinerService } from '../src/joiner-service.js';
import {
  CANDIDATE,
  chatSameNumbers,
  produceExchanges,
  SECONDARY,
  sameNumbersJudge,
  startJudgeServer,
  waitFor,
  type JudgeServer,
  type Planned,
} from './judge-kit.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

interface PairRow {
  exchange_id: string;
  challenger_id: string;
  real_agree: boolean;
  comparator: string;
  score: number | null;
  diff_paths: string[];
  judge_id: string;
  judge_path: string;
  judge_verdict: string;
  judge_kind: string;
  judge_reason: string;
  judge_latency_ms: number;
  judge_cached: boolean;
  judge_tokens: number;
  judge_version: string;
  judge_audit_secondary_verdict: string;
}

async function pairs(service: JoinerService): Promise<PairRow[]> {
  const rs = await service.clickhouse.client.query({ query: 'SELECT * FROM pairs FINAL ORDER BY exchange_id, challenger_id', format: 'JSONEachRow' });
  return rs.json<PairRow>();
}

async function rawCount(service: JoinerService): Promise<number> {
  const rs = await service.clickhouse.client.query({ query: 'SELECT count() AS n FROM pairs', format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]?.n);
}

describe('joiner with compare.judges (real broker, registry, chDB, HTTP judges)', () => {
  it('lands verdicts, holds the cache, stops at the budget, and turns a hanging or garbage judge into error without losing a pair', async () => {
    const plain = await startJudgeServer(sameNumbersJudge);
    const chat = await startJudgeServer(chatSameNumbers, '/v1/chat/completions');
    const hang = await startJudgeServer(() => 'hang');
    const garbage = await startJudgeServer(() => ({ body: 'I think they are about the same.' }));
    const servers: JudgeServer[] = [plain, chat, hang, garbage];
    cleanup.push(() => Promise.all(servers.map((s) => s.close())).then(() => undefined));

    const prefix = `${uniqueName('joiner-judge')}.`;
    const run = uniqueName('jj');
    const plan: Planned[] = [];
    // /plain: the same three summaries in every exchange: one call for the verdict, one for the audit (then cached).
    for (let i = 0; i < 6; i++)
      plan.push({
        id: `${run}-plain-${i}`,
        route: 'plain',
        n: i,
        summaries: { live: 'Costs 10 euros, 3 left.', candidate: 'There are 3 left at 10 euros.', secondary: 'Price 10, 3 in stock.' },
      });
    // /chat: six different rewordings, two of which change a figure; the budget allows 4 calls.
    for (let i = 0; i < 6; i++)
      plan.push({
        id: `${run}-chat-${i}`,
        route: 'chat',
        n: i,
        summaries: {
          live: `Item ${i} costs 20 euros.`,
          candidate: i % 3 === 0 ? `Item ${i}: 25 euros.` : `For 20 euros you get item ${i}.`,
          secondary: `Item ${i} costs 20 euros.`,
        },
      });
    for (let i = 0; i < 3; i++)
      plan.push({ id: `${run}-hang-${i}`, route: 'hang', n: i, summaries: { live: `a ${i}`, candidate: `b ${i}`, secondary: `a ${i}` } });
    for (let i = 0; i < 3; i++)
      plan.push({ id: `${run}-garbage-${i}`, route: 'garbage', n: i, summaries: { live: `a ${i}`, candidate: `b ${i}`, secondary: `a ${i}` } });
    // Identical answers: no judge is needed at all.
    for (let i = 0; i < 3; i++)
      plan.push({ id: `${run}-same-${i}`, route: 'plain', n: 100 + i, summaries: { live: 'Same 1.', candidate: 'Same 1.', secondary: 'Same 1.' } });

    const compare = {
      judges: {
        plain: { type: 'http', url: plain.url, audit: { secondaryRate: 1 } },
        chat: { type: 'openai-chat', baseUrl: chat.url.replace('/chat/completions', ''), model: 'stub-model', budget: { callsPerDay: 4 } },
        hang: { type: 'http', url: hang.url, timeoutMs: 300, deadlineMs: 600, retries: { max: 0 } },
        garbage: { type: 'http', url: garbage.url, retries: { max: 0 } },
      },
      rules: ['plain', 'chat', 'hang', 'garbage'].map((id) => ({ route: `/${id}/:id`, ignorePaths: [], judge: { path: '$.summary', use: id } })),
    };
    const dir = mkdtempSync(join(tmpdir(), 'joiner-judge-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const config = loadConfig({
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      JOINER_GROUP_ID: uniqueName('joiner-judge-g'),
      JOINER_CHALLENGERS: `${CANDIDATE},${SECONDARY}`,
      JOINER_ADMIN_PORT: '0',
      JOINER_QUERY_PORT: 'off',
      JOINER_LABELS: 'off',
      JOINER_SIDE_EFFECT_GRACE_MS: '100',
      JOINER_BATCH_MAX_DELAY_MS: '200',
      JOINER_SESSION_TIMEOUT_MS: '8000',
      JOINER_COMPARE: JSON.stringify(compare),
    });
    // The longest judgement: the plain judge's default deadline (120 s) and its secondary audit's.
    expect(config.compare?.judgeTimeoutMs).toBe(241_000);
    await produceExchanges(kafkaClient(uniqueName('jj-p')), stack().schemaRegistryUrl, prefix, plan);
    const service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'db') } });
    cleanup.push(() => service.close());

    const rows = await waitFor(
      'every pair',
      () => pairs(service),
      (r) => r.length >= plan.length * 2,
      60_000,
    );
    // Exactly one pair per (exchange, challenger), before and after FINAL: nothing lost, nothing doubled.
    expect(rows.map((r) => `${r.exchange_id}/${r.challenger_id}`).sort()).toEqual(plan.flatMap((p) => [`${p.id}/${CANDIDATE}`, `${p.id}/${SECONDARY}`]).sort());
    expect(await rawCount(service)).toBe(plan.length * 2);
    const cand = (id: string) => rows.find((r) => r.exchange_id === id && r.challenger_id === CANDIDATE) as PairRow;
    // Secondaries are never judged.
    expect(rows.filter((r) => r.challenger_id === SECONDARY).every((r) => r.judge_verdict === '')).toBe(true);

    // plain: equal, the summary difference dropped; one call for the verdict and one for the audit.
    for (let i = 0; i < 6; i++) {
      expect(cand(`${run}-plain-${i}`)).toMatchObject({
        judge_id: 'plain',
        judge_path: '$.summary',
        judge_verdict: 'equal',
        judge_reason: 'same figures',
        score: 1,
        real_agree: true,
        comparator: 'judge',
        judge_audit_secondary_verdict: 'equal',
      });
      expect(cand(`${run}-plain-${i}`).judge_version).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(plain.received).toHaveLength(2);
    expect(rows.filter((r) => r.judge_id === 'plain' && r.judge_cached)).toHaveLength(5);
    expect(plain.received.some((r) => r.body.candidate.value === 'Price 10, 3 in stock.')).toBe(true); // the audit: live vs the secondary

    // chat: 4 calls, the other two not_run budget with their difference kept.
    const chatRows = plan.filter((p) => p.route === 'chat').map((p) => cand(p.id));
    expect(chat.received).toHaveLength(4);
    const judged = chatRows.filter((r) => r.judge_verdict === 'equal' || r.judge_verdict === 'different');
    expect(judged).toHaveLength(4);
    for (const r of judged) {
      expect(r.judge_tokens).toBe(92);
      expect(r.real_agree).toBe(r.judge_verdict === 'equal');
      const n = Number(r.exchange_id.slice(r.exchange_id.lastIndexOf('-') + 1));
      expect(r.judge_verdict).toBe(n % 3 === 0 ? 'different' : 'equal');
    }
    const spent = chatRows.filter((r) => r.judge_verdict === 'not_run');
    expect(spent).toHaveLength(2);
    for (const r of spent)
      expect(r).toMatchObject({ judge_kind: 'budget', judge_reason: 'budget', real_agree: false, diff_paths: ['$.summary'], comparator: 'json' });

    // hang: a timeout after 300 ms, an error; garbage: bad_answer; differences kept, pairs landed.
    for (let i = 0; i < 3; i++) {
      expect(cand(`${run}-hang-${i}`)).toMatchObject({ judge_verdict: 'error', judge_kind: 'timeout', real_agree: false, diff_paths: ['$.summary'] });
      expect(cand(`${run}-hang-${i}`).judge_latency_ms).toBeGreaterThanOrEqual(300);
      expect(cand(`${run}-garbage-${i}`)).toMatchObject({ judge_verdict: 'error', judge_kind: 'bad_answer', real_agree: false });
      expect(cand(`${run}-garbage-${i}`).judge_reason).toMatch(/^bad_answer: /);
      expect(cand(`${run}-same-${i}`)).toMatchObject({ judge_verdict: '', judge_id: '', real_agree: true });
    }

    const metrics = await (await fetch(`http://127.0.0.1:${service.adminAddress.port}/metrics`)).text();
    const value = (pattern: RegExp): number => Number(pattern.exec(metrics)?.[1] ?? NaN);
    expect(value(/^shadow_joiner_judgements_total\{judge="plain",role="primary",verdict="equal",kind="",cached="true"\} (\d+)$/m)).toBe(5);
    expect(value(/^shadow_joiner_judgements_total\{judge="chat",role="primary",verdict="not_run",kind="budget",cached="false"\} (\d+)$/m)).toBe(2);
    expect(value(/^shadow_joiner_judgements_total\{judge="hang",role="primary",verdict="error",kind="timeout",cached="false"\} (\d+)$/m)).toBe(3);
    expect(value(/^shadow_joiner_judge_calls_total\{judge="hang",status_class="none",outcome="error"\} (\d+)$/m)).toBe(3);
    expect(value(/^shadow_joiner_judge_calls_total\{judge="chat",status_class="2xx",outcome="ok"\} (\d+)$/m)).toBe(4);
    expect(value(/^shadow_joiner_judge_tokens_total\{judge="chat"\} (\d+)$/m)).toBe(4 * 92);
    expect(value(/^shadow_joiner_judge_budget_remaining\{judge="chat",limit="calls"\} (\d+)$/m)).toBe(0);
    expect(metrics).toMatch(/^shadow_joiner_judgement_duration_seconds_count\{judge="plain",role="primary"\} 1$/m);
  }, 120_000);
});
