import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import { sharedComparer } from '../compare/shared-compare.js';
import type { JoinedExchange } from '../state/types.js';
import { outcomeColumns, outcomeText, rowsFor } from './pair-rows.js';

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
    expect(outcomeColumns([
      { name: 'price', type: 'number', live: 100, candidate: null },
      { name: 'decision', type: 'string', live: 'approve', candidate: 'decline' },
      { name: 'recs', type: 'string[]', live: ['a'], candidate: [] },
    ])).toEqual({
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
    exchangeId: 'ex-1', captureTimeMs: now, service: 'shop', environment: 'prod', method: 'GET', scheme: 'http', host: 'shop.local',
    path: '/price/42', query: '', routeTemplate: '/price/:sku', requestHeaders: {}, requestBody: Buffer.alloc(0), requestBodyTruncated: false,
    requestBodySize: 0, requestContentType: null, responseStatus: 200, responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ price: 12.5, decision: 'approve', items: [{ id: 'a' }, { id: 'b' }] }), responseBodyTruncated: false, responseBodySize: 60,
    responseContentType: 'application/json', liveLatencyUs: 1000, aborted: false, samplingRate: 1, tapVersion: 'test', outboundCalls: [],
  };
  const result: ShadowResult = {
    exchangeId: 'ex-1', challengerId: 'cand-1', challengerName: 'v2', attempt: 1, replayTimeMs: now + 5, responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] }, responseBody: json({ price: 13, decision: 'decline', items: [{ id: 'b' }] }),
    responseBodyTruncated: false, responseBodySize: 50, responseContentType: 'application/json', latencyUs: 1100, errorKind: null, errorMessage: null,
    replayerVersion: 'test', challengerRole: 'candidate', runId: null,
  };

  it('lands the outcomes the route declares, extracted from both answers', () => {
    const comparer = sharedComparer({
      rules: [{
        route: '/price/:sku',
        outcomes: [
          { name: 'price', path: '$.price', type: 'number' },
          { name: 'decision', path: '$.decision', type: 'string' },
          { name: 'ids', path: '$.items[*].id', type: 'string[]' },
          { name: 'score', path: '$.score', type: 'number' },
        ],
      }],
    });
    const joined = { exchangeId: 'ex-1', partition: 0, cause: 'complete', firstSeenMs: now, exchange, results: new Map([['cand-1', result]]), sideEffects: [], slots: [] } as unknown as JoinedExchange;
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
    exchangeId: 'ex-s', captureTimeMs: now, service: 'gw', environment: 'prod', method: 'POST', scheme: 'http', host: 'gw.local',
    path: '/orders', query: '', routeTemplate: '/orders', requestHeaders: {}, requestBody: Buffer.alloc(0), requestBodyTruncated: false,
    requestBodySize: 0, requestContentType: null, responseStatus: 201, responseHeaders: { 'content-type': ['application/json'] },
    responseBody: json({ id: 1 }), responseBodyTruncated: false, responseBodySize: 8,
    responseContentType: 'application/json', liveLatencyUs: 1000, aborted: false, samplingRate: 1, tapVersion: 'test', outboundCalls: [],
  };
  const result: ShadowResult = {
    exchangeId: 'ex-s', challengerId: 'cand-1', challengerName: 'v2', attempt: 1, replayTimeMs: now + 5, responseStatus: 502,
    responseHeaders: { 'content-type': ['application/json'] }, responseBody: json({ error: 'store answered 503' }),
    responseBodyTruncated: false, responseBodySize: 30, responseContentType: 'application/json', latencyUs: 900, errorKind: null, errorMessage: null,
    replayerVersion: 'test', challengerRole: 'candidate', runId: null,
  };
  const effect = (origin: string, path: string, disposition: string, status: number): SideEffect => ({
    exchangeId: 'ex-s', origin, attempt: origin === 'live' ? 0 : 1, sequence: 0, observedTimeMs: now, dependencyKind: 'http', target: 'store:8080',
    operation: `POST ${path}`, requestSummary: json({ n: 1 }), mocked: origin !== 'live', mockedResponse: null, method: 'POST', path, requestHeaders: {},
    responseStatus: status, responseBody: Buffer.alloc(0), durationUs: 10, disposition, runId: null,
  });

  it('marks the pair and its answer paths, never its side-effect paths, with the cause the sandbox gave', () => {
    const joined = {
      exchangeId: 'ex-s', partition: 0, cause: 'complete', firstSeenMs: now, exchange, results: new Map([['cand-1', result]]),
      sideEffects: [effect('live', '/v1/orders', 'live', 201), effect('cand-1', '/v2/orders', 'blocked', 503)], slots: [],
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
      exchangeId: 'ex-s', partition: 0, cause: 'complete', firstSeenMs: now, exchange, results: new Map([['cand-1', result]]),
      sideEffects: [effect('live', '/v1/orders', 'live', 201), effect('cand-1', '/v1/orders', 'recorded', 201)], slots: [],
    } as unknown as JoinedExchange;
    const { pairs, diffs } = rowsFor(joined, sharedComparer(), { challengers: ['cand-1'], bodySampleRate: 0, maxBodyBytes: 1000 }, now + 10);
    expect(pairs[0]).toMatchObject({ sandbox_induced: false, sandbox_causes: [] });
    expect(diffs.some((d) => d.sandbox_induced)).toBe(false);
  });
});
