// The dashboard's read queries (@shadow/analysis createClickHouseExploreStore) against real chDB and
// the real schema, with pairs the joiner's own row builder made: every row landed twice with merges
// stopped, so each answer must already be de-duplicated. The time series must add up to the
// report's overall numbers; the pair detail must show what the comparer found. The same answers
// through the joiner's read-only endpoint (embedded mode: how other processes read).
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';
import { buildReport, createClickHouseExploreStore, createClickHousePairStore, reportQueryFor } from '@shadow/analysis';
import type { ExploreStore } from '@shadow/analysis';
import type { Seeded } from './seed-pairs.js';
import { buildScenario, CANDIDATE, landRows, SECONDARY } from './seed-pairs.js';

const CHDB_PATH = join(tmpdir(), `shadow-dashboard-explore-${process.pid}`);
const database = `explore_${randomUUID().replaceAll('-', '')}`;
let ch: ClickHouse;
let explore: ExploreStore;
let seeded: Seeded;
let window: { fromMs: number; toMs: number };

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  for (const t of ['pairs', 'pair_diffs', 'unmatched']) await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.${t}` });
  seeded = buildScenario(90);
  // Twice, as a re-delivered batch lands: every answer below must count each pair once.
  await landRows(ch, seeded.rows);
  await landRows(ch, seeded.rows);
  explore = createClickHouseExploreStore(ch);
  window = { fromMs: seeded.fromMs - 1000, toMs: Date.now() };
});

afterAll(async () => {
  await ch?.close();
});

describe('createClickHouseExploreStore (real chDB, every row landed twice)', () => {
  it('lists both challengers with their roles and distinct pair counts', async () => {
    const list = await explore.challengers({ window });
    const candidatePairs = seeded.rows.pairs.filter((p) => p.challenger_id === CANDIDATE).length;
    const secondaryPairs = seeded.rows.pairs.filter((p) => p.challenger_id === SECONDARY).length;
    expect(list.map((c) => [c.challengerId, c.role, c.pairs])).toEqual([
      [CANDIDATE, 'candidate', candidatePairs],
      [SECONDARY, 'secondary', secondaryPairs],
    ]);
    expect(secondaryPairs).toBeLessThan(candidatePairs);
    expect(list[0]?.lastJoinedMs).toBeGreaterThan(window.fromMs);
  });

  it('the time series adds up to the report: pairs, agreement and errors per bucket sum to overall', async () => {
    const store = createClickHousePairStore(ch);
    const report = buildReport(await store.measurements(reportQueryFor({ challengerId: CANDIDATE, window })), { skipIntervals: true });
    const series = await explore.timeSeries({ challengerId: CANDIDATE, window, maxBuckets: 30 });
    expect(series.points.length).toBeGreaterThan(5);
    expect(series.points.length).toBeLessThanOrEqual(31);
    const sum = (f: (p: (typeof series.points)[number]) => number) => series.points.reduce((s, p) => s + f(p), 0);
    expect(sum((p) => p.pairs)).toBe(report.overall.pairs);
    expect(sum((p) => p.agreement.successes)).toBe(report.overall.agreement.successes);
    expect(sum((p) => p.liveErrors)).toBe(report.overall.errors.live.successes);
    expect(sum((p) => p.candidateErrors)).toBe(report.overall.errors.candidate.successes);
    for (const p of series.points.filter((x) => x.pairs > 0)) {
      expect(p.agreement.lower).toBeLessThanOrEqual(p.agreement.estimate as number);
      expect(p.agreement.upper).toBeGreaterThanOrEqual(p.agreement.estimate as number);
      expect(p.candidateP99Ms ?? 0).toBeGreaterThanOrEqual(p.candidateP50Ms ?? 0);
    }
    // Buckets are a round width and consecutive (gaps kept as empty buckets).
    for (let i = 1; i < series.points.length; i++) expect((series.points[i]?.startMs ?? 0) - (series.points[i - 1]?.startMs ?? 0)).toBe(series.bucketMs);
  });

  it('lists differing pairs newest first, by route and by path, with paging', async () => {
    const differing = await explore.pairs({ challengerId: CANDIDATE, window, pageSize: 500 });
    const expected = seeded.exchanges
      .filter((e) => e.differs)
      .map((e) => e.id)
      .sort();
    expect(differing.items.map((p) => p.exchangeId).sort()).toEqual(expected);
    expect(differing.items.every((p) => !p.agrees && p.bodiesKept)).toBe(true);
    const times = differing.items.map((p) => p.captureMs);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const currency = await explore.pairs({ challengerId: CANDIDATE, window, path: '$.currency', pageSize: 500 });
    expect(currency.items.length).toBeGreaterThan(0);
    expect(currency.items.every((p) => p.route === '/quote/:sku' && p.method === 'GET')).toBe(true);
    const orders = await explore.pairs({ challengerId: CANDIDATE, window, route: { method: 'POST', route: '/orders' }, filter: 'all', pageSize: 500 });
    expect(orders.items.length).toBe(seeded.exchanges.filter((e) => e.route === 'POST /orders').length);
    const health = await explore.pairs({ challengerId: CANDIDATE, window, route: { method: 'GET', route: '/health' }, filter: 'agreeing', pageSize: 500 });
    expect(health.items.length).toBeGreaterThan(0);
    expect(health.items.every((p) => p.agrees && !p.bodiesKept && p.realDiffs === 0 && p.noisyDiffs === 0)).toBe(true);

    const page0 = await explore.pairs({ challengerId: CANDIDATE, window, filter: 'all', pageSize: 10 });
    const page1 = await explore.pairs({ challengerId: CANDIDATE, window, filter: 'all', pageSize: 10, page: 1 });
    expect(page0.more).toBe(true);
    expect(page0.items).toHaveLength(10);
    expect(page1.items.map((p) => p.exchangeId)).not.toContain(page0.items[0]?.exchangeId);
  });

  it('reads one exchange: both challengers side by side, real and noisy paths, kept bodies, side effects', async () => {
    const quote = seeded.rows.pairs.find((p) => p.challenger_id === CANDIDATE && p.diff_paths.includes('$.currency') && p.shadow_error_kind === '');
    expect(quote).toBeDefined();
    const detail = await explore.pairDetail(quote?.exchange_id as string);
    expect(detail?.exchange).toMatchObject({ method: 'GET', route: '/quote/:sku', service: 'pricing' });
    expect(detail?.pairs.map((p) => [p.challengerId, p.role])).toEqual([
      [CANDIDATE, 'candidate'],
      [SECONDARY, 'secondary'],
    ]);
    const cand = detail?.pairs[0];
    const byPath = new Map(cand?.differences.map((d) => [d.path, d]));
    expect(byPath.get('$.currency')).toMatchObject({ kind: 'extra_in_candidate', noise: false, candidateValue: '"EUR"' });
    expect(byPath.get('$.total')).toMatchObject({ kind: 'value_changed', noise: false });
    expect(byPath.get('$.quoteId')).toMatchObject({ noise: true });
    expect(byPath.get('header:x-request-id')).toMatchObject({ noise: true });
    expect(byPath.get('header:x-version')).toMatchObject({
      noise: false,
      liveValue: expect.stringContaining('1.4.0'),
      candidateValue: expect.stringContaining('1.5.0'),
    });
    expect(cand?.bodiesKept).toBe(true);
    expect(JSON.parse(cand?.candidate.body.text ?? '')).toMatchObject({ currency: 'EUR' });
    expect(cand?.live.body.cut).toBe(false);

    const order = seeded.rows.pairs.find((p) => p.challenger_id === CANDIDATE && p.side_effects_extra > 0 && p.shadow_error_kind === '');
    const withEffect = await explore.pairDetail(order?.exchange_id as string);
    expect(withEffect?.pairs[0]?.sideEffects.differences).toEqual([
      expect.objectContaining({ direction: 'candidate-only', method: 'POST', target: 'payments:443', noise: false }),
    ]);
  });

  it('says what did not pair, keeps agreeing bodies out, and tells unknown and malformed ids apart', async () => {
    const missing = seeded.rows.unmatched.find((u) => u.challenger_id === SECONDARY);
    const detail = await explore.pairDetail(missing?.exchange_id as string);
    expect(detail?.unmatched).toEqual([expect.objectContaining({ challengerId: SECONDARY, reason: 'no_result', hasLive: true })]);

    const agreeing = seeded.rows.pairs.find((p) => p.challenger_id === CANDIDATE && p.real_agree && !p.bodies_kept);
    const plain = await explore.pairDetail(agreeing?.exchange_id as string);
    expect(plain?.pairs[0]).toMatchObject({ bodiesKept: false, live: { body: { text: null } }, candidate: { body: { text: null } } });
    expect(plain?.pairs[0]?.live.body.size).toBeGreaterThan(0);

    expect(await explore.pairDetail(randomUUID())).toBeNull();
    // An id is a parameter, never SQL: a quote in it finds nothing rather than failing.
    expect(await explore.pairDetail("x'OR'1'='1")).toBeNull();
    await expect(explore.pairDetail('has space')).rejects.toMatchObject({ code: 'ANALYSIS_INVALID_ARGUMENT' });
    await expect(explore.pairDetail('x'.repeat(129))).rejects.toMatchObject({ code: 'ANALYSIS_INVALID_ARGUMENT' });
  });

  it('gives the same answers through the read-only endpoint (how the dashboard reads a joiner-owned chDB)', async () => {
    await using endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
    const remote = await createClickHouse({ mode: 'server', url: endpoint.url, database, ensureDatabase: false });
    try {
      const viaEndpoint = createClickHouseExploreStore(remote);
      expect(await viaEndpoint.challengers({ window })).toEqual(await explore.challengers({ window }));
      expect(await viaEndpoint.timeSeries({ challengerId: CANDIDATE, window })).toEqual(await explore.timeSeries({ challengerId: CANDIDATE, window }));
      expect(await viaEndpoint.pairs({ challengerId: CANDIDATE, window, path: '$.total' })).toEqual(
        await explore.pairs({ challengerId: CANDIDATE, window, path: '$.total' }),
      );
      const id = seeded.exchanges.find((e) => e.differs)?.id as string;
      expect(await viaEndpoint.pairDetail(id)).toEqual(await explore.pairDetail(id));
    } finally {
      await remote.close();
    }
  });
});
