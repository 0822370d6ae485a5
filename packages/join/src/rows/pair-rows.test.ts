import { describe, expect, it } from 'vitest';
import { outcomeColumns, outcomeText } from './pair-rows.js';

describe('outcome columns of a pair row', () => {
  it('store each side as text: number in shortest decimal, string as is, list as a JSON array', () => {
    expect(outcomeText(12.5)).toBe('12.5');
    expect(outcomeText(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(outcomeText('approve')).toBe('approve');
    expect(outcomeText(['a', 'b"c'])).toBe('["a","b\\"c"]');
    expect(outcomeText([])).toBe('[]');
    expect(outcomeText(null)).toBeNull();
    expect(outcomeText(Number.NaN)).toBeNull();
  });

  it('a side without a value has no key; types are kept for every declared outcome', () => {
    expect(outcomeColumns([
      { name: 'price', type: 'number', live: 100, candidate: null },
      { name: 'decision', type: 'string', live: 'approve', candidate: 'decline' },
      { name: 'recs', type: 'string[]', live: ['a'], candidate: [] },
    ])).toEqual({
      outcome_types: { price: 'number', decision: 'string', recs: 'string[]' },
      live_outcomes: { price: '100', decision: 'approve', recs: '["a"]' },
      shadow_outcomes: { decision: 'decline', recs: '[]' },
    });
    expect(outcomeColumns(undefined)).toEqual({ outcome_types: {}, live_outcomes: {}, shadow_outcomes: {} });
  });
});
