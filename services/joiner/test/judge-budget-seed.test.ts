// A restart does not grant a judge a second daily budget: at start the joiner seeds each judge's
// spend of the current UTC day from the pairs already landed (real chDB, rows stored twice as a
// re-delivered batch lands): one call per distinct judged pair that was not cached, and its
// tokens. Yesterday's pairs, cached verdicts, skipped pairs and other judges do not count.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import { createJudges, resolveJudgeConfigOrThrow } from '@shadow/judge';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { seedJudgeBudgets } from '../src/judges/judges.js';

const dir = mkdtempSync(join(tmpdir(), 'joiner-budget-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

describe('seedJudgeBudgets (real chDB)', () => {
  it("restores today's calls and tokens per judge from the landed pairs, so the budget stops at the same total", async () => {
    const ch = await createClickHouse({ mode: 'embedded', path: join(dir, 'db'), database: `seed_${randomUUID().replaceAll('-', '')}`, ensureDatabase: true });
    try {
      await migrate(ch, SCHEMA_MIGRATIONS);
      const now = Date.now();
      const today = Math.floor(now / DAY) * DAY;
      const row = (id: string, judge: string, verdict: string, over: Record<string, unknown> = {}) => ({
        exchange_id: id,
        challenger_id: 'cand',
        run_id: '',
        attempt: 1,
        capture_time: now - 3_600_000,
        joined_time: Math.max(today, now - 60_000),
        route: '/s',
        method: 'GET',
        judge_id: judge,
        judge_verdict: verdict,
        judge_tokens: 100,
        judge_cached: false,
        ...over,
      });
      const rows = [
        row('a', 'summary', 'equal'),
        row('b', 'summary', 'different'),
        row('c', 'summary', 'error', { judge_tokens: 0 }),
        row('d', 'summary', 'equal', { judge_cached: true, judge_tokens: 0 }), // no call
        row('e', 'summary', 'not_run', { judge_tokens: 0 }), // no call
        row('f', 'summary', 'equal', { joined_time: today - 60_000, capture_time: today - 7_200_000 }), // yesterday
        row('g', 'ranker', 'equal'),
      ];
      // Twice: a re-delivered batch is still one judged pair.
      for (let copy = 0; copy < 2; copy++)
        await ch.client.insert({ table: 'pairs', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplicate: 0 } });

      const judges = createJudges(
        resolveJudgeConfigOrThrow({
          summary: { type: 'http', url: 'http://127.0.0.1:1/judge', budget: { callsPerDay: 5, tokensPerDay: 1000 } },
          ranker: { type: 'http', url: 'http://127.0.0.1:1/judge' }, // no limit: not read
          spare: { type: 'http', url: 'http://127.0.0.1:1/judge', budget: { callsPerDay: 5 } }, // nothing landed
        }),
      );
      try {
        await seedJudgeBudgets(ch, judges, pino({ level: 'silent' }), now);
        expect(judges.get('summary').usage()).toMatchObject({ calls: 3, tokens: 200, callsPerDay: 5 });
        expect(judges.get('ranker').usage()).toMatchObject({ calls: 0, tokens: 0 });
        expect(judges.get('spare').usage()).toMatchObject({ calls: 0 });
      } finally {
        await judges.close();
      }
    } finally {
      await ch.close();
    }
  });
});
