import { describe, expect, it } from 'vitest';
import { jsonTypeOf, numbersEqual, parseJson, renderValue } from './json-parse.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint', () => {
    const v = parseJson('{"id": 12345678901234567891, "small": 42, "neg": -98765432109876543210}') as Record<string, unknown>;
    expect(v.id).toBe(12345678901234567891n);
    expect(v.small).toBe(42);
    expect(v.neg).toBe(-98765432109876543210n);
  });

  it('returns plain numbers for long literals that are still safe or not integers', () => {
    const v = parseJson('[9007199254740991, 1234567890123456.5, 0.12345678901234567]') as unknown[];
    expect(v).toEqual([9007199254740991, 1234567890123456.5, Number('0.12345678901234567')]);
  });

  it('parses what JSON.parse parses, identically, on the slow path', () => {
    // The 16-digit string forces the hand-written parser for the whole document.
    const text = JSON.stringify({
      s: 'a\\"b\n\u00e9\ud83d\ude00',
      n: [0, -1, 1.5e-7, 2e3],
      b: [true, false, null],
      o: { x: { y: [] } },
      e: {},
      pad: '1234567890123456',
    });
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('keeps a "__proto__" key as data, not as the prototype', () => {
    const v = parseJson('{"__proto__": {"polluted": 1}, "k": "1234567890123456"}') as Record<string, unknown>;
    expect(Object.keys(v)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('throws SyntaxError on invalid JSON on both paths', () => {
    expect(() => parseJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseJson('{"a": 12345678901234567890,}')).toThrow(SyntaxError);
    expect(() => parseJson('[01234567890123456789]')).toThrow(SyntaxError);
  });
});

describe('numbersEqual', () => {
  it('compares numbers by value: 1 == 1.0 == 1e0, 1e3 == 1000, -0 == 0', () => {
    expect(numbersEqual(parseJson('1') as number, parseJson('1.0') as number)).toBe(true);
    expect(numbersEqual(parseJson('1e3') as number, parseJson('1000') as number)).toBe(true);
    expect(numbersEqual(parseJson('-0') as number, parseJson('0') as number)).toBe(true);
  });

  it('compares big integers exactly and against doubles only when the double is that integer', () => {
    expect(numbersEqual(12345678901234567891n, 12345678901234567891n)).toBe(true);
    expect(numbersEqual(12345678901234567891n, 12345678901234567892n)).toBe(false);
    expect(numbersEqual(9007199254740993n, 9007199254740992)).toBe(false);
    expect(numbersEqual(2n ** 60n, 2 ** 60)).toBe(true);
  });
});

describe('jsonTypeOf / renderValue', () => {
  it('types bigint as number', () => {
    expect(jsonTypeOf(1n)).toBe('number');
    expect(jsonTypeOf([])).toBe('array');
    expect(jsonTypeOf(null)).toBe('null');
  });

  it('renders bigint digits and cuts long values', () => {
    expect(renderValue({ id: 12345678901234567891n }, 100)).toBe('{"id":12345678901234567891}');
    const long = renderValue({ items: Array.from({ length: 10_000 }, (_, i) => i) }, 50);
    expect(long.length).toBe(50);
    expect(long.endsWith('…')).toBe(true);
  });
});
