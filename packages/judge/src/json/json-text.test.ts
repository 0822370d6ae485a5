import { describe, expect, it } from 'vitest';
import { jsonText, MAX_JSON_DEPTH, TooDeepError } from './json-text.js';

describe('jsonText', () => {
  it('writes what JSON.stringify writes for plain JSON', () => {
    const v = { a: [1, 'two', null, true, { b: -0.5 }], 'c d': 'é\n"' };
    expect(jsonText(v)).toBe(JSON.stringify(v));
  });

  it('writes a bigint as its digits (the lossless parser hands those in)', () => {
    expect(jsonText({ id: 12345678901234567890n })).toBe('{"id":12345678901234567890}');
  });

  it('orders keys when sorted, at every level, so a reordered answer has the same text', () => {
    expect(jsonText({ b: 1, a: { d: 2, c: 3 } }, true)).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(jsonText({ b: 1, a: 2 }, true)).toBe(jsonText({ a: 2, b: 1 }, true));
  });

  it('drops undefined object members and nulls non-finite numbers, as JSON does', () => {
    expect(jsonText({ a: undefined, b: Number.NaN, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });

  it('refuses a document deeper than the bound instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = [deep];
    expect(() => jsonText(deep)).toThrow(TooDeepError);
  });
});
