import { describe, expect, it } from 'vitest';
import { assertLabel, labelContract, labelProblems } from './avro.js';
import type { Label } from './types.js';
import { labelValueText } from './types.js';

const base: Label = { exchangeId: 'ex-1', name: 'fraud', value: true, observedTimeMs: 1_700_000_000_123, source: 'http' };

describe('label contract', () => {
  it.each<Label['value']>(['approve', 0.25, 3, false])('round-trips a %s value through Avro with its JavaScript type', (value) => {
    const label = { ...base, value };
    const decoded = labelContract.fromAvro(labelContract.type.fromBuffer(labelContract.type.toBuffer(labelContract.toAvro(label))) as Record<string, unknown>);
    expect(decoded).toEqual(label);
    expect(typeof decoded.value).toBe(typeof value);
  });

  it('is dev.shadow.v1.Label and reads a record without source (default "")', () => {
    expect(labelContract.name).toBe('dev.shadow.v1.Label');
    const { source: _omitted, ...rest } = labelContract.toAvro(base);
    const noSource = labelContract.type.fromBuffer(labelContract.type.toBuffer({ ...rest, source: '' }));
    expect(labelContract.fromAvro(noSource as Record<string, unknown>).source).toBe('');
  });

  it('names every unusable field', () => {
    expect(labelProblems(base)).toEqual([]);
    const bad = { exchangeId: '', name: '1 bad', value: Number.NaN, observedTimeMs: -1, source: '' };
    const problems = labelProblems(bad);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['exchangeId', 'name', 'value', 'observedTimeMs']);
    expect(() => assertLabel(bad)).toThrow(expect.objectContaining({ code: 'CONTRACTS_INVALID_ARGUMENT' }));
    expect(labelProblems({ ...base, value: { nested: 1 } as never })).toEqual(['value: expected a string, number or boolean']);
  });

  it('compares values as the text JSON_VALUE gives for the same JSON scalar', () => {
    expect([labelValueText('x'), labelValueText(1), labelValueText(0.5), labelValueText(true)]).toEqual(['x', '1', '0.5', 'true']);
  });
});
