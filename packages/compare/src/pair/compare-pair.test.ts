import { describe, expect, it } from 'vitest';
import { CompareError } from '../errors.js';
import { resolveCompareConfig, type CompareOptions, type JudgeFn } from '../options.js';
import type { AnswerInput, PairInput, SideEffectInput } from '../types.js';
import { compareExchange } from './compare-exchange.js';
import { comparePair, comparePairAsync, createCompareState, MAX_JUDGE_REASON_CHARS } from './compare-pair.js';

function answer(body: unknown, over: Partial<AnswerInput> = {}): AnswerInput {
  const bytes = body instanceof Uint8Array ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    status: 200,
    headers: { 'content-type': ['application/json'] },
    body: bytes,
    contentType: body instanceof Uint8Array || typeof body === 'string' ? 'text/plain' : 'application/json',
    latencyUs: 1000,
    errorKind: null,
    bodyTruncated: false,
    ...over,
  };
}

function pair(live: AnswerInput, candidate: AnswerInput, over: Partial<PairInput> = {}): PairInput {
  return { method: 'GET', path: '/orders/42', live, candidate, ...over };
}

const defaults = resolveCompareConfig();

describe('comparePair: status, errors, latency, headers', () => {
  it('matches equal answers whose keys are reordered and whose date/etag/length headers differ', () => {
    const live = answer({ a: 1, b: [1, 2] }, { headers: { date: ['Mon'], etag: ['"1"'], 'content-length': ['10'], 'x-api': ['v1'] } });
    const cand = answer({ b: [1, 2], a: 1.0 }, { headers: { date: ['Tue'], etag: ['"2"'], 'content-length': ['11'], 'x-api': ['v1'] }, latencyUs: 1500 });
    const r = comparePair(pair(live, cand), defaults);
    expect(r).toMatchObject({
      match: true,
      statusMatch: true,
      headersMatch: true,
      bodyMatch: true,
      bodyComparison: 'json',
      route: '/orders/:id',
      routeSource: 'learned',
      latencyDeltaUs: 500,
      diffs: [],
      headerDiffs: [],
      liveBodyHash: r.candidateBodyHash === r.liveBodyHash ? r.liveBodyHash : r.liveBodyHash,
    });
    expect(r.liveBodyHash).not.toBe(r.candidateBodyHash); // same JSON, different bytes
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // serialisable as is
  });

  it('reports status and compared header differences', () => {
    const live = answer({ a: 1 }, { headers: { 'x-api': ['v1'], 'cache-control': ['no-store'], 'x-old': ['1'] } });
    const cand = answer({ a: 1 }, { status: 503, headers: { 'x-api': ['v2'], 'cache-control': ['no-store'], 'x-new': ['1'] } });
    const r = comparePair(pair(live, cand), defaults);
    expect(r).toMatchObject({
      match: false,
      statusMatch: false,
      liveStatus: 200,
      candidateStatus: 503,
      errorMatch: true,
      headersMatch: false,
      bodyMatch: true,
    });
    expect(r.headerDiffs.map((h) => [h.name, h.kind, h.liveValue, h.candidateValue])).toEqual([
      ['x-api', 'value_changed', 'v1', 'v2'],
      ['x-old', 'missing_in_candidate', '1', null],
      ['x-new', 'extra_in_candidate', null, '1'],
    ]);
  });

  it('applies configured header sets: global ignore, allow list, per-route ignores', () => {
    const live = answer({}, { headers: { 'x-a': ['1'], 'x-b': ['1'], server: ['a'] } });
    const cand = answer({}, { headers: { 'x-a': ['2'], 'x-b': ['2'], server: ['b'] } });
    const only = resolveCompareConfig({ headers: { only: ['x-a', 'server'], ignore: ['server'] } });
    expect(comparePair(pair(live, cand), only).headerDiffs.map((h) => h.name)).toEqual(['x-a']);
    const perRoute = resolveCompareConfig({ rules: [{ route: '/orders/:id', ignoreHeaders: ['X-A', 'server'] }] });
    expect(comparePair(pair(live, cand), perRoute).headerDiffs.map((h) => h.name)).toEqual(['x-b']);
  });
});

describe('comparePair: bodies', () => {
  it('reports collapsed paths with one concrete example and a count', () => {
    const items = (f: (i: number) => number) => ({ items: Array.from({ length: 5 }, (_, i) => ({ id: i, price: f(i) })) });
    const r = comparePair(pair(answer(items((i) => i)), answer(items((i) => (i >= 3 ? i + 1 : i)))), defaults);
    expect(r.diffs).toEqual([
      {
        path: '$.items[*].price',
        kind: 'value_changed',
        examplePath: '$.items[3].price',
        liveValue: '3',
        candidateValue: '4',
        count: 2,
        noisy: false,
        noiseReason: null,
      },
    ]);
    expect(r).toMatchObject({ bodyMatch: false, match: false, realDiffCount: 1, noisyDiffCount: 0 });
  });

  it('reports a root type change at $ and array length changes', () => {
    expect(comparePair(pair(answer({ a: 1 }), answer([1])), defaults).diffs.map((d) => [d.path, d.kind])).toEqual([['$', 'type_changed']]);
    expect(
      comparePair(pair(answer({ l: [1, 2] }), answer({ l: [1, 2, 3] })), defaults).diffs.map((d) => [d.path, d.kind, d.liveValue, d.candidateValue]),
    ).toEqual([['$.l', 'array_length', '2', '3']]);
  });

  it('numbers: 1 vs 1.0 and 1e3 vs 1000 equal, 1 vs "1" a type change, big integers exact', () => {
    const raw = (s: string) => answer(s, { contentType: 'application/json' });
    expect(comparePair(pair(raw('{"a":1,"b":1e3,"c":-0}'), raw('{"a":1.0,"b":1000,"c":0}')), defaults).match).toBe(true);
    expect(comparePair(pair(raw('{"a":1}'), raw('{"a":"1"}')), defaults).diffs[0]).toMatchObject({
      kind: 'type_changed',
      liveValue: '1',
      candidateValue: '"1"',
    });
    const big = comparePair(pair(raw('{"id":12345678901234567891}'), raw('{"id":12345678901234567892}')), defaults);
    expect(big.diffs[0]).toMatchObject({ path: '$.id', liveValue: '12345678901234567891', candidateValue: '12345678901234567892' });
  });

  it('does not normalise unicode (NFC vs NFD is a difference)', () => {
    const r = comparePair(pair(answer({ n: 'Ame\u0301lie' }), answer({ n: 'Am\u00e9lie' })), defaults);
    expect(r.diffs[0]).toMatchObject({ path: '$.n', kind: 'value_changed' });
  });

  it('classifies a JSON content type with a non-JSON body instead of crashing', () => {
    const html = answer('<html>502 Bad Gateway</html>', { contentType: 'application/json' });
    const r = comparePair(pair(answer({ ok: true }), html), defaults);
    expect(r).toMatchObject({ bodyComparison: 'kinds', liveBodyKind: 'json', candidateBodyKind: 'invalid_json', bodyMatch: false });
    expect(r.candidateBodyError).toBeTruthy();
    expect(r.diffs).toEqual([expect.objectContaining({ path: '$', kind: 'body_kind_changed', liveValue: 'json', candidateValue: 'invalid_json' })]);
    // The same broken body on both sides is equal (compared as text).
    expect(comparePair(pair(html, answer('<html>502 Bad Gateway</html>', { contentType: 'application/json' })), defaults).bodyMatch).toBe(true);
  });

  it('compares empty bodies, text bodies and binary bodies', () => {
    const empty = () => answer(new Uint8Array(0), { contentType: null });
    expect(comparePair(pair(empty(), empty()), defaults)).toMatchObject({ bodyComparison: 'empty', bodyMatch: true });
    expect(comparePair(pair(empty(), answer({ a: 1 })), defaults).diffs[0]).toMatchObject({
      kind: 'body_kind_changed',
      liveValue: 'empty',
      candidateValue: 'json',
    });
    const text = comparePair(pair(answer('hello world, this is live'), answer('hello world, this is the candidate')), defaults);
    expect(text).toMatchObject({ bodyComparison: 'text', bodyMatch: false });
    expect(text.diffs[0]).toMatchObject({ path: '$', kind: 'text_changed', liveValue: '"… world, this is live"' });
    const png = (last: number) => answer(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, last]), { contentType: 'image/png' });
    expect(comparePair(pair(png(1), png(1)), defaults)).toMatchObject({ bodyComparison: 'bytes', bodyMatch: true });
    const bin = comparePair(pair(png(1), png(2)), defaults);
    expect(bin).toMatchObject({ bodyComparison: 'bytes', bodyMatch: false, liveBodyKind: 'binary' });
    expect(bin.diffs[0]?.kind).toBe('bytes_changed');
  });

  it('compares bodies over the size cap by hash and size only, and says so', () => {
    const config = resolveCompareConfig({ body: { maxBodyBytes: 1000 } });
    const big = (c: string) => answer({ data: c.repeat(5000) });
    expect(comparePair(pair(big('a'), big('a')), config)).toMatchObject({ bodyComparison: 'hash', bodyMatch: true, liveBodyKind: 'too_large' });
    const r = comparePair(pair(big('a'), big('b')), config);
    expect(r).toMatchObject({ bodyComparison: 'hash', bodyMatch: false });
    expect(r.diffs[0]).toMatchObject({ path: '$', kind: 'hash_changed' });
    const truncated = comparePair(pair(answer({ a: 1 }, { bodyTruncated: true }), answer({ a: 1 }, { bodyTruncated: true })), defaults);
    expect(truncated).toMatchObject({ bodyComparison: 'hash', bodyMatch: true, liveBodyKind: 'truncated' });
  });

  it('applies per-route ignore rules, numeric tolerance and custom comparators', () => {
    const config = resolveCompareConfig({
      rules: [
        {
          route: '/orders/:id',
          ignorePaths: ['$.meta', '$..requestId'],
          comparators: [
            { type: 'numeric', path: '$.total', relative: 0.01 },
            { type: 'custom', path: '$.name', compare: (l, c) => String(l).toLowerCase() === String(c).toLowerCase() },
          ],
        },
      ],
    });
    const live = answer({ meta: { host: 'a' }, lines: [{ requestId: 'x', q: 1 }], total: 100, name: 'Bob', other: 1 });
    const cand = answer({ meta: { host: 'b' }, lines: [{ requestId: 'y', q: 1 }], total: 100.5, name: 'BOB', other: 2 });
    const r = comparePair(pair(live, cand), config);
    expect(r.diffs.map((d) => d.path)).toEqual(['$.other']);
    expect(r).toMatchObject({ ignoredDiffCount: 2, toleratedDiffCount: 2 });
    const far = comparePair(pair(live, answer({ ...JSON.parse(Buffer.from(cand.body).toString()), total: 110, other: 1 })), config);
    expect(far.diffs.map((d) => d.path)).toEqual(['$.total']);
  });

  it('matches arrays by a configured key', () => {
    const config = resolveCompareConfig({ rules: [{ route: '/orders/:id', arrayKeys: [{ path: '$.items', key: 'sku' }] }] });
    const r = comparePair(
      pair(
        answer({
          items: [
            { sku: 'a', n: 1 },
            { sku: 'b', n: 2 },
          ],
        }),
        answer({
          items: [
            { sku: 'b', n: 2 },
            { sku: 'a', n: 1 },
          ],
        }),
      ),
      config,
    );
    expect(r.bodyMatch).toBe(true);
  });

  it('extracts declared business outcomes from both sides', () => {
    const config = resolveCompareConfig({
      rules: [
        {
          route: '/orders/:id',
          outcomes: [
            { name: 'price', path: '$.price', type: 'number' },
            { name: 'recs', path: '$.recs[*]', type: 'string[]' },
          ],
        },
      ],
    });
    const r = comparePair(pair(answer({ price: 10, recs: ['a', 'b'] }), answer('oops', { contentType: 'application/json' })), config);
    expect(r.outcomes).toEqual([
      { name: 'price', type: 'number', live: 10, candidate: null, liveError: null, candidateError: 'not_json' },
      { name: 'recs', type: 'string[]', live: ['a', 'b'], candidate: null, liveError: null, candidateError: 'not_json' },
    ]);
  });
});

describe('comparePair: noise', () => {
  it('flags a field random between live and secondary as noise, not against the candidate', () => {
    const r = comparePair(pair(answer({ ts: 1, price: 10 }), answer({ ts: 3, price: 10 }), { secondary: answer({ ts: 2, price: 10 }) }), defaults);
    expect(r.diffs).toEqual([expect.objectContaining({ path: '$.ts', noisy: true, noiseReason: 'secondary' })]);
    expect(r).toMatchObject({ bodyMatch: true, match: true, realDiffCount: 0, noisyDiffCount: 1 });
    expect(r).toMatchObject({ secondaryCompared: true, secondaryDiffs: [{ path: '$.ts', kind: 'value_changed' }] });
  });

  it('counts a field that differs only for the candidate', () => {
    const r = comparePair(pair(answer({ ts: 1, price: 10 }), answer({ ts: 3, price: 11 }), { secondary: answer({ ts: 2, price: 10 }) }), defaults);
    expect(r.diffs.find((d) => d.path === '$.price')).toMatchObject({ noisy: false, noiseReason: null });
    expect(r).toMatchObject({ bodyMatch: false, match: false, realDiffCount: 1 });
  });

  it('counts a field where the candidate is random but live and secondary agree, pair after pair', () => {
    const config = defaults;
    const state = createCompareState(config);
    let real = 0;
    for (let i = 0; i < 200; i++) {
      const r = comparePair(
        pair(answer({ id: 'stable', ts: i }), answer({ id: `rnd-${i}`, ts: i + 2 }), { secondary: answer({ id: 'stable', ts: i + 1 }) }),
        config,
        state,
      );
      if (r.diffs.some((d) => d.path === '$.id' && !d.noisy)) real++;
      expect(r.diffs.find((d) => d.path === '$.ts')?.noisy).toBe(true);
    }
    expect(real).toBe(200);
  });

  it('uses the statistics when live and the secondary happen to agree on a noisy field', () => {
    // `node` is one of two values at random on every side: live and secondary agree half the time.
    const state = createCompareState(defaults);
    // A seeded generator: deterministic, and the three sides are independent draws.
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) & 1;
    };
    const pick = (_i: number, _salt: number) => (rnd() === 0 ? 'a' : 'b');
    let realWhenSecondaryAgreed = 0;
    let agreedAndCandidateDiffered = 0;
    for (let i = 0; i < 400; i++) {
      const l = pick(i, 0);
      const s = pick(i, 1);
      const c = pick(i, 2);
      const r = comparePair(pair(answer({ node: l }), answer({ node: c }), { secondary: answer({ node: s }) }), defaults, state);
      const d = r.diffs.find((x) => x.path === '$.node');
      if (i >= 50 && d !== undefined && l === s) {
        agreedAndCandidateDiffered++;
        if (!d.noisy) realWhenSecondaryAgreed++;
        expect(d.noiseReason).toBe('statistical');
      }
    }
    expect(agreedAndCandidateDiffered).toBeGreaterThan(0);
    expect(realWhenSecondaryAgreed).toBe(0);
  });

  it('treats noisy headers and noisy status like noisy paths', () => {
    const live = answer({}, { headers: { 'x-req': ['1'], 'x-ver': ['1'] } });
    const r = comparePair(
      pair(live, answer({}, { status: 500, headers: { 'x-req': ['3'], 'x-ver': ['1'] } }), {
        secondary: answer({}, { status: 500, headers: { 'x-req': ['2'], 'x-ver': ['1'] } }),
      }),
      defaults,
    );
    expect(r).toMatchObject({ statusMatch: false, statusNoisy: true, headersMatch: true, match: true, secondaryStatus: 500 });
    expect(r.headerDiffs[0]).toMatchObject({ name: 'x-req', noisy: true, noiseReason: 'secondary' });
  });

  it('does not let a value change in the secondary hide a type change in the candidate', () => {
    const r = comparePair(pair(answer({ ts: '2024-01-01' }), answer({ ts: 1704067200 }), { secondary: answer({ ts: '2024-01-02' }) }), defaults);
    expect(r.diffs[0]).toMatchObject({ kind: 'type_changed', noisy: false });
  });
});

describe('comparePair: side effects', () => {
  const fx = (method: string, target: string, path: string, body: unknown, kind = 'http', operation = ''): SideEffectInput => ({
    method,
    target,
    path,
    operation,
    dependencyKind: kind,
    requestBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });

  it('reports missing, extra and payload-changed writes, ignores reads, and uses the secondary for payload noise', () => {
    const live = [
      fx('GET', 'users:80', '/users/7', ''),
      fx('POST', 'payments:443', '/v1/charges', { amount: 10, idempotencyKey: 'k1' }),
      fx('', 'orders-db', '', 'INSERT INTO audit ...', 'db', 'INSERT audit'),
    ];
    const cand = [
      fx('GET', 'users:80', '/users/8', ''),
      fx('POST', 'payments:443', '/v1/charges', { amount: 12, idempotencyKey: 'k3' }),
      fx('', 'mail.example.com', '', 'hello', 'email', 'send'),
    ];
    const sec = [
      fx('POST', 'payments:443', '/v1/charges', { amount: 10, idempotencyKey: 'k2' }),
      fx('', 'orders-db', '', 'INSERT INTO audit ...', 'db', 'INSERT audit'),
    ];
    const r = comparePair(
      pair(answer({}), answer({}), {
        secondary: answer({}),
        liveSideEffects: live,
        candidateSideEffects: cand,
        secondarySideEffects: sec,
      }),
      defaults,
    );
    expect(r).toMatchObject({ sideEffectsCompared: true, sideEffectsMatch: false, liveWriteCount: 2, candidateWriteCount: 2, match: false });
    expect(r.sideEffectDiffs.map((d) => [d.key, d.kind, d.path, d.noisy])).toEqual([
      ['http POST payments:443/v1/charges', 'payload_changed', '$.amount', false],
      ['http POST payments:443/v1/charges', 'payload_changed', '$.idempotencyKey', true],
      ['db INSERT audit orders-db', 'missing_in_candidate', null, false],
      ['email send mail.example.com', 'extra_in_candidate', null, false],
    ]);
    expect(r.sideEffectDiffs[0]).toMatchObject({ liveValue: '10', candidateValue: '12', examplePath: '$.amount' });
  });

  it('keys writes by path template so ids do not split them', () => {
    const r = comparePair(
      pair(answer({}), answer({}), {
        liveSideEffects: [fx('PUT', 'api:80', '/v1/carts/123?x=1', { n: 1 })],
        candidateSideEffects: [fx('PUT', 'api:80', '/v1/carts/456', { n: 1 })],
      }),
      defaults,
    );
    expect(r).toMatchObject({ sideEffectsMatch: true, sideEffectDiffs: [] });
  });

  it('does not compare side effects that were not collected', () => {
    expect(comparePair(pair(answer({}), answer({})), defaults)).toMatchObject({ sideEffectsCompared: false, sideEffectsMatch: true });
  });
});

describe('comparePairAsync: the judge', () => {
  const judged = (judge: JudgeFn) => resolveCompareConfig({ judge, rules: [{ route: '/summarize', method: 'POST', judge: { path: '$.summary' } }] });
  const input = pair(answer({ summary: 'The cat sat on the mat.', id: 1 }), answer({ summary: 'A cat was sitting on a mat.', id: 1 }), {
    method: 'POST',
    path: '/summarize',
    exchangeId: 'ex-1',
  });

  it('stores an equal verdict and score and drops the judged differences', async () => {
    const calls: unknown[] = [];
    const r = await comparePairAsync(
      input,
      judged(async (l, c, ctx) => {
        calls.push([l.value, c.value, ctx]);
        return { verdict: 'equal', score: 0.92, reason: 'same meaning' };
      }),
    );
    expect(calls).toEqual([
      [
        'The cat sat on the mat.',
        'A cat was sitting on a mat.',
        { exchangeId: 'ex-1', method: 'POST', route: '/summarize', path: '$.summary', secondary: null },
      ],
    ]);
    expect(r).toMatchObject({
      judge: { verdict: 'equal', score: 0.92, reason: 'same meaning', path: '$.summary' },
      bodyMatch: true,
      match: true,
      diffs: [],
      toleratedDiffCount: 1,
    });
  });

  it('stores a different verdict and keeps the difference real even when the secondary also differs', async () => {
    const r = await comparePairAsync(
      { ...input, secondary: answer({ summary: 'The cat is on the mat.', id: 1 }) },
      judged(async () => ({ verdict: 'different', score: 0.1 })),
    );
    expect(r).toMatchObject({ judge: { verdict: 'different', score: 0.1 }, bodyMatch: false, match: false });
    expect(r.diffs[0]).toMatchObject({ path: '$.summary', noisy: false });
  });

  it('turns a failing judge into verdict error, and does not call it when nothing differs', async () => {
    const failing = judged(async () => {
      throw new Error('judge endpoint 503');
    });
    expect((await comparePairAsync(input, failing)).judge).toMatchObject({
      verdict: 'error',
      score: null,
      reason: 'judge endpoint 503',
      kind: 'exception',
      path: '$.summary',
      cached: false,
      tokens: 0,
      audit: null,
    });
    let called = false;
    const same = await comparePairAsync(
      { ...input, candidate: input.live },
      judged(async () => {
        called = true;
        return { verdict: 'different' };
      }),
    );
    expect(called).toBe(false);
    expect(same.judge.verdict).toBe('not_run');
  });

  it('gives verdict error when the judge does not answer in time', async () => {
    const config = resolveCompareConfig({ judge: () => new Promise(() => undefined), judgeTimeoutMs: 20, rules: [{ route: '/summarize', judge: {} }] });
    const r = await comparePairAsync(input, config);
    expect(r.judge).toMatchObject({ verdict: 'error', kind: 'deadline', reason: 'judge did not answer within 20 ms', path: '$' });
    expect(r.judge.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.bodyMatch).toBe(false);
  });

  it('sync comparePair never calls the judge', () => {
    expect(
      comparePair(
        input,
        judged(async () => ({ verdict: 'equal' })),
      ).judge,
    ).toMatchObject({ verdict: 'not_run', path: null, judgeId: null });
  });

  it('keeps the differences of a judge that did not run, with its reason and kind', async () => {
    const r = await comparePairAsync(
      input,
      judged(async () => ({ verdict: 'not_run', reason: 'budget', kind: 'budget', latencyMs: 0 })),
    );
    expect(r.judge).toMatchObject({ verdict: 'not_run', reason: 'budget', kind: 'budget', path: '$.summary', latencyMs: 0 });
    expect(r).toMatchObject({ bodyMatch: false, match: false, realDiffCount: 1 });
  });

  it('hands the judge the secondary at the judged path, and stores what the judge reports', async () => {
    const seen: unknown[] = [];
    const r = await comparePairAsync(
      { ...input, secondary: answer({ summary: 'The cat sat on the mat!', id: 1 }) },
      judged(async (_l, _c, ctx) => {
        seen.push(ctx.secondary);
        return {
          verdict: 'equal',
          score: 0.9,
          reason: 'x'.repeat(MAX_JUDGE_REASON_CHARS + 50),
          judgeId: 'summary',
          latencyMs: 212,
          cached: true,
          tokens: 37.4,
          audit: { secondary: { verdict: 'different' }, reference: { judgeId: 'ref', verdict: 'equal' } },
        };
      }),
    );
    expect(seen).toEqual([{ status: 200, contentType: 'application/json', value: 'The cat sat on the mat!' }]);
    expect(r.judge).toMatchObject({
      verdict: 'equal',
      judgeId: 'summary',
      kind: null,
      latencyMs: 212,
      cached: true,
      tokens: 37,
      audit: { secondaryVerdict: 'different', referenceJudgeId: 'ref', referenceVerdict: 'equal' },
    });
    expect(r.judge.reason).toHaveLength(MAX_JUDGE_REASON_CHARS);
  });

  it('refuses an answer that is not a verdict as error bad_answer, differences kept', async () => {
    for (const answerOf of [() => ({ verdict: 'same' }), () => null, () => 'equal']) {
      const r = await comparePairAsync(input, judged((async () => answerOf()) as unknown as JudgeFn));
      expect(r.judge).toMatchObject({ verdict: 'error', kind: 'bad_answer', path: '$.summary' });
      expect(r.bodyMatch).toBe(false);
    }
  });

  it('asks the judge a rule names with use, among several', async () => {
    const asked: string[] = [];
    const named =
      (id: string): JudgeFn =>
      async () => {
        asked.push(id);
        return { verdict: 'different' };
      };
    const config = resolveCompareConfig({
      judges: { summary: named('summary'), ranker: named('ranker') },
      rules: [
        { route: '/summarize', judge: { path: '$.summary', use: 'summary' } },
        { route: '/rank', judge: { use: 'ranker' } },
      ],
    });
    const r = await comparePairAsync(input, config);
    expect(asked).toEqual(['summary']);
    expect(r.judge).toMatchObject({ verdict: 'different', judgeId: 'summary' });
    await comparePairAsync({ ...input, path: '/rank' }, config);
    expect(asked).toEqual(['summary', 'ranker']);
    // The only configured judge needs no `use`.
    const only = resolveCompareConfig({ judges: { summary: named('only') }, rules: [{ route: '/summarize', judge: { path: '$.summary' } }] });
    expect((await comparePairAsync(input, only)).judge.judgeId).toBe('summary');
  });
});

describe('comparePair: routes and validation', () => {
  it('uses the tap template, configured patterns, and a bounded state', () => {
    const config = resolveCompareConfig({ routes: { patterns: ['/repos/:owner/:repo/issues/:number'], maxTemplates: 2 } });
    const state = createCompareState(config);
    const p = (path: string, routeTemplate: string | null = null) => comparePair(pair(answer({}), answer({}), { path, routeTemplate }), config, state);
    expect(p('/users/1', '/users/:userId')).toMatchObject({ route: '/users/:userId', routeSource: 'tap' });
    expect(p('/repos/o/r/issues/3')).toMatchObject({ route: '/repos/:owner/:repo/issues/:number', routeSource: 'configured' });
    expect(p('/things/9?x=1')).toMatchObject({ route: '/things/:id', routeSource: 'learned' });
    expect(p('/other')).toMatchObject({ route: '/:overflow', routeSource: 'overflow' });
  });

  it.each<[CompareOptions, string]>([
    [{ body: { maxDiffs: 0 } }, 'body.maxDiffs'],
    [{ headers: { ignore: ['date', ''] } }, 'headers.ignore[1]'],
    [{ noise: { relativeThreshold: 20 } }, 'noise.relativeThreshold'],
    [{ rules: [{ route: 'orders' }] }, 'rules[0].route'],
    [{ rules: [{ route: '/a', ignorePaths: ['$.ok', 'bad'] }] }, 'rules[0].ignorePaths[1]'],
    [{ rules: [{ route: '/a', judge: {} }] }, 'rules[0].judge'],
    [{ judges: { a: async () => ({ verdict: 'equal' }) }, rules: [{ route: '/a', judge: { use: 'b' } }] }, 'rules[0].judge.use'],
    [{ judges: { a: async () => ({ verdict: 'equal' }), b: async () => ({ verdict: 'equal' }) }, rules: [{ route: '/a', judge: {} }] }, 'rules[0].judge.use'],
    [{ judge: async () => ({ verdict: 'equal' }), rules: [{ route: '/a', judge: { path: '$.a', model: 'x' } as { path: string } }] }, 'rules[0].judge.model'],
    [{ judges: { a: 'not a function' as unknown as JudgeFn } }, 'judges.a'],
    [{ rules: [{ route: '/a', outcomes: [{ name: 'p', path: '$.p', type: 'float' as 'number' }] }] }, 'rules[0].outcomes[0].type'],
    [{ rules: [{ route: '/a', comparators: [{ type: 'numeric', absolute: -1 }] }] }, 'rules[0].comparators[0].absolute'],
    [{ rules: [{ route: '/a' }, { route: '/a/' }] }, 'rules[1]'],
    [{ routes: { patterns: [{ regex: '(', template: '/x' }] } }, 'routes.patterns[0].regex'],
    [{ sideEffects: { readOperations: '(' } }, 'sideEffects.readOperations'],
  ])('rejects %j naming %s', (options, field) => {
    try {
      resolveCompareConfig(options);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CompareError);
      expect((error as CompareError).code).toBe('COMPARE_INVALID_CONFIG');
      expect((error as CompareError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });

  it('rejects a malformed input naming the field', () => {
    const bad = { ...answer({}), body: 'not bytes' } as unknown as AnswerInput;
    expect(() => comparePair(pair(answer({}), bad), defaults)).toThrow(expect.objectContaining({ code: 'COMPARE_INVALID_INPUT', field: 'candidate.body' }));
  });
});

describe('compareExchange', () => {
  it('compares every candidate with the first secondary as the baseline, and not the secondary itself', () => {
    const out = compareExchange(
      {
        method: 'GET',
        path: '/p/1',
        live: answer({ ts: 1, v: 1 }),
        challengers: [
          { challengerId: 'sec', role: 'secondary', answer: answer({ ts: 2, v: 1 }) },
          { challengerId: 'c1', role: 'candidate', answer: answer({ ts: 3, v: 1 }) },
          { challengerId: 'c2', role: 'candidate', answer: answer({ ts: 4, v: 2 }) },
        ],
      },
      defaults,
    );
    expect(out.map((o) => [o.challengerId, o.comparison.match, o.comparison.secondaryStatus])).toEqual([
      ['c1', true, 200],
      ['c2', false, 200],
    ]);
  });
});

describe('comparePair: a side that did not answer', () => {
  it('skips body and header diffs for a timed-out candidate and keeps the pair out of the noise counts', () => {
    const state = createCompareState(defaults);
    const timeout = answer(new Uint8Array(0), { status: 0, errorKind: 'timeout', headers: {}, contentType: null });
    const r = comparePair(pair(answer({ a: 1 }), timeout, { secondary: answer({ a: 1 }) }), defaults, state);
    expect(r).toMatchObject({
      match: false,
      errorMatch: false,
      candidateErrorKind: 'timeout',
      bodyComparison: 'skipped',
      bodyMatch: false,
      headersMatch: false,
      diffs: [],
      headerDiffs: [],
    });
    expect(state.noise.stats().routes).toBe(0);
  });

  it('does not use a secondary that did not answer as the noise baseline', () => {
    const r = comparePair(
      pair(answer({ a: 1 }), answer({ a: 2 }), { secondary: answer(new Uint8Array(0), { status: 0, errorKind: 'timeout', contentType: null }) }),
      defaults,
    );
    expect(r).toMatchObject({ secondaryStatus: 0, statusNoisy: false, bodyMatch: false });
    expect(r.diffs[0]?.noisy).toBe(false);
  });
});
