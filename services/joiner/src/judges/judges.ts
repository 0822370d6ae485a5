// The judges of `compare.judges` (docs/judge.md), made once at start-up: @shadow/judge's judges as
// @shadow/compare's judge functions by id, their events as metrics, and today's budget seeded from
// what already landed, so a restart does not grant a second daily budget.
import type { ClickHouse } from '@shadow/clickhouse';
import type { CompareOptions, JudgeFn } from '@shadow/compare';
import { createJudges } from '@shadow/judge';
import type { JudgeConfig, JudgeEventListener, Judges } from '@shadow/judge';
import type { Logger } from 'pino';

export interface JoinerJudges {
  readonly judges: Judges;
  /** compare's `judges` option: each configured judge's asJudgeFn() by id. */
  readonly fns: Readonly<Record<string, JudgeFn>>;
  /** Each judge's configuration version (stored as judge_version). */
  readonly versions: Readonly<Record<string, string>>;
}

export function createJoinerJudges(config: JudgeConfig, onEvent: JudgeEventListener): JoinerJudges {
  const judges = createJudges(config, { onEvent });
  const fns: Record<string, JudgeFn> = {};
  const versions: Record<string, string> = {};
  for (const id of judges.ids) {
    const judge = judges.get(id);
    fns[id] = judge.asJudgeFn();
    versions[id] = judge.configVersion;
  }
  return { judges, fns: Object.freeze(fns), versions: Object.freeze(versions) };
}

/** compare's options with the judges plugged in (rules name them by `judge.use`). */
export function withJudges(options: CompareOptions, judges: JoinerJudges | undefined): CompareOptions {
  return judges === undefined ? options : { ...options, judges: judges.fns };
}

const DAY_MS = 86_400_000;

/**
 * Seeds each judge's spend of the current UTC day from the pairs already landed: one call per
 * distinct judged pair that was not cached (equal, different or error), and the tokens it
 * recorded. A lower bound: retries and audits are calls too, and are not on the pair row; so the
 * budget may still allow a little more than configured after a restart, never less.
 */
export async function seedJudgeBudgets(clickhouse: Pick<ClickHouse, 'client'>, judges: Judges, logger: Logger, now = Date.now()): Promise<void> {
  const ids = judges.ids.filter((id) => {
    const u = judges.get(id).usage();
    return u.callsPerDay !== null || u.tokensPerDay !== null;
  });
  if (ids.length === 0) return;
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const day = new Date(dayStart).toISOString().slice(0, 10);
  try {
    const rs = await clickhouse.client.query({
      query: `SELECT judge_id, count() AS calls, sum(tokens) AS tokens FROM (
          SELECT judge_id, min(judge_tokens) AS tokens FROM pairs
          WHERE joined_time >= fromUnixTimestamp64Milli({dayStart:Int64}, 'UTC') AND has({ids:Array(String)}, judge_id)
            AND judge_verdict IN ('equal', 'different', 'error') AND NOT judge_cached
          GROUP BY judge_id, run_id, exchange_id, challenger_id)
        GROUP BY judge_id`,
      query_params: { dayStart, ids },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<{ judge_id: string; calls: string | number; tokens: string | number }>()) {
      judges.get(r.judge_id).restoreUsage({ day, calls: Number(r.calls), tokens: Number(r.tokens) });
      logger.info({ judge: r.judge_id, day, calls: Number(r.calls), tokens: Number(r.tokens) }, 'judge budget seeded from the pairs landed today');
    }
  } catch (err) {
    // A restart then grants a fresh budget for today: logged, not fatal (the joiner must run).
    logger.warn({ err }, "could not read today's judge spend from ClickHouse; the judges' daily budgets start from zero");
  }
}
