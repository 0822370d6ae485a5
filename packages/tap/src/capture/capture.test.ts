import { describe, expect, it } from 'vitest';
import { pathOf, queryOf } from './capture.js';

describe('request target', () => {
  it.each([
    ['/a/b?x=1&y=2', '/a/b', 'x=1&y=2'],
    ['/a', '/a', ''],
    ['/a?', '/a', ''],
    ['http://example.com/p/q?z=1', '/p/q', 'z=1'],
    ['*', '*', ''],
    [undefined, '/', ''],
  ])('%s -> path %s, query %s', (url, path, query) => {
    expect(pathOf(url)).toBe(path);
    expect(queryOf(url)).toBe(query);
  });
});
