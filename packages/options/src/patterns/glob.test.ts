import { describe, expect, it } from 'vitest';
import { globMatches, globToRegExp } from './glob.js';

describe('globToRegExp', () => {
  it('keeps * within a host label and lets ** cross labels', () => {
    expect(globToRegExp('*.stripe.com', '.').test('api.stripe.com')).toBe(true);
    expect(globToRegExp('*.stripe.com', '.').test('a.b.stripe.com')).toBe(false);
    expect(globToRegExp('**.stripe.com', '.').test('a.b.stripe.com')).toBe(true);
    expect(globToRegExp('*.stripe.com', '.', 'i').test('API.Stripe.com')).toBe(true);
    expect(globToRegExp('*.stripe.com', '.').test('API.Stripe.com')).toBe(false);
  });

  it('treats dots, braces, colons and regex syntax literally', () => {
    expect(globToRegExp('api.stripe.com', '.').test('apixstripe.com')).toBe(false);
    expect(globMatches('/v1.0/x', '/v1x0/x')).toBe(false);
    expect(globMatches('/items/{id}', '/items/{id}')).toBe(true);
    expect(globMatches('/users/:id', '/users/:id')).toBe(true);
    expect(globMatches('/a|b', '/a')).toBe(false);
    expect(globMatches('/(x)+', '/xx')).toBe(false);
  });

  it('keeps * within a path segment, lets ** cross segments, ? is one character', () => {
    expect(globToRegExp('/v1/charges/*', '/').test('/v1/charges/ch_1')).toBe(true);
    expect(globToRegExp('/v1/charges/*', '/').test('/v1/charges/ch_1/refunds')).toBe(false);
    expect(globToRegExp('/v1/**', '/').test('/v1/charges/ch_1/refunds')).toBe(true);
    expect(globToRegExp('/v?/x', '/').test('/v2/x')).toBe(true);
    expect(globMatches('/users/*', '/users/:id')).toBe(true);
    expect(globMatches('/users/*', '/users/:id/orders')).toBe(false);
    expect(globMatches('/a?c', '/abc')).toBe(true);
  });
});
