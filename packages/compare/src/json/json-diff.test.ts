import { describe, expect, it } from 'vitest';
import { diffJson, deepEqual, type ArrayKeyRule, type JsonDiffKind } from './json-diff.js';
import { parseJson } from './json-parse.js';
import { compilePath, formatPath } from './json-path.js';

interface Found {
  path: string;
  kind: JsonDiffKind;
  live: unknown;
  candidate: unknown;
}

function diff(live: string, candidate: string, opts: { maxDepth?: number; maxDiffs?: number; arrayKeys?: ArrayKeyRule[] } = {}) {
  const found: Found[] = [];
  const summary = diffJson(parseJson(live), parseJson(candidate), {
    maxDepth: opts.maxDepth ?? 64,
    maxDiffs: opts.maxDiffs ?? 1000,
    arrayKeys: opts.arrayKeys ?? [],
    onDiff: (site, kind, l, c) => {
      found.push({ path: formatPath(site.steps), kind, live: l, candidate: c });
      return true;
    },
  });
  return { found, summary };
}

describe('diffJson', () => {
  it('ignores key order', () => {
    expect(diff('{"a":1,"b":{"x":[1,2],"y":null}}', '{"b":{"y":null,"x":[1,2]},"a":1}').found).toEqual([]);
  });

  it('reports a changed array element by index', () => {
    expect(diff('{"items":[{"p":1},{"p":2}]}', '{"items":[{"p":1},{"p":3}]}').found).toEqual([
      { path: '$.items[1].p', kind: 'value_changed', live: 2, candidate: 3 },
    ]);
  });

  it('reports a longer or shorter array once at the array, comparing the common prefix', () => {
    expect(diff('[1,2]', '[1,2,3]').found).toEqual([{ path: '$', kind: 'array_length', live: 2, candidate: 3 }]);
    expect(diff('{"a":[1,2,3]}', '{"a":[9]}').found).toEqual([
      { path: '$.a', kind: 'array_length', live: 3, candidate: 1 },
      { path: '$.a[0]', kind: 'value_changed', live: 1, candidate: 9 },
    ]);
  });

  it('reports a type change inside an array and at the root', () => {
    expect(diff('[1,{"a":1}]', '[1,[1]]').found).toEqual([{ path: '$[1]', kind: 'type_changed', live: { a: 1 }, candidate: [1] }]);
    expect(diff('{"a":1}', '[1]').found).toEqual([{ path: '$', kind: 'type_changed', live: { a: 1 }, candidate: [1] }]);
    expect(diff('{"a":null}', '{"a":{}}').found[0]?.kind).toBe('type_changed');
  });

  it('reports missing and extra keys (null is not missing)', () => {
    expect(diff('{"a":1,"b":null}', '{"b":null,"c":2}').found).toEqual([
      { path: '$.a', kind: 'missing_in_candidate', live: 1, candidate: undefined },
      { path: '$.c', kind: 'extra_in_candidate', live: undefined, candidate: 2 },
    ]);
    expect(diff('{"a":null}', '{}').found[0]?.kind).toBe('missing_in_candidate');
  });

  it('compares numbers by value: 1 == 1.0, 1e3 == 1000, -0 == 0; 1 != "1"', () => {
    expect(diff('[1, 1e3, -0, 2.50]', '[1.0, 1000, 0, 2.5]').found).toEqual([]);
    expect(diff('{"n":1}', '{"n":"1"}').found).toEqual([{ path: '$.n', kind: 'type_changed', live: 1, candidate: '1' }]);
  });

  it('compares big integers exactly', () => {
    expect(diff('{"id":12345678901234567891}', '{"id":12345678901234567891}').found).toEqual([]);
    expect(diff('{"id":12345678901234567891}', '{"id":12345678901234567892}').found).toEqual([
      { path: '$.id', kind: 'value_changed', live: 12345678901234567891n, candidate: 12345678901234567892n },
    ]);
  });

  it('does not normalise unicode: NFC and NFD spellings differ; equal code points are equal', () => {
    const nfc = JSON.stringify({ name: 'caf\u00e9' });
    const nfd = JSON.stringify({ name: 'cafe\u0301' });
    expect(diff(nfc, nfd).found).toEqual([{ path: '$.name', kind: 'value_changed', live: 'caf\u00e9', candidate: 'cafe\u0301' }]);
    expect(diff('{"e":"\\u00e9😀"}', JSON.stringify({ e: '\u00e9😀' })).found).toEqual([]);
    expect(diff('{"ключ":1}', '{"ключ":2}').found[0]?.path).toBe("$['ключ']");
  });

  it('matches arrays of objects by a configured key, ignoring order', () => {
    const arrayKeys = [{ path: compilePath('$.items'), key: 'id' }];
    const live = '{"items":[{"id":1,"p":10},{"id":2,"p":20},{"id":3,"p":30}]}';
    const cand = '{"items":[{"id":3,"p":30},{"id":1,"p":11},{"id":4,"p":40}]}';
    expect(diff(live, cand, { arrayKeys }).found).toEqual([
      { path: '$.items[0].p', kind: 'value_changed', live: 10, candidate: 11 },
      { path: '$.items[1]', kind: 'missing_in_candidate', live: { id: 2, p: 20 }, candidate: undefined },
      { path: '$.items[2]', kind: 'extra_in_candidate', live: undefined, candidate: { id: 4, p: 40 } },
    ]);
  });

  it('falls back to index comparison when array keys repeat or are missing', () => {
    const arrayKeys = [{ path: compilePath('$'), key: 'id' }];
    expect(diff('[{"id":1},{"id":1}]', '[{"id":1},{"id":2}]', { arrayKeys }).found).toEqual([
      { path: '$[1].id', kind: 'value_changed', live: 1, candidate: 2 },
    ]);
  });

  it('compares subtrees below maxDepth whole, without recursion', () => {
    const deep = (leaf: number) => `${'['.repeat(5000)}${leaf}${']'.repeat(5000)}`;
    const { found, summary } = diff(deep(1), deep(2), { maxDepth: 10 });
    expect(summary.depthLimited).toBe(true);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe(`$${'[0]'.repeat(10)}`);
    expect(diff(deep(1), deep(1), { maxDepth: 10 }).found).toEqual([]);
  });

  it('stops after maxDiffs and says so', () => {
    const live = JSON.stringify(Array.from({ length: 100 }, (_, i) => i));
    const cand = JSON.stringify(Array.from({ length: 100 }, (_, i) => i + 1));
    const { found, summary } = diff(live, cand, { maxDiffs: 10 });
    expect(found).toHaveLength(10);
    expect(summary.truncated).toBe(true);
  });
});

describe('deepEqual', () => {
  it('ignores key order and compares numbers by value', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: 1n }, { c: 1, a: [1.0, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1], ['1'])).toBe(false);
  });
});

// An oracle independent of the code under test: JSON with keys sorted.
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );

describe('diffJson against a canonical-JSON oracle on random documents', () => {
  // Seeded, so a failure reproduces.
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const gen = (depth: number): unknown => {
    switch (rnd(depth > 3 ? 4 : 6)) {
      case 0:
        return rnd(3) === 0 ? null : rnd(2) === 0;
      case 1:
        return rnd(100) - 50 + (rnd(2) === 0 ? 0.5 : 0);
      case 2:
        return ['a', 'b', 'é', ''][rnd(4)];
      case 3:
        return rnd(5);
      case 4:
        return Array.from({ length: rnd(4) }, () => gen(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: rnd(4) }, (_, i) => [`k${rnd(5)}${i}`, gen(depth + 1)]));
    }
  };
  const mutate = (v: unknown): unknown => {
    if (rnd(4) === 0) return gen(2);
    if (Array.isArray(v)) return v.map((x) => (rnd(3) === 0 ? mutate(x) : x));
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).map(([k, x]) => [k, rnd(3) === 0 ? mutate(x) : x] as const);
      return Object.fromEntries(rnd(2) === 0 ? entries.reverse() : entries);
    }
    return v;
  };

  it('finds a difference exactly when the canonical texts differ (500 cases), as deepEqual does', () => {
    let differing = 0;
    for (let i = 0; i < 500; i++) {
      const a = gen(0);
      const b = rnd(3) === 0 ? JSON.parse(JSON.stringify(a)) : mutate(a);
      let found = 0;
      diffJson(a, b, {
        maxDepth: 64,
        maxDiffs: 10_000,
        arrayKeys: [],
        onDiff: () => {
          found++;
          return true;
        },
      });
      const same = canonical(a) === canonical(b);
      expect(found === 0, JSON.stringify([a, b])).toBe(same);
      expect(deepEqual(a, b)).toBe(same);
      if (found > 0) differing++;
    }
    // Both outcomes were exercised.
    expect(differing).toBeGreaterThan(50);
    expect(differing).toBeLessThan(450);
  });
});
