import { describe, expect, it } from 'vitest';
import { canonicalDependencyPath, canonicalOriginPath, type CanonicalPath } from './canonical-path.js';

function path(result: CanonicalPath): string {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return `${result.pathname}${result.query}`;
}

function reason(result: CanonicalPath): string {
  if (result.ok) throw new Error(`expected a refusal, got ${result.pathname}${result.query}`);
  return result.reason;
}

describe('canonical paths: interpreted (one meaning, RFC 3986 6.2.2)', () => {
  const cases: [string, string][] = [
    ['/v1/x/../private/secret', '/api/v1/private/secret'],
    ['/v1/x/%2e%2e/private/secret', '/api/v1/private/secret'],
    ['/v1/x/%2E%2E/private/secret', '/api/v1/private/secret'],
    ['/v1/x/.%2e/private/secret', '/api/v1/private/secret'],
    ['/v1/./private/./secret', '/api/v1/private/secret'],
    ['/v1//private///secret', '/api/v1/private/secret'],
    ['//v1/private/secret', '/api/v1/private/secret'],
    ['/v1/%70%72%69%76%61%74%65/secret', '/api/v1/private/secret'],
    ['/v1/a%2ab%7e', '/api/v1/a%2Ab~'],
    ['/v1/charges/', '/api/v1/charges/'],
    ['/v1/charges/.', '/api/v1/charges/'],
    ['/v1/charges/x/..', '/api/v1/charges/'],
    ['', '/api/'],
    ['?x=1', '/api/?x=1'],
    ['/v1/x?next=/../../admin&y=%2F', '/api/v1/x?next=/../../admin&y=%2F'],
    ['/v1/caf%C3%A9', '/api/v1/caf%C3%A9'],
  ];
  for (const [tail, expected] of cases) {
    it(`/__dep/payments${tail} -> ${expected}`, () => {
      expect(path(canonicalDependencyPath(tail, '/api'))).toBe(expected);
    });
  }

  it('absolute-form paths are canonicalised the same way', () => {
    expect(path(canonicalOriginPath('/api/v1/x/%2e%2e/private/secret?q=1', ''))).toBe('/api/v1/private/secret?q=1');
    expect(path(canonicalOriginPath('', ''))).toBe('/');
    expect(path(canonicalOriginPath('?q', ''))).toBe('/?q');
    // Outside the dependency's base path, dot segments may move within the root.
    expect(path(canonicalOriginPath('/other/../health', '/api'))).toBe('/health');
  });
});

describe('canonical paths: refused (servers disagree on the meaning)', () => {
  const cases: [string, string, RegExp][] = [
    ['encoded slash', '/v1/x/..%2fprivate/secret', /encoded slash \(%2F\)/],
    ['encoded slash, upper case', '/v1%2Fprivate/secret', /encoded slash/],
    ['raw backslash', '/v1/x/..\\private/secret', /backslash/],
    ['encoded backslash', '/v1/x/..%5cprivate/secret', /encoded backslash \(%5C\)/],
    ['path parameter', '/v1/private;jsessionid=1/secret', /path parameter/],
    ['dot-dot with a parameter (Tomcat)', '/v1/x/..;/private/secret', /path parameter/],
    ['encoded semicolon', '/v1/private%3bx/secret', /encoded semicolon/],
    ['double encoding', '/v1/x/%252e%252e/private/secret', /encoded percent sign \(%25/],
    ['overlong dot (2 bytes)', '/v1/x/%c0%ae%c0%ae/private/secret', /invalid or overlong UTF-8/],
    ['overlong slash (2 bytes)', '/v1/x/..%c0%afprivate/secret', /invalid or overlong UTF-8/],
    ['overlong dot (3 bytes)', '/v1/x/%e0%80%ae%e0%80%ae/private', /invalid or overlong UTF-8/],
    ['truncated UTF-8', '/v1/%C3', /invalid or overlong UTF-8/],
    ['fullwidth dots', '/v1/x/%EF%BC%8E%EF%BC%8E/private/secret', /compatibility normalisation .*U\+FF0E -> "\."/],
    ['fullwidth solidus', '/v1/x%EF%BC%8Fprivate', /U\+FF0F -> "\/"/],
    ['fullwidth letter', '/v1/%EF%BD%90rivate/secret', /U\+FF50 -> "p"/],
    ['one dot leader', '/v1/x/%E2%80%A5/private', /U\+2025 -> "\.\."/],
    ['raw fullwidth dot', '/v1/x/\uff0e\uff0e/private', /raw non-ASCII/],
    ['encoded NUL', '/v1/private%00/secret', /encoded NUL/],
    ['raw NUL', '/v1/private\u0000/secret', /NUL character/],
    ['encoded control', '/v1/private%0d%0aX-Injected:1', /encoded control character \(%0D\)/],
    ['encoded C1 control', '/v1/private%C2%85', /encoded control character/],
    ['invalid escape', '/v1/%zz', /invalid percent-encoding \("%zz"\)/],
    ['truncated escape', '/v1/%2', /invalid percent-encoding/],
    ['invalid escape in the query', '/v1/x?a=%g1', /invalid percent-encoding in the query/],
    ['NUL in the query', '/v1/x?a=%00', /NUL \(%00\) in the query/],
    ['fragment', '/v1/x#y', /fragment/],
    ['space', '/v1/x y', /control or space/],
  ];
  for (const [what, tail, expected] of cases) {
    it(`${what}: ${JSON.stringify(tail)}`, () => {
      expect(reason(canonicalDependencyPath(tail, '/api'))).toMatch(expected);
      expect(reason(canonicalOriginPath(`/api${tail}`, '/api'))).toMatch(expected);
    });
  }

  it("/__dep/<name>/.. never leaves the dependency's base path", () => {
    expect(reason(canonicalDependencyPath('/..', '/api'))).toBe('a ".." segment that climbs above the dependency\'s base path /api');
    expect(reason(canonicalDependencyPath('/../..', '/api'))).toMatch(/climbs above the dependency's base path/);
    expect(reason(canonicalDependencyPath('/v1/../../admin', '/api'))).toMatch(/climbs above/);
    expect(reason(canonicalDependencyPath('/%2e%2e/admin', '/api'))).toMatch(/climbs above/);
    expect(reason(canonicalDependencyPath('/..', ''))).toMatch(/climbs above the dependency's root/);
  });

  it('an absolute-form path that starts in the base path cannot climb out of it, nor above the root', () => {
    expect(reason(canonicalOriginPath('/api/../admin', '/api'))).toMatch(/climbs above the dependency's base path \/api/);
    expect(reason(canonicalOriginPath('/api/v1/%2E%2E/%2e%2e/admin', '/api'))).toMatch(/climbs above the dependency's base path/);
    expect(reason(canonicalOriginPath('/../etc/passwd', ''))).toBe('a ".." segment that climbs above the root');
  });
});
