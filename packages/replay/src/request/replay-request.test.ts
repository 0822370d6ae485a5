import { describe, expect, it } from 'vitest';
import { traceparentFor } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { buildReplayRequest, originRelativePath } from './replay-request.js';

function exchange(over: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    exchangeId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', captureTimeMs: 1, service: 's', environment: 'e', method: 'post', scheme: 'http',
    host: 'live.example', path: '/orders', query: 'a=1&b=2', routeTemplate: null,
    requestHeaders: {
      host: ['live.example'], connection: ['keep-alive, x-hop'], 'x-hop': ['1'], 'keep-alive': ['timeout=5'], 'transfer-encoding': ['chunked'],
      'content-length': ['3'], authorization: ['[REDACTED]'], 'content-type': ['application/json'], 'x-multi': ['a', 'b'], traceparent: ['00-x'],
    },
    requestBody: Buffer.from('abc'), requestBodyTruncated: false, requestBodySize: 3, requestContentType: 'application/json',
    responseStatus: 200, responseHeaders: {}, responseBody: Buffer.alloc(0), responseBodyTruncated: false, responseBodySize: 0,
    responseContentType: null, liveLatencyUs: 1, aborted: false, samplingRate: 1, tapVersion: 't', ...over,
  };
}

const target = { id: 'cand', baseUrl: new URL('http://127.0.0.1:9999/prefix/'), headers: { 'X-Token': 'shadow' } };

describe('buildReplayRequest', () => {
  it('keeps method, path, query, end-to-end headers and body; drops hop-by-hop and redacted headers', () => {
    const r = buildReplayRequest(exchange(), target, 2);
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/prefix/orders?a=1&b=2');
    expect(r.body.toString()).toBe('abc');
    expect(r.headers).toEqual({
      'content-type': 'application/json',
      'x-multi': ['a', 'b'],
      'x-token': 'shadow',
      host: '127.0.0.1:9999',
      'x-shadow-exchange-id': '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'x-shadow-challenger': 'cand',
      traceparent: traceparentFor('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'cand', 2),
    });
  });

  it('writes the contract traceparent (cached span-id per challenger and attempt)', () => {
    for (const [id, ch, at] of [['x-1', 'a', 1], ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'b', 3], ['x-2', 'a', 1]] as const) {
      expect(buildReplayRequest(exchange({ exchangeId: id }), { ...target, id: ch }, at).headers['traceparent']).toBe(traceparentFor(id, ch, at));
    }
  });

  it('ignores the authority of an absolute-form or protocol-relative captured target', () => {
    expect(buildReplayRequest(exchange({ path: 'http://evil.example:81/steal', query: '' }), target, 1).path).toBe('/prefix/steal');
    expect(buildReplayRequest(exchange({ path: 'https://evil.example/x?y=1', query: '' }), target, 1).path).toBe('/prefix/x?y=1');
    expect(originRelativePath('//evil.example/x')).toBe('/evil.example/x');
    expect(originRelativePath('relative')).toBe('/relative');
  });
});
