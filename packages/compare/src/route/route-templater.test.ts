import { describe, expect, it } from 'vitest';
import { CompareError } from '../errors.js';
import { isIdSegment, normalizePath, OVERFLOW_ROUTE, RouteTemplater, templateOf } from './route-templater.js';

describe('templateOf (learned segment rules)', () => {
  it.each([
    ['/posts/42', '/posts/:id'],
    ['/posts/42/', '/posts/:id'],
    ['/posts/42?expand=author&page=2', '/posts/:id'],
    ['/v1/users/550e8400-e29b-41d4-a716-446655440000/orders/17', '/v1/users/:id/orders/:id'],
    ['/repos/octocat/hello-world/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e', '/repos/octocat/hello-world/commits/:id'],
    ['/repos/octocat/hello-world/issues/1347/comments', '/repos/octocat/hello-world/issues/:id/comments'],
    ['/api/v2/items/507f1f77bcf86cd799439011', '/api/v2/items/:id'],
    ['/reports/2024-05-01', '/reports/:id'],
    ['/events/2024-05-01T10:00:00Z/summary', '/events/:id/summary'],
    ['/share/aZ3kP9qLm2Xw8RtV5nB7yC', '/share/:id'],
    ['/orders/01HZX3K4QJ7W8T9V6M5N2P3R4S', '/orders/:id'],
    ['/blog/shadow-deployment-guide-2024', '/blog/shadow-deployment-guide-2024'],
    ['/blog/how-to-upgrade-to-v2-in-2024', '/blog/how-to-upgrade-to-v2-in-2024'],
    ['/files/caf%C3%A9%20menu.pdf', '/files/caf%C3%A9%20menu.pdf'],
    ['/files/12%2F34', '/files/12%2F34'],
    ['/users//7//profile/', '/users/:id/profile'],
    ['https://api.example.com/v1/accounts/9/', '/v1/accounts/:id'],
    ['/', '/'],
    ['', '/'],
    ['/health?x=1', '/health'],
    ['/v1/search#frag', '/v1/search'],
  ])('%s -> %s', (path, template) => {
    expect(templateOf(path)).toBe(template);
  });

  it('keeps names and versions as literals', () => {
    for (const s of ['users', 'v1', 'v2beta1', 'README.md', 'me', 'hello-world', 'abc123', 'latest']) expect(isIdSegment(s)).toBe(false);
    for (const s of ['42', 'deadbeefdeadbeef', '2024-01-31', '%34%32']) expect(isIdSegment(s)).toBe(true);
  });

  it('normalises paths', () => {
    expect(normalizePath('/a/b/?q=1')).toBe('/a/b');
    expect(normalizePath('a')).toBe('/a');
  });
});

describe('RouteTemplater', () => {
  it('uses the tap template when present', () => {
    const t = new RouteTemplater();
    expect(t.template('/users/alice', '/users/:name')).toEqual({ template: '/users/:name', source: 'tap' });
    expect(t.template('/users/42', null)).toEqual({ template: '/users/:id', source: 'learned' });
  });

  it('lets configured patterns win, in order, over learned templates', () => {
    const t = new RouteTemplater({
      patterns: [
        '/users/:userId/orders/:orderId',
        { regex: '^/repos/[^/]+/[^/]+/issues/\\d+$', template: '/repos/:owner/:repo/issues/:number' },
        '/repos/:owner/:repo',
        '/static/*',
      ],
    });
    expect(t.template('/users/alice/orders/17?x=1')).toEqual({ template: '/users/:userId/orders/:orderId', source: 'configured' });
    expect(t.template('/repos/octocat/hello-world/issues/1347')).toEqual({ template: '/repos/:owner/:repo/issues/:number', source: 'configured' });
    expect(t.template('/repos/octocat/hello-world/')).toEqual({ template: '/repos/:owner/:repo', source: 'configured' });
    expect(t.template('/static/css/site.css').template).toBe('/static/*');
    expect(t.template('/users/alice/orders').template).toBe('/users/alice/orders');
  });

  it('is bounded: past maxTemplates, new templates become the overflow route (counted)', () => {
    const t = new RouteTemplater({ maxTemplates: 3 });
    expect(t.template('/a').template).toBe('/a');
    expect(t.template('/b').template).toBe('/b');
    expect(t.template('/c/1').template).toBe('/c/:id');
    expect(t.template('/d')).toEqual({ template: OVERFLOW_ROUTE, source: 'overflow' });
    expect(t.template('/c/2').template).toBe('/c/:id');
    expect(t.stats()).toEqual({ templates: 3, overflowed: 1 });
  });

  it('rejects bad patterns naming the field', () => {
    expect(() => new RouteTemplater({ patterns: ['users/:id'] })).toThrow(/routes.patterns\[0\]/);
    expect(() => new RouteTemplater({ patterns: [{ regex: '([', template: '/x' }] })).toThrow(CompareError);
    expect(() => new RouteTemplater({ patterns: ['/a/*/b'] })).toThrow(/only allowed as the last segment/);
  });
});
