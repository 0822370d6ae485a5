// What the demo (and anyone curious) prints per route: how many pairs, how often the challenger
// agreed with live (raw, and after discounting noise), and the paths that differ most, each marked
// noise or real. Reads with FINAL so re-delivered rows that are not merged yet count once.
import type { ClickHouse } from '@shadow/clickhouse';

export interface RouteSummaryFilter {
  /** Only this challenger. @default every candidate (secondaries are the noise baseline, not compared) */
  readonly challengerId?: string;
  /** Only this run ('' = live shadowing). @default every run */
  readonly runId?: string;
  readonly service?: string;
  /** Capture time window, epoch ms. */
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Differing paths listed per route. @default 5 */
  readonly topPaths?: number;
}

export interface DifferingPath {
  readonly path: string;
  /** Pairs of this route where the path differs. */
  readonly pairs: number;
  /** Share of them where it was judged noise (also differs between live and the secondary). */
  readonly noisyShare: number;
  /** True when most occurrences are noise. */
  readonly noise: boolean;
}

export interface RouteSummary {
  readonly route: string;
  readonly pairs: number;
  /** Pairs where everything matched. */
  readonly agreed: number;
  /** agreed / pairs. */
  readonly agreement: number;
  /** Pairs whose only differences are noise. */
  readonly realAgreed: number;
  readonly realAgreement: number;
  readonly topDifferingPaths: readonly DifferingPath[];
}

const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

function where(f: RouteSummaryFilter): string {
  const c: string[] = [];
  c.push(f.challengerId === undefined ? `challenger_role != 'secondary'` : `challenger_id = ${quote(f.challengerId)}`);
  if (f.runId !== undefined) c.push(`run_id = ${quote(f.runId)}`);
  if (f.sinceMs !== undefined) c.push(`capture_time >= fromUnixTimestamp64Milli(${Math.trunc(f.sinceMs)})`);
  if (f.untilMs !== undefined) c.push(`capture_time < fromUnixTimestamp64Milli(${Math.trunc(f.untilMs)})`);
  return c.join(' AND ');
}

export async function summarizeByRoute(clickhouse: ClickHouse, filter: RouteSummaryFilter = {}): Promise<RouteSummary[]> {
  const top = filter.topPaths ?? 5;
  const pairWhere = where(filter) + (filter.service === undefined ? '' : ` AND service = ${quote(filter.service)}`);
  const totals = await (
    await clickhouse.client.query({
      query: `SELECT route, count() AS pairs, countIf(agree) AS agreed, countIf(real_agree) AS real_agreed
            FROM pairs FINAL WHERE ${pairWhere} GROUP BY route ORDER BY pairs DESC, route`,
      format: 'JSONEachRow',
    })
  ).json<{ route: string; pairs: string; agreed: string; real_agreed: string }>();
  // pair_diffs has no service column; the route filter through pairs keeps the two consistent.
  const diffWhere =
    where(filter) + (filter.service === undefined ? '' : ` AND route IN (SELECT DISTINCT route FROM pairs WHERE service = ${quote(filter.service)})`);
  const paths = await (
    await clickhouse.client.query({
      query: `SELECT route, diff_path, count() AS n, countIf(noisy) AS noisy
            FROM pair_diffs FINAL WHERE ${diffWhere}
            GROUP BY route, diff_path ORDER BY route, n DESC, diff_path LIMIT ${Math.max(0, Math.trunc(top))} BY route`,
      format: 'JSONEachRow',
    })
  ).json<{ route: string; diff_path: string; n: string; noisy: string }>();
  const byRoute = new Map<string, DifferingPath[]>();
  for (const p of paths) {
    const n = Number(p.n);
    const share = n === 0 ? 0 : Number(p.noisy) / n;
    const list = byRoute.get(p.route) ?? [];
    list.push({ path: p.diff_path, pairs: n, noisyShare: share, noise: share > 0.5 });
    byRoute.set(p.route, list);
  }
  return totals.map((t) => {
    const pairs = Number(t.pairs);
    const agreed = Number(t.agreed);
    const realAgreed = Number(t.real_agreed);
    return {
      route: t.route,
      pairs,
      agreed,
      agreement: pairs === 0 ? 0 : agreed / pairs,
      realAgreed,
      realAgreement: pairs === 0 ? 0 : realAgreed / pairs,
      topDifferingPaths: byRoute.get(t.route) ?? [],
    };
  });
}

/** Plain-text rendering for the demo: one block per route. */
export function formatRouteSummary(summaries: readonly RouteSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    lines.push(`${s.route}  pairs=${s.pairs}  agreement=${(s.agreement * 100).toFixed(1)}%  after noise=${(s.realAgreement * 100).toFixed(1)}%`);
    for (const p of s.topDifferingPaths) {
      lines.push(`    ${p.path}  differs in ${p.pairs}  ${p.noise ? `noise (${(p.noisyShare * 100).toFixed(0)}% flagged)` : 'REAL'}`);
    }
  }
  return lines.join('\n');
}
