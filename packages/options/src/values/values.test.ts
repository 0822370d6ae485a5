import { describe, expect, it } from 'vitest';
import { describeJson, describeValue, mustBe } from './describe.js';
import { fieldPath, isPlainObject, valueAt } from './objects.js';

describe('value descriptions', () => {
  it('by kind: strings quoted and cut, containers and functions by kind, never their content', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(70))).toBe(JSON.stringify(`${'x'.repeat(60)}...`));
    expect([describeValue([1]), describeValue({ a: 1 }), describeValue(() => 1), describeValue(/a.b/i)]).toEqual([
      'an array',
      'an object',
      'a function',
      '/a.b/i',
    ]);
    expect([describeValue(undefined), describeValue(null), describeValue(3), describeValue(true)]).toEqual(['undefined', 'null', '3', 'true']);
    expect(mustBe('queue.maxItems', 'an integer >= 1', -1)).toBe('queue.maxItems must be an integer >= 1, got -1');
  });

  it('as JSON, cut at 80 characters', () => {
    expect(describeJson({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(describeJson('y'.repeat(100))).toBe(`"${'y'.repeat(76)}...`);
    expect(describeJson(undefined)).toBe('undefined');
    expect(describeJson(10n)).toBe('10');
  });
});

describe('objects and paths', () => {
  it("an options object is any object but null, an array, a RegExp, a Date, a Map or a Set (its prototype may be a config library's)", () => {
    const fromConfigLibrary = Object.assign(Object.create({ get: () => 1 }) as object, { a: 1 });
    expect([isPlainObject({}), isPlainObject(Object.create(null)), isPlainObject(fromConfigLibrary), isPlainObject(new (class A {})())]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([
      isPlainObject([]),
      isPlainObject(/x/),
      isPlainObject(new Date()),
      isPlainObject(new Map()),
      isPlainObject(new Set()),
      isPlainObject(null),
      isPlainObject('a'),
      isPlainObject(() => 1),
    ]).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('names a field by its full path and reads the value there', () => {
    expect(fieldPath('judges', ['a', 'limits', 0, 'rate'])).toBe('judges.a.limits[0].rate');
    expect(fieldPath('', ['rules', 2])).toBe('rules[2]');
    expect(fieldPath('', [], '(judges)')).toBe('(judges)');
    expect(valueAt({ a: [{ b: 7 }] }, ['a', 0, 'b'])).toBe(7);
    expect(valueAt({ a: 1 }, ['a', 'b'])).toBeUndefined();
  });
});
