import { describe, expect, it } from 'vitest';
import { CompareError } from '../errors.js';
import { compileOutcomeSpecs, extractOutcomes, type OutcomeSpec } from './outcomes.js';

const specs: OutcomeSpec[] = [
  { name: 'price', path: '$.offer.price', type: 'number' },
  { name: 'decision', path: '$.decision', type: 'string' },
  { name: 'recommended', path: '$.items[*].id', type: 'string[]' },
  { name: 'score', path: '$.score', type: 'number' },
];

describe('extractOutcomes', () => {
  it('extracts typed values', () => {
    const body = { offer: { price: 12.5 }, decision: true, items: [{ id: 'a' }, { id: 7 }], score: '0.93' };
    expect(extractOutcomes(specs, body)).toEqual([
      { name: 'price', type: 'number', value: 12.5, error: null },
      { name: 'decision', type: 'string', value: 'true', error: null },
      { name: 'recommended', type: 'string[]', value: ['a', '7'], error: null },
      { name: 'score', type: 'number', value: 0.93, error: null },
    ]);
  });

  it('flattens a selected array for string[] and reports missing, null, type mismatch and non-JSON', () => {
    expect(extractOutcomes([{ name: 'ids', path: '$.ids', type: 'string[]' }], { ids: ['x', 'y'] })[0]?.value).toEqual(['x', 'y']);
    const out = extractOutcomes(specs, { offer: { price: 'cheap' }, decision: null, items: [{ id: { nested: 1 } }] });
    expect(out.map((o) => o.error)).toEqual(['type_mismatch', 'null', 'type_mismatch', 'missing']);
    expect(extractOutcomes(specs, undefined).every((o) => o.error === 'not_json' && o.value === null)).toBe(true);
  });

  it('takes big integers as numbers', () => {
    expect(extractOutcomes([{ name: 'n', path: '$.n', type: 'number' }], { n: 12345678901234567891n })[0]?.value).toBe(Number(12345678901234567891n));
  });
});

describe('compileOutcomeSpecs', () => {
  it.each([
    [[{ name: 'p', path: 'price', type: 'number' }], 'outcomes[0].path'],
    [[{ name: 'p', path: '$.items[?(@.x)]', type: 'number' }], 'outcomes[0].path'],
    [[{ name: 'p', path: '$.p', type: 'float' }], 'outcomes[0].type'],
    [[{ name: 'bad name', path: '$.p', type: 'number' }], 'outcomes[0].name'],
    [
      [
        { name: 'p', path: '$.p', type: 'number' },
        { name: 'p', path: '$.q', type: 'number' },
      ],
      'outcomes[1].name',
    ],
  ])('rejects a bad spec naming %j field', (bad, field) => {
    try {
      compileOutcomeSpecs(bad as OutcomeSpec[]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CompareError);
      expect((error as CompareError).code).toBe('COMPARE_INVALID_OUTCOME');
      expect((error as CompareError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });
});
