import { describe, expect, it } from 'vitest';
import { traceparentFor } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { buildReplayRequest, capturedHost, originRelativePath } from './replay-request.js';

function exchange(over: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    exchangeId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    captureTimeMs: 1,
    service: 's',
    environment: 'e',
    method: 'post',
    scheme: 'http',
    host: 'live.example',
    path: '/orders',
    query: 'a=1&b=2',
    routeTemplate: null,
    requestHeaders: {
      host: ['live.example'],
      connection: ['keep-alive, x-hop'],
      'x-hop': ['1'],
      'keep-alive': ['timeout=5'],
      'transfer-encoding': ['chunked'],
      'content-length': ['3'],
      authorization: ['[REDACTED]'],
      'content-type': ['application/json'],
      'x-multi': ['a', 'b'],
      traceparent: ['00-x'],
    },
    requestBody: Buffer.from('abc'),
    requestBodyTruncated: false,
    requestBodySize: 3,
    requestContentType: 'application/json',
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.alloc(0),
    responseBodyTruncated: false,
    responseBodySize: 0,
    responseContentType: null,
    liveLatencyUs: 1,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
    ...over,
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
    for (const [id, ch, at] of [
      ['x-1', 'a', 1],
      ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'b', 3],
      ['x-2', 'a', 1],
    ] as const) {
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

describe('buildReplayRequest with host: original', () => {
  const original = { ...target, host: 'original' as const };

  it('sends the captured Host instead of the challenger address; the path still goes to the base URL', () => {
    const r = buildReplayRequest(exchange(), original, 1);
    expect(r.headers['host']).toBe('live.example');
    expect(r.path).toBe('/prefix/orders?a=1&b=2');
    expect(buildReplayRequest(exchange({ requestHeaders: { host: ['shop.example:8443'] } }), original, 1).headers['host']).toBe('shop.example:8443');
    expect(buildReplayRequest(exchange({ requestHeaders: { host: ['[::1]:80'] } }), original, 1).headers['host']).toBe('[::1]:80');
    // No Host header recorded: the exchange's host field.
    expect(buildReplayRequest(exchange({ requestHeaders: {}, host: 'api.example' }), original, 1).headers['host']).toBe('api.example');
  });

  it('falls back to the challenger address for a Host that is redacted, repeated, empty or not an authority', () => {
    for (const host of [
      ['[REDACTED]'],
      ['a.example', 'b.example'],
      [''],
      ['evil.example\r\nx-injected: 1'],
      ['user@evil.example'],
      ['evil.example/path'],
      ['a b'],
      ['x'.repeat(300)],
    ]) {
      expect(buildReplayRequest(exchange({ requestHeaders: { host } }), original, 1).headers['host']).toBe('127.0.0.1:9999');
    }
    expect(buildReplayRequest(exchange({ requestHeaders: {}, host: '' }), original, 1).headers['host']).toBe('127.0.0.1:9999');
    expect(capturedHost(exchange({ requestHeaders: { Host: ['cased.example'] } }))).toBe('cased.example');
  });

  it('keeps the challenger name for TLS (SNI) whatever Host is sent; none for an IP literal', () => {
    const named = { ...original, baseUrl: new URL('https://candidate.internal:8443/') };
    expect(buildReplayRequest(exchange(), named, 1).servername).toBe('candidate.internal');
    expect(buildReplayRequest(exchange(), named, 1).headers['host']).toBe('live.example');
    expect(buildReplayRequest(exchange(), original, 1).servername).toBeUndefined();
    expect(buildReplayRequest(exchange(), { ...original, baseUrl: new URL('https://[::1]:8443/') }, 1).servername).toBeUndefined();
  });
});
