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
      scheme: 'http', host: '10.0.0.5', port: 9999, target: '10.0.0.5:9999', path: '/api/v1/charges?x=1', pathname: '/api/v1/charges',
      upstreamUrl: 'http://10.0.0.5:9999/api/v1/charges?x=1',
    });
    expect(r.ok && r.value.dependency?.name).toBe('payments');
    expect(r.ok && r.value.candidates).toEqual([{ host: '10.0.0.5', port: 9999 }, { host: 'payments', port: 8080 }, { host: '10.0.0.5', port: null }]);
    const plain = resolveCallTarget('http://example.com/x', undefined, dependencies);
    expect(plain.ok && plain.value).toMatchObject({ target: 'example.com:80', dependency: null });
  });

  it('maps /__dep/<name>/<path> onto the dependency URL, base path included', () => {
    const r = resolveCallTarget('/__dep/payments/v1/charges?idempotency=1', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({
      scheme: 'http', target: 'payments:8080', path: '/api/v1/charges?idempotency=1', pathname: '/api/v1/charges',
      upstreamUrl: 'http://payments:8080/api/v1/charges?idempotency=1',
    });
    const root = resolveCallTarget('/__dep/stripe?x=1', undefined, dependencies);
    expect(root.ok && root.value).toMatchObject({ scheme: 'https', target: 'api.stripe.com:443', path: '/?x=1', upstreamUrl: 'https://api.stripe.com/?x=1' });
  });

  it('names the problem for an unknown dependency or a request that is neither form', () => {
    const unknown = resolveCallTarget('/__dep/ledger/v1/x', undefined, dependencies);
    expect(unknown).toMatchObject({ ok: false, target: 'ledger', path: '/v1/x' });
    expect(!unknown.ok && unknown.reason).toMatch(/unknown dependency "ledger" \(configured: payments, stripe\)/);
    const neither = resolveCallTarget('/v1/charges', 'sandbox:3128', dependencies);
    expect(neither).toMatchObject({ ok: false, target: 'sandbox:3128', path: '/v1/charges' });
  });

  it('keeps IPv6 targets bracketed', () => {
    const r = resolveCallTarget('http://[::1]:8080/x', undefined, dependencies);
    expect(r.ok && r.value).toMatchObject({ host: '::1', target: '[::1]:8080' });
  });
});
