// Judging the judge (the secondary's answer judged against live's, a reference judge on a sample)
// and the judge plugged into @shadow/compare's comparePairAsync, against real HTTP judges.
import { comparePairAsync, resolveCompareConfig, type AnswerInput } from '@shadow/compare';
import { describe, expect, it } from 'vitest';
import { makeJudges, pair, side } from './support/judges.js';
import { startJudgeServer, tableJudge } from './support/servers.js';

describe('judging the judge', () => {
  it('judges the secondary against live on a sample: the judge should say equal, a `different` is its false difference', async () => {
    // This judge calls anything that is not word-for-word "Paris." different: a strict judge.
    await using server = await startJudgeServer((r) => ({ body: { verdict: r.body.candidate.value === 'Paris.' ? 'equal' : 'different', reason: 'strict' } }));
    await using judges = makeJudges({ strict: { type: 'http', url: server.url, audit: { secondaryRate: 1 } } });
    const result = await judges.get('strict').judge(pair('Paris.', 'It is Paris.', { secondary: side('Paris, France.') }));
    expect(result).toMatchObject({
      verdict: 'different',
      audit: { reference: null, secondary: { judgeId: 'strict', verdict: 'different', reason: 'strict' } },
    });
    // The audit is live vs the secondary, sent as the candidate, without a secondary of its own.
    const audit = server.received.find((r) => r.body.candidate.value === 'Paris, France.');
    expect(audit?.body.live.value).toBe('Paris.');
    expect(audit?.body).not.toHaveProperty('secondary');
    const roles = judges.events.filter((e) => e.type === 'judgement').map((e) => e.role);
    expect(roles.sort()).toEqual(['audit_secondary', 'primary']);

    // A secondary identical to live tells nothing about the judge: no call, not_run identical.
    const before = server.received.length;
    const same = await judges.get('strict').judge(pair('Paris.', 'Paris is it.', { secondary: side('Paris.') }));
    expect(same.audit?.secondary).toMatchObject({ verdict: 'not_run', reason: 'identical' });
    expect(server.received.length).toBe(before + 1);
  });

  it('runs a reference judge on the sampled pairs (only), so the two can be compared', async () => {
    await using cheap = await startJudgeServer(() => ({ body: { verdict: 'different', reason: 'cheap says different' } }));
    await using careful = await startJudgeServer(() => ({ body: { verdict: 'equal', reason: 'careful says equal' } }));
    await using judges = makeJudges({
      cheap: { type: 'http', url: cheap.url, audit: { judge: 'careful', judgeRate: 0.5 } },
      careful: { type: 'http', url: careful.url },
    });
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await judges.get('cheap').judge(pair('a', `b${i}`)));
    const audited = results.filter((r) => r.audit?.reference !== null && r.audit !== null);
    expect(audited.length).toBeGreaterThan(5);
    expect(audited.length).toBeLessThan(35);
    expect(careful.received).toHaveLength(audited.length);
    for (const r of audited) expect(r.audit?.reference).toMatchObject({ judgeId: 'careful', verdict: 'equal', reason: 'careful says equal' });
    expect(results.filter((r) => r.audit === null).every((r) => r.verdict === 'different')).toBe(true);
  });

  it('audits nothing when the primary judgement did not give a verdict', async () => {
    await using server = await startJudgeServer(() => ({ body: 'garbage' }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, audit: { secondaryRate: 1 } } });
    const result = await judges.get('j').judge(pair('a', 'b', { secondary: side('c') }));
    expect(result).toMatchObject({ verdict: 'error', audit: null });
    expect(server.received).toHaveLength(1);
  });
});

const answer = (body: unknown): AnswerInput => ({
  status: 200,
  headers: { 'content-type': ['application/json'] },
  body: Buffer.from(JSON.stringify(body)),
  contentType: 'application/json',
  latencyUs: 1000,
  errorKind: null,
  bodyTruncated: false,
});

describe("as @shadow/compare's judge", () => {
  it("drops the differences in the judged scope on equal, keeps them on error, with the judge's reason", async () => {
    await using server = await startJudgeServer(
      tableJudge({
        '"Paris is the capital of France."': { verdict: 'equal', score: 0.9, reason: 'same fact' },
      }),
    );
    await using judges = makeJudges({ facts: { type: 'http', url: server.url, retries: { max: 0 } } });
    const config = resolveCompareConfig({ judge: judges.get('facts').asJudgeFn(), rules: [{ route: '/answer', judge: { path: '$.text' } }] });
    const live = answer({ text: 'The capital of France is Paris.', id: 1 });

    const equal = await comparePairAsync(
      { exchangeId: 'e1', method: 'POST', path: '/answer', live, candidate: answer({ text: 'Paris is the capital of France.', id: 1 }) },
      config,
    );
    expect(equal).toMatchObject({
      match: true,
      bodyMatch: true,
      realDiffCount: 0,
      toleratedDiffCount: 1,
      judge: { verdict: 'equal', score: 0.9, reason: 'same fact', path: '$.text' },
    });

    // Not in the judge's table: it answers 500 -> error, the difference stays.
    const error = await comparePairAsync({ exchangeId: 'e2', method: 'POST', path: '/answer', live, candidate: answer({ text: 'Lyon.', id: 1 }) }, config);
    expect(error).toMatchObject({ match: false, realDiffCount: 1, judge: { verdict: 'error', path: '$.text' } });
    expect(error.judge.reason).toMatch(/^http_status: HTTP 500/);

    // A difference outside the judged scope is not sent to the judge.
    const before = server.received.length;
    const outside = await comparePairAsync(
      { exchangeId: 'e3', method: 'POST', path: '/answer', live, candidate: answer({ text: 'The capital of France is Paris.', id: 2 }) },
      config,
    );
    expect(outside).toMatchObject({ match: false, judge: { verdict: 'not_run' } });
    expect(server.received.length).toBe(before);
  });

  it('hands a not_run judgement (budget) to compare as not_run with its reason, differences kept', async () => {
    await using server = await startJudgeServer(() => ({ body: { verdict: 'equal' } }));
    await using judges = makeJudges({ facts: { type: 'http', url: server.url, budget: { callsPerDay: 1 } } });
    const config = resolveCompareConfig({ judge: judges.get('facts').asJudgeFn(), rules: [{ route: '/answer', judge: { path: '$.text' } }] });
    const live = answer({ text: 'a' });
    expect((await comparePairAsync({ exchangeId: 'e1', method: 'POST', path: '/answer', live, candidate: answer({ text: 'b' }) }, config)).judge.verdict).toBe(
      'equal',
    );
    const spent = await comparePairAsync({ exchangeId: 'e2', method: 'POST', path: '/answer', live, candidate: answer({ text: 'c' }) }, config);
    expect(spent).toMatchObject({
      match: false,
      realDiffCount: 1,
      judge: { verdict: 'not_run', reason: 'budget', kind: 'budget', judgeId: 'facts', path: '$.text' },
    });
    expect(server.received).toHaveLength(1);
  });

  it('passes the secondary, the audit, the cache and the latency through to compare', async () => {
    await using server = await startJudgeServer((r) => ({
      body: { verdict: r.body.candidate.value === 'Paris, France.' ? 'different' : 'equal', reason: 'rule' },
    }));
    await using judges = makeJudges({ facts: { type: 'http', url: server.url, audit: { secondaryRate: 1 } } });
    const config = resolveCompareConfig({
      judges: { facts: judges.get('facts').asJudgeFn() },
      rules: [{ route: '/answer', judge: { path: '$.text', use: 'facts' } }],
    });
    const live = answer({ text: 'Paris.' });
    const input = { method: 'POST', path: '/answer', live, candidate: answer({ text: 'It is Paris.' }), secondary: answer({ text: 'Paris, France.' }) };
    const first = await comparePairAsync({ ...input, exchangeId: 'a1' }, config);
    expect(first.judge).toMatchObject({
      verdict: 'equal',
      judgeId: 'facts',
      cached: false,
      audit: { secondaryVerdict: 'different', referenceJudgeId: null, referenceVerdict: null },
    });
    expect(server.received.find((r) => r.body.candidate.value === 'It is Paris.')?.body.secondary).toMatchObject({ value: 'Paris, France.' });
    // The same answers in another exchange: judged once (the cache), the audit's verdict cached too.
    const again = await comparePairAsync({ ...input, exchangeId: 'a2' }, config);
    expect(again.judge).toMatchObject({ verdict: 'equal', cached: true, tokens: 0, audit: { secondaryVerdict: 'different' } });
    expect(server.received).toHaveLength(2);
  });
});
