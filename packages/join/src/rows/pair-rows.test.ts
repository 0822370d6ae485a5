import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import { sharedComparer } from '../compare/shared-compare.js';
import type { JoinedExchange } from '../state/types.js';
import { outcomeColumns, outcomeText, rowsFor, rowsForAsync } from './pair-rows.js';

describe('outcome columns of a pair row', () => {
  it('store each side as text: number in shortest decimal, string as is, list as a JSON array', () => {
    expect(outcomeText(12.5)).toBe('12.5');
    expect(outcomeText(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(outcomeText('approve')).toBe('approve');
    expect(outcomeText(['a', 'b"c'])).toBe('["a","b\\"c"]');
    expect(outcomeText([])).toBe('[]');
    expect(outcomeText(null)).toBeNull();
    expect(outcomeText(Number.NaN)).toBeNull();
  });

  it('a side without a value has no key; types are kept for every declared outcome', () => {
    expect(
      outcomeColumns([
        { name: 'price', type: 'number', live: 100, candidate: null },
        { name: 'decision', type: 'string', live: 'approve', candidate: 'decline' },
        { name: 'recs', type: 'string[]', live: ['a'], candidate: [] },
      ]),
    ).toEqual({
      outcome_types: { price: 'number', decision: 'string', recs: 'string[]' },
      live_outcomes: { price: '100', decision: 'approve', recs: '["a"]' },
      shadow_outcomes: { decision: 'decline', recs: '[]' },
    });
    expect(outcomeColumns(undefined)).toEqual({ outcome_types: {}, live_outcomes: {}, shadow_outcomes: {} });
  });
});

describe('rowsFor with @shadow/compare outcome rules', () => {
  const now = Date.now();
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const exchange: CapturedExchange = {
    exchangeId: 'ex-1',
    captureTimeMs: now,
    service: 'shop',
    environment: 'prod',
    method: 'GET',
    scheme: 'http',
    host: 'shop.local',
    path: '/price/42',
    query: '',
    routeTemplate: '/price/:sku',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ price: 12.5, decision: 'approve', items: [{ id: 'a' }, { id: 'b' }] }),
    responseBodyTruncated: false,
    responseBodySize: 60,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  };
  const result: ShadowResult = {
    exchangeId: 'ex-1',
    challengerId: 'cand-1',
    challengerName: 'v2',
    attempt: 1,
    replayTimeMs: now + 5,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ price: 13, decision: 'decline', items: [{ id: 'b' }] }),
    responseBodyTruncated: false,
    responseBodySize: 50,
    responseContentType: 'application/json',
    latencyUs: 1100,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: 'candidate',
    runId: null,
  };

  it('lands the outcomes the route declares, extracted from both answers', () => {
    const comparer = sharedComparer({
      rules: [
        {
          route: '/price/:sku',
          outcomes: [
            { name: 'price', path: '$.price', type: 'number' },
            { name: 'decision', path: '$.decision', type: 'string' },
            { name: 'ids', path: '$.items[*].id', type: 'string[]' },
            { name: 'score', path: '$.score', type: 'number' },
          ],
        },
      ],
    });
    const joined = {
      exchangeId: 'ex-1',
      partition: 0,
      cause: 'complete',
      firstSeenMs: now,
      exchange,
      results: new Map([['cand-1', result]]),
      sideEffects: [],
      slots: [],
    } as unknown as JoinedExchange;
    const { pairs } = rowsFor(joined, comparer, { challengers: ['cand-1'], bodySampleRate: 0, maxBodyBytes: 1000 }, now + 10);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({
      outcome_types: { price: 'number', decision: 'string', ids: 'string[]', score: 'number' },
      // score: neither answer has it, so neither map holds it
      live_outcomes: { price: '12.5', decision: 'approve', ids: '["a","b"]' },
      shadow_outcomes: { price: '13', decision: 'decline', ids: '["b"]' },
    });
  });
});

describe('rowsFor: sandbox-induced pairs', () => {
  const now = Date.now();
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const exchange: CapturedExchange = {
    exchangeId: 'ex-s',
    captureTimeMs: now,
    service: 'gw',
    environment: 'prod',
    method: 'POST',
    scheme: 'http',
    host: 'gw.local',
    path: '/orders',
    query: '',
    routeTemplate: '/orders',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 201,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ id: 1 }),
    responseBodyTruncated: false,
    responseBodySize: 8,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  };
  const result: ShadowResult = {
    exchangeId: 'ex-s',
    challengerId: 'cand-1',
    challengerName: 'v2',
    attempt: 1,
    replayTimeMs: now + 5,
    responseStatus: 502,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ error: 'store answered 503' }),
    responseBodyTruncated: false,
    responseBodySize: 30,
    responseContentType: 'application/json',
    latencyUs: 900,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: 'candidate',
    runId: null,
  };
  const effect = (origin: string, path: string, disposition: string, status: number): SideEffect => ({
    exchangeId: 'ex-s',
    origin,
    attempt: origin === 'live' ? 0 : 1,
    sequence: 0,
    observedTimeMs: now,
    dependencyKind: 'http',
    target: 'store:8080',
    operation: `POST ${path}`,
    requestSummary: json({ n: 1 }),
    mocked: origin !== 'live',
    mockedResponse: null,
    method: 'POST',
    path,
    requestHeaders: {},
    responseStatus: status,
    responseBody: Buffer.alloc(0),
    durationUs: 10,
    disposition,
    runId: null,
  });

  it('marks the pair and its answer paths, never its side-effect paths, with the cause the sandbox gave', () => {
    const joined = {
      exchangeId: 'ex-s',
      partition: 0,
      cause: 'complete',
      firstSeenMs: now,
      exchange,
      results: new Map([['cand-1', result]]),
      sideEffects: [effect('live', '/v1/orders', 'live', 201), effect('cand-1', '/v2/orders', 'blocked', 503)],
      slots: [],
    } as unknown as JoinedExchange;
    const { pairs, diffs } = rowsFor(joined, sharedComparer(), { challengers: ['cand-1'], bodySampleRate: 0, maxBodyBytes: 1000 }, now + 10);
    expect(pairs[0]).toMatchObject({ sandbox_induced: true, sandbox_causes: ['sandbox_answer blocked 503 http POST store:8080/v2/orders'], real_agree: false });
    const marked = Object.fromEntries(diffs.map((d) => [d.diff_path, d.sandbox_induced]));
    expect(marked['status']).toBe(true);
    expect(marked['$.error']).toBe(true);
    const effects = diffs.filter((d) => d.diff_path.startsWith('effect:'));
    expect(effects.length).toBe(2);
    expect(effects.every((d) => !d.sandbox_induced)).toBe(true);
  });

  it('a recorded answer is no cause: the pair is not marked', () => {
    const joined = {
      exchangeId: 'ex-s',
      partition: 0,
      cause: 'complete',
      firstSeenMs: now,
      exchange,
      results: new Map([['cand-1', result]]),
      sideEffects: [effect('live', '/v1/orders', 'live', 201), effect('cand-1', '/v1/orders', 'recorded', 201)],
      slots: [],
    } as unknown as JoinedExchange;
    const { pairs, diffs } = rowsFor(joined, sharedComparer(), { challengers: ['cand-1'], bodySampleRate: 0, maxBodyBytes: 1000 }, now + 10);
    expect(pairs[0]).toMatchObject({ sandbox_induced: false, sandbox_causes: [] });
    expect(diffs.some((d) => d.sandbox_induced)).toBe(false);
  });
});

describe('rowsForAsync: the judge columns', () => {
  const now = Date.now();
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const exchange: CapturedExchange = {
    exchangeId: 'ex-j',
    captureTimeMs: now,
    service: 'shop',
    environment: 'prod',
    method: 'GET',
    scheme: 'http',
    host: 'shop.local',
    path: '/price/7',
    query: '',
    routeTemplate: '/price/:sku',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ price: 10, summary: 'Ten euros, in stock.' }),
    responseBodyTruncated: false,
    responseBodySize: 50,
    responseContentType: 'application/json',
    liveLatencyUs: 1000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  };
  const result = (id: string, role: string, summary: string): ShadowResult => ({
    exchangeId: 'ex-j',
    challengerId: id,
    challengerName: id,
    attempt: 1,
    replayTimeMs: now + 5,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ price: 10, summary }),
    responseBodyTruncated: false,
    responseBodySize: 50,
    responseContentType: 'application/json',
    latencyUs: 1100,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: role,
    runId: null,
  });
  const joined = (summary: string) =>
    ({
      exchangeId: 'ex-j',
      partition: 0,
      cause: 'complete',
      firstSeenMs: now,
      exchange,
      sideEffects: [],
      slots: [],
      results: new Map([
        ['sec-1', result('sec-1', 'secondary', 'In stock: ten euros.')],
        ['cand-1', result('cand-1', 'candidate', summary)],
      ]),
    }) as unknown as JoinedExchange;
  const options = { challengers: ['sec-1', 'cand-1'], bodySampleRate: 0, maxBodyBytes: 1000 };

  it('lands the verdict, score, reason and audits of the candidate; the secondary is not judged', async () => {
    const asked: unknown[] = [];
    const comparer = sharedComparer(
      {
        judges: {
          summary: async (live, candidate, ctx) => {
            asked.push([live.value, candidate.value, ctx.secondary?.value]);
            return { verdict: 'equal', score: 0.8, reason: 'same facts', latencyMs: 120, tokens: 42, audit: { secondary: { verdict: 'equal' } } };
          },
        },
        rules: [{ route: '/price/:sku', judge: { path: '$.summary', use: 'summary' } }],
      },
      { judgeVersions: { summary: 'v-abc' } },
    );
    const { pairs } = await rowsForAsync(joined('It costs ten euros and is in stock.'), comparer, options, () => now + 10);
    expect(asked).toEqual([['Ten euros, in stock.', 'It costs ten euros and is in stock.', 'In stock: ten euros.']]);
    const cand = pairs.find((p) => p.challenger_id === 'cand-1');
    expect(cand).toMatchObject({
      real_agree: true,
      comparator: 'judge',
      score: 0.8,
      judge_id: 'summary',
      judge_path: '$.summary',
      judge_verdict: 'equal',
      judge_kind: '',
      judge_reason: 'same facts',
      judge_latency_ms: 120,
      judge_cached: false,
      judge_tokens: 42,
      judge_version: 'v-abc',
      judge_audit_secondary_verdict: 'equal',
      judge_audit_reference_id: '',
      judge_audit_reference_verdict: '',
      joined_time: now + 10,
    });
    expect(pairs.find((p) => p.challenger_id === 'sec-1')).toMatchObject({ judge_verdict: '', judge_id: '', comparator: 'json' });
  });

  it('keeps the differences of an error or not_run, with the kind; no judge needed reads an empty verdict', async () => {
    const comparer = (answer: () => Promise<{ verdict: 'error' | 'not_run'; kind: string; reason: string }>) =>
      sharedComparer({ judges: { s: answer }, rules: [{ route: '/price/:sku', judge: { path: '$.summary' } }] });
    const failed = (
      await rowsForAsync(
        joined('Other words.'),
        comparer(async () => ({ verdict: 'error', kind: 'timeout', reason: 'timeout: 5000 ms' })),
        options,
      )
    ).pairs.find((p) => p.challenger_id === 'cand-1');
    expect(failed).toMatchObject({
      real_agree: false,
      judge_verdict: 'error',
      judge_kind: 'timeout',
      judge_reason: 'timeout: 5000 ms',
      comparator: 'judge',
      diff_paths: ['$.summary'],
    });
    const skipped = (
      await rowsForAsync(
        joined('Other words.'),
        comparer(async () => ({ verdict: 'not_run', kind: 'budget', reason: 'budget' })),
        options,
      )
    ).pairs.find((p) => p.challenger_id === 'cand-1');
    expect(skipped).toMatchObject({ real_agree: false, judge_verdict: 'not_run', judge_kind: 'budget', comparator: 'json' });
    const same = (
      await rowsForAsync(
        joined('Ten euros, in stock.'),
        comparer(async () => {
          throw new Error('not called');
        }),
        options,
      )
    ).pairs.find((p) => p.challenger_id === 'cand-1');
    expect(same).toMatchObject({ real_agree: true, judge_verdict: '', judge_path: '' });
  });
});
