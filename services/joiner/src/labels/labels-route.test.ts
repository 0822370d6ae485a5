import { describe, expect, it } from 'vitest';
import { LABELS_MAX_PER_REQUEST, parseLabelsBody } from './labels-route.js';

describe('parseLabelsBody', () => {
  it('accepts one label or an array, maps observedAtMs and defaults the source to http', () => {
    expect(parseLabelsBody({ exchangeId: 'e1', name: 'fraud', value: true, observedAtMs: 5 })).toEqual({
      labels: [{ exchangeId: 'e1', name: 'fraud', value: true, observedTimeMs: 5, source: 'http' }],
    });
    expect(
      parseLabelsBody([
        { exchangeId: 'e1', name: 'n', value: 1 },
        { exchangeId: 'e2', name: 'n', value: 'x', source: 'crm' },
      ]),
    ).toEqual({
      labels: [
        { exchangeId: 'e1', name: 'n', value: 1, source: 'http' },
        { exchangeId: 'e2', name: 'n', value: 'x', source: 'crm' },
      ],
    });
  });

  it('names each bad field, with its index in an array', () => {
    const r = parseLabelsBody([
      { exchangeId: 'e1', name: 'n', value: 1 },
      { exchangeId: '', name: '9x', value: null, observedAtMs: 1.5 },
    ]);
    expect('problems' in r && r.problems.map((p) => p.split(':')[0])).toEqual(['[1].exchangeId', '[1].name', '[1].value', '[1].observedAtMs']);
    const unknown = parseLabelsBody({ exchangeId: 'e', name: 'n', value: 1, label: 2 });
    expect('problems' in unknown && unknown.problems).toEqual([expect.stringMatching(/^\(body\): .*\(label\)$/)]);
    expect(parseLabelsBody([])).toEqual({ problems: [expect.stringMatching(/^\(body\): expected at least one label/)] });
    expect(parseLabelsBody('x')).toEqual({ problems: [expect.stringMatching(/^\(body\): /)] });
  });

  it('refuses non-finite numbers and oversized arrays', () => {
    expect('problems' in parseLabelsBody({ exchangeId: 'e', name: 'n', value: Number.POSITIVE_INFINITY })).toBe(true);
    const many = Array.from({ length: LABELS_MAX_PER_REQUEST + 1 }, (_, i) => ({ exchangeId: `e${i}`, name: 'n', value: 1 }));
    expect(parseLabelsBody(many)).toEqual({ problems: [expect.stringMatching(/at most 10000 labels/)] });
  });
});
