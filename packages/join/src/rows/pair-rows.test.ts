import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
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
