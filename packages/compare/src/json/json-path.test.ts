import { describe, expect, it } from 'vitest';
import { CompareError } from '../errors.js';
import { compilePath, formatCollapsedPath, formatPath, matchPrefix, matchesExactly, selectValues } from './json-path.js';

describe('JSONPath formatting', () => {
  it('formats concrete and collapsed paths, quoting keys that are not identifiers', () => {
    const steps = ['items', 3, 'price'];
    expect(formatPath(steps)).toBe('$.items[3].price');
    expect(formatCollapsedPath(steps)).toBe('$.items[*].price');
    expect(formatPath(['content-type', "it's"])).toBe("$['content-type']['it\\'s']");
    expect(formatPath([])).toBe('$');
  });
});

describe('compilePath', () => {
  it('parses the supported subset', () => {
    expect(compilePath('$.a[2][*].b').segments).toEqual([{ t: 'key', key: 'a' }, { t: 'index', index: 2 }, { t: 'any' }, { t: 'key', key: 'b' }]);
    expect(compilePath("$['x y'].*..id").segments).toEqual([{ t: 'key', key: 'x y' }, { t: 'any' }, { t: 'descend' }, { t: 'key', key: 'id' }]);
    expect(compilePath('$.content-type').segments).toEqual([{ t: 'key', key: 'content-type' }]);
  });

  it.each([
    ['price', 'must start with "$"'],
    ['$.', 'expected a key name'],
    ['$[?(@.a>1)]', 'filter expressions are not supported'],
    ["$['open", 'unterminated quoted key'],
    ['$..', 'expected a key name'],
    ['$.a b', 'unexpected " "'],
  ])('rejects %s naming the field', (source, message) => {
    try {
      compilePath(source, 'rules[0].ignorePaths[1]');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CompareError);
      expect((error as CompareError).code).toBe('COMPARE_INVALID_JSONPATH');
      expect((error as CompareError).field).toBe('rules[0].ignorePaths[1]');
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('matching', () => {
  it('matches a rule as a prefix of a concrete path (a rule covers its subtree)', () => {
    expect(matchPrefix(compilePath('$.meta'), ['meta', 'requestId'])).toBe(1);
    expect(matchPrefix(compilePath('$.items[*].updatedAt'), ['items', 7, 'updatedAt'])).toBe(3);
    expect(matchPrefix(compilePath('$..requestId'), ['a', 0, 'requestId', 'x'])).toBe(3);
    expect(matchPrefix(compilePath('$.items[0]'), ['items', 1, 'x'])).toBe(-1);
    expect(matchPrefix(compilePath('$'), ['anything'])).toBe(0);
  });

  it('matches exactly', () => {
    expect(matchesExactly(compilePath('$.items'), ['items'])).toBe(true);
    expect(matchesExactly(compilePath('$.items'), ['items', 0])).toBe(false);
    expect(matchesExactly(compilePath('$..*'), ['a', 'b'])).toBe(true);
  });
});

describe('selectValues', () => {
  const doc = {
    items: [
      { id: 'a', p: 1 },
      { id: 'b', p: 2 },
    ],
    deep: { x: { id: 'c' } },
  };
  it('selects keys, indices, negative indices, wildcards and descendants', () => {
    expect(selectValues(compilePath('$.items[*].id'), doc)).toEqual(['a', 'b']);
    expect(selectValues(compilePath('$.items[-1].p'), doc)).toEqual([2]);
    expect(selectValues(compilePath('$..id'), doc)).toEqual(['a', 'b', 'c']);
    expect(selectValues(compilePath('$.missing'), doc)).toEqual([]);
    expect(selectValues(compilePath('$'), doc)).toEqual([doc]);
  });
});
