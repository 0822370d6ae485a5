import { describe, expect, it } from 'vitest';
import { resolveSandboxOptions } from '../options.js';
import { resolveCallTarget } from './call-target.js';

const { dependencies } = resolveSandboxOptions({
  challengers: ['c'],
  onSideEffect: () => undefined,
  dependencies: {
    payments: { url: 'http://payments:8080/api/', aliases: ['10.0.0.5'] },
    stripe: 'https://api.stripe.com',
  },
});

describe('resolveCallTarget', () => {
  it('reads absolute-form requests and recognises a dependency by host:port or alias', () => {
    const r = resolveCallTarget('http://10.0.0.5:9999/api/v1/charges?x=1', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({
      scheme: 'http',
      host: '10.0.0.5',
      port: 9999,
      target: '10.0.0.5:9999',
      path: '/api/v1/charges?x=1',
      pathname: '/api/v1/charges',
      origin: 'http://10.0.0.5:9999',
      upstreamUrl: 'http://10.0.0.5:9999/api/v1/charges?x=1',
    });
    expect(r.ok && r.value.dependency?.name).toBe('payments');
    expect(r.ok && r.value.candidates).toEqual([
      { host: '10.0.0.5', port: 9999 },
      { host: 'payments', port: 8080 },
      { host: '10.0.0.5', port: null },
    ]);
    const plain = resolveCallTarget('http://example.com/x', undefined, dependencies);
    expect(plain.ok && plain.value).toMatchObject({ target: 'example.com:80', dependency: null });
  });

  it('maps /__dep/<name>/<path> onto the dependency URL, base path included', () => {
    const r = resolveCallTarget('/__dep/payments/v1/charges?idempotency=1', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({
      scheme: 'http',
      target: 'payments:8080',
      path: '/api/v1/charges?idempotency=1',
      pathname: '/api/v1/charges',
      origin: 'http://payments:8080',
      upstreamUrl: 'http://payments:8080/api/v1/charges?idempotency=1',
    });
    const root = resolveCallTarget('/__dep/stripe?x=1', undefined, dependencies);
    expect(root.ok && root.value).toMatchObject({ scheme: 'https', target: 'api.stripe.com:443', path: '/?x=1', origin: 'https://api.stripe.com:443' });
  });

  it('names the problem for an unknown dependency or a request that is neither form', () => {
    const unknown = resolveCallTarget('/__dep/ledger/v1/x', undefined, dependencies);
    expect(unknown).toMatchObject({ ok: false, status: 503, target: 'ledger', path: '/v1/x' });
    expect(!unknown.ok && unknown.reason).toMatch(/unknown dependency "ledger" \(configured: payments, stripe\)/);
    const neither = resolveCallTarget('/v1/charges', 'sandbox:3128', dependencies);
    expect(neither).toMatchObject({ ok: false, status: 503, target: 'sandbox:3128', path: '/v1/charges' });
  });

  it('keeps IPv6 targets bracketed', () => {
    const r = resolveCallTarget('http://[::1]:8080/x', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({ host: '::1', target: '[::1]:8080' });
  });

  it('canonicalises the host the way the forwarding client will (case, IPv4 shorthand) and the path', () => {
    const r = resolveCallTarget('HTTP://Payments:8080/api/v1/x/%2e%2e/charges', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({ host: 'payments', target: 'payments:8080', path: '/api/v1/charges', origin: 'http://payments:8080' });
    expect(r.ok && r.value.dependency?.name).toBe('payments');
    const ip = resolveCallTarget('http://127.1:9/x', undefined, dependencies);
    expect(ip.ok && ip.value).toMatchObject({ host: '127.0.0.1', target: '127.0.0.1:9' });
  });

  it('refuses with 400 what cannot be given one meaning, naming the reason', () => {
    const cases: [string, RegExp][] = [
      ['http://user:pw@payments:8080/x', /credentials/],
      ['http://payments.:8080/x', /ends in "\."/],
      ['http://pay\\ments:8080/x', /malformed host/],
      ['http://payments:8080/api/../admin', /climbs above the dependency's base path \/api/],
      ['/__dep/payments/..', /climbs above the dependency's base path \/api/],
      ['/__dep/payments/v1/..%2f..%2fadmin', /encoded slash/],
    ];
    for (const [url, reason] of cases) {
      const r = resolveCallTarget(url, undefined, dependencies);
      expect(r, url).toMatchObject({ ok: false, status: 400 });
      expect(!r.ok && r.reason, url).toMatch(/^request target refused: /);
      expect(!r.ok && r.reason, url).toMatch(reason);
    }
  });
});
