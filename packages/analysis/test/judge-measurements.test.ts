// What the judges decided, measured from the pair table on real chDB (every row landed twice,
// merges stopped) and in memory: the SQL must equal measurementsFromPairs, and both the values
// computed by hand below: agreement before the judge (a judge's equal does not count) and after it
// (pairs the judge skipped are out of the trials, errors disagree), verdicts, not_run by reason,
// cache, latency, tokens, the audits (the judge's false-difference rate on the secondary, the
// reference judge's agreement) and example reasons; then the report's judge section and the gate's
// agreementAfterJudge and judge criteria on them.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import {
  buildReport,
  createClickHouseExploreStore,
  createClickHousePairStore,
  evaluateGate,
  measurementsFromPairs,
  parseCriteria,
  renderReportText,
  wilsonInterval,
  type MeasurementQuery,
  type Measurements,
  type PairComparisonLike,
  type PairRecord,
  type PairStore,
} from '@shadow/analysis';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-judge-${process.pid}`);
// A day back from the clock, never a calendar date: the tables expire rows by landing time.
const T = Date.now() - 86_400_000;
const HOUR = 3_600_000;

type Judge = PairComparisonLike['judge'];
const NOT_NEEDED: Judge = { verdict: 'not_run' };
const judged = (verdict: Judge['verdict'], over: Partial<Judge> = {}): Judge => ({
  verdict,
  path: '$.summary',
  judgeId: 'summary',
  kind: null,
  reason: null,
  latencyMs: 0,
  cached: false,
  tokens: 0,
  audit: null,
  ...over,
});
const differs = { match: false, bodyMatch: false, diffs: [{ path: '$.summary', noisy: false }] };

function comparison(over: Partial<PairComparisonLike> = {}): PairComparisonLike {
  return {
    route: '/summary/:id',
    method: 'GET',
    match: true,
    statusMatch: true,
    statusNoisy: false,
    liveStatus: 200,
    candidateStatus: 200,
    errorMatch: true,
    liveErrorKind: null,
    candidateErrorKind: null,
    liveLatencyUs: 10_000,
    candidateLatencyUs: 12_000,
    headersMatch: true,
    headerDiffs: [],
    bodyMatch: true,
    diffs: [],
    sideEffectsMatch: true,
    sideEffectDiffs: [],
    judge: NOT_NEEDED,
    outcomes: [],
    ...over,
  };
}

const pair = (id: string, i: number, over: Partial<PairComparisonLike>): PairRecord => ({
  exchangeId: id,
  challengerId: 'cj',
  challengerName: 'summariser-v2',
  attempt: 1,
  captureTimeMs: T + i * 1000,
  version: 1,
  comparison: comparison(over),
});

const audit = (secondaryVerdict: string | null, referenceVerdict: string | null = null) => ({
  secondaryVerdict,
  referenceJudgeId: referenceVerdict === null ? null : 'careful',
  referenceVerdict,
});

const RECORDS: PairRecord[] = [
  pair('j01', 1, { judge: judged('equal', { reason: 'same facts', latencyMs: 100, tokens: 50, audit: audit('equal') }) }),
  pair('j02', 2, { judge: judged('equal', { reason: 'same facts', cached: true, audit: audit('different') }) }),
  pair('j03', 3, { ...differs, judge: judged('different', { reason: 'price changed', latencyMs: 300, tokens: 60, audit: audit(null, 'equal') }) }),
  pair('j04', 4, { ...differs, judge: judged('error', { kind: 'timeout', reason: 'timeout: 5000 ms', latencyMs: 5000 }) }),
  pair('j05', 5, { ...differs, judge: judged('not_run', { kind: 'budget', reason: 'budget' }) }),
  pair('j06', 6, { ...differs, judge: judged('not_run', { kind: 'sampled_out', reason: 'sampled_out' }) }),
  pair('j07', 7, {}),
  // The judge said equal, but the price differs too.
  pair('j08', 8, {
    match: false,
    bodyMatch: false,
    diffs: [{ path: '$.price', noisy: false }],
    judge: judged('equal', { reason: 'same facts', latencyMs: 200, tokens: 40, audit: audit('equal', 'equal') }),
  }),
  pair('j09', 9, { route: '/plain', match: false, bodyMatch: false, diffs: [{ path: '$.x', noisy: false }] }),
  // Sandbox-induced and skipped by the budget: out of agreement once, not twice.
  pair('j10', 10, {
    ...differs,
    sandboxInduced: true,
    sandboxCauses: [{ kind: 'sandbox_answer', key: 'http POST store:80/x', disposition: 'blocked', status: 503 }],
    judge: judged('not_run', { kind: 'budget', reason: 'budget' }),
  }),
];

/** A PairRecord as the joiner's pair row (packages/join/src/rows/pair-rows.ts), judge columns included. */
function pairRow(r: PairRecord): Record<string, unknown> {
  const c = r.comparison;
  const j = c.judge;
  const needed = j.verdict !== 'not_run' || (j.path ?? null) !== null;
  const diffPaths = [...(c.statusMatch ? [] : ['status']), ...c.headerDiffs.map((h) => `header:${h.name}`), ...c.diffs.map((d) => d.path)];
  const noisy = c.diffs.filter((d) => d.noisy).map((d) => d.path);
  return {
    exchange_id: r.exchangeId,
    challenger_id: r.challengerId,
    challenger_name: r.challengerName ?? '',
    challenger_role: 'candidate',
    run_id: '',
    attempt: r.attempt,
    capture_time: r.captureTimeMs,
    replay_time: r.captureTimeMs + 10,
    joined_time: T + (r.version ?? 0) * 1000,
    route: c.route,
    method: c.method,
    path: c.route,
    live_status: c.liveStatus,
    shadow_status: c.candidateStatus,
    live_latency_us: c.liveLatencyUs,
    shadow_latency_us: c.candidateLatencyUs,
    latency_delta_us: c.candidateLatencyUs - c.liveLatencyUs,
    shadow_error_kind: c.candidateErrorKind ?? '',
    status_match: c.statusMatch,
    headers_match: c.headersMatch,
    body_match: c.bodyMatch,
    side_effects_match: c.sideEffectsMatch,
    agree: c.match && diffPaths.length === 0,
    real_agree: c.match,
    diff_count: diffPaths.length,
    real_diff_count: diffPaths.length - noisy.length,
    diff_paths: diffPaths,
    noisy_paths: noisy,
    side_effects_detail: '',
    comparator: needed && j.verdict !== 'not_run' ? 'judge' : 'json',
    verdict: c.match ? 'agree' : 'disagree',
    sandbox_induced: c.sandboxInduced === true,
    sandbox_causes: (c.sandboxCauses ?? []).map((x) => `${x.kind} ${x.disposition} ${x.status} ${x.key}`),
    judge_id: needed ? (j.judgeId ?? '') : '',
    judge_path: j.path ?? '',
    judge_verdict: needed ? j.verdict : '',
    judge_kind: j.kind ?? '',
    judge_reason: j.reason ?? '',
    judge_latency_ms: j.latencyMs ?? 0,
    judge_cached: j.cached === true,
    judge_tokens: j.tokens ?? 0,
    judge_audit_secondary_verdict: j.audit?.secondaryVerdict ?? '',
    judge_audit_reference_id: j.audit?.referenceJudgeId ?? '',
    judge_audit_reference_verdict: j.audit?.referenceVerdict ?? '',
  };
}

/** Float noise in means only. */
function comparable(m: Measurements): unknown {
  const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1e6) / 1e6);
  const scope = (s: Measurements['overall']) => ({
    ...s,
    status: [...(s.status ?? [])].sort((a, b) => a.live - b.live || a.candidate - b.candidate),
    latency: {
      ...s.latency,
      live: { ...s.latency.live, meanMs: round(s.latency.live.meanMs) },
      candidate: { ...s.latency.candidate, meanMs: round(s.latency.candidate.meanMs) },
    },
  });
  return { ...m, overall: scope(m.overall), routes: m.routes.map(scope) };
}

let ch: ClickHouse;
let store: PairStore;
const database = `judge_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  await ch.client.command({ query: `SYSTEM STOP MERGES ${database}.pairs` });
  const rows = RECORDS.map(pairRow);
  for (const copy of [1, 2])
    await ch.client.insert({ table: 'pairs', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplicate: copy === 1 ? 1 : 0 } });
  store = createClickHousePairStore(ch);
});

afterAll(async () => {
  await ch?.close();
});

const QUERY: MeasurementQuery = { challengerId: 'cj', window: { fromMs: T, toMs: T + HOUR } };

describe('judge measurements (real chDB, duplicates not merged)', () => {
  it('equal measurementsFromPairs on the same records, with excluded paths, counted sandbox pairs, per route', async () => {
    for (const q of [
      QUERY,
      { ...QUERY, excludePaths: ['$.summary'] },
      { ...QUERY, includeSandboxInduced: true },
      { ...QUERY, excludePaths: ['$'] },
      { ...QUERY, countNoise: true },
    ]) {
      const sql = await store.measurements(q);
      expect(comparable(sql), JSON.stringify(q)).toEqual(comparable(measurementsFromPairs(RECORDS, q, { unmatched: {} })));
    }
  });

  it('reads the same through the read-only endpoint (its allow lists pass the judge queries)', async () => {
    await using endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
    const remote = await createClickHouse({ mode: 'server', url: endpoint.url, database, ensureDatabase: false });
    try {
      expect(comparable(await createClickHousePairStore(remote).measurements(QUERY))).toEqual(comparable(await store.measurements(QUERY)));
    } finally {
      await remote.close();
    }
  });

  it('hand-computed: before and after the judge, verdicts, skips, cache, latency, tokens, audits, reasons', async () => {
    const m = await store.measurements(QUERY);
    const o = m.overall;
    expect(o.pairs).toBe(10);
    // Before: only j07 agrees without help (j01, j02 agree thanks to the judge); j10 is sandbox-induced, out of the trials.
    expect(o.agreement).toEqual({ trials: 9, successes: 1 });
    expect(o.judge).toEqual({
      judges: ['summary'],
      needed: 8,
      equal: 3,
      different: 1,
      error: 1,
      errorKinds: { timeout: 1 },
      notRun: { budget: 2, sampled_out: 1 },
      // After: the 9 trials minus j05, j06 (skipped); j01, j02, j07 agree.
      agreement: { trials: 7, successes: 3 },
      cached: 1,
      // Not cached: 100, 200, 300, 5000 ms; quantileExact index floor(q * 4): p50 300, p90 5000.
      latency: {
        count: 4,
        quantiles: [
          { q: 0.5, value: 300 },
          { q: 0.9, value: 5000 },
        ],
      },
      tokens: 150,
      audit: { secondary: { equal: 2, different: 1, error: 0, notRun: 0 }, reference: { pairs: 2, agreed: 1 } },
      examples: [
        { verdict: 'equal', reason: 'same facts', pairs: 3, examplePairId: 'j01' },
        { verdict: 'different', reason: 'price changed', pairs: 1, examplePairId: 'j03' },
        { verdict: 'error', reason: 'timeout: 5000 ms', pairs: 1, examplePairId: 'j04' },
      ],
    });
    expect(m.routes.map((r) => [r.route, r.judge === undefined ? null : r.judge.needed])).toEqual([
      ['/plain', null],
      ['/summary/:id', 8],
    ]);
    // Excluding the judged path: its differences never counted, so the judge raises nothing: before = after on the trials.
    const excluded = await store.measurements({ ...QUERY, excludePaths: ['$.summary'] });
    expect(excluded.overall.agreement).toEqual({ trials: 10, successes: 8 });
  });

  it('the explore store (dashboard, shadow show) reads the same: before and after the judge per bucket, the judgement of a pair', async () => {
    const explore = createClickHouseExploreStore(ch);
    const series = await explore.timeSeries({ challengerId: 'cj', window: QUERY.window as { fromMs: number; toMs: number }, maxBuckets: 3 });
    const sum = (f: (p: (typeof series.points)[number]) => number) => series.points.reduce((a, p) => a + f(p), 0);
    expect([sum((p) => p.agreement.successes), sum((p) => p.agreement.trials)]).toEqual([1, 9]);
    expect([sum((p) => p.agreementAfterJudge.successes), sum((p) => p.agreementAfterJudge.trials), sum((p) => p.judgeNeeded)]).toEqual([3, 7, 8]);
    const detail = await explore.pairDetail('j03');
    expect(detail?.pairs[0]?.judge).toEqual({
      judgeId: 'summary',
      path: '$.summary',
      verdict: 'different',
      kind: null,
      reason: 'price changed',
      latencyMs: 300,
      cached: false,
      tokens: 60,
      auditSecondaryVerdict: null,
      auditReference: { judgeId: 'careful', verdict: 'equal' },
    });
    expect((await explore.pairDetail('j07'))?.pairs[0]?.judge).toBeNull();
  });

  it('the report shows the judge per scope; the gate judges agreement after the judge and the judge itself', async () => {
    const m = await store.measurements(QUERY);
    const report = buildReport(m, { skipIntervals: true });
    const j = report.overall.judge;
    expect(j).not.toBeNull();
    expect(j?.agreementAfter.estimate).toBeCloseTo(3 / 7, 10);
    expect(j?.falseDifferenceRate.estimate).toBeCloseTo(1 / 3, 10);
    expect(j?.errorRate.estimate).toBeCloseTo(1 / 5, 10);
    expect(report.routes.find((r) => r.route === '/plain')?.judge).toBeNull();
    const text = renderReportText(report);
    expect(text).toContain('Judge (overall)');
    expect(text).toMatch(/agreement after the judge 42\.86% \[/);
    expect(text).toContain('same facts');
    expect(text).toContain('budget 2');

    const gate = (yaml: string) =>
      evaluateGate(parseCriteria(['version: 1', 'sample: { minPairs: 5, routeMinPairs: 1 }', yaml].join('\n'), 'gate.yaml').criteria, m);
    // After the judge 3/7 = 0.43; before 1/9 = 0.11: the plain agreement criterion still sees 0.11.
    const after = gate('agreementAfterJudge: { min: 0.4, judgeOn: estimate }\nagreement: { min: 0.1, judgeOn: estimate }');
    expect(after.results.filter((r) => r.criterion.startsWith('agreement')).map((r) => [r.criterion, r.outcome, r.measured])).toEqual([
      ['agreement', 'pass', 1 / 9],
      ['agreementAfterJudge', 'pass', 3 / 7],
    ]);
    expect(gate('agreementAfterJudge: { min: 0.5, judgeOn: estimate }').verdict).toBe('fail');
    // On the upper Wilson bound: error rate 1/5, false differences 1/3 (n = 3).
    const judge = gate('judge: { maxErrorRate: 0.9, maxFalseDifferenceRate: 0.5, minJudged: 5 }');
    const w = wilsonInterval(1, 3, { confidence: 0.95 });
    expect(judge.results.filter((r) => r.criterion.startsWith('judge.')).map((r) => [r.criterion, r.outcome])).toEqual([
      ['judge.minJudged', 'pass'],
      ['judge.maxErrorRate', 'pass'],
      ['judge.maxFalseDifferenceRate', w.upper !== null && w.upper <= 0.5 ? 'pass' : 'fail'],
    ]);
    expect(gate('judge: { minJudged: 6 }').results.find((r) => r.criterion === 'judge.minJudged')?.outcome).toBe('insufficient');
    // A route without a judge: after = before, no judge to judge.
    const route = gate('routes:\n  /plain: { agreementAfterJudge: { min: 0.5, judgeOn: estimate }, judge: { maxErrorRate: 0.1 } }');
    expect(route.results.filter((r) => r.scope === 'GET /plain').map((r) => [r.criterion, r.outcome])).toEqual([
      ['sample.minPairs', 'pass'],
      ['agreementAfterJudge', 'fail'],
      ['judge.maxErrorRate', 'insufficient'],
    ]);
  });
});
