import { describe, expect, it } from 'vitest';
import { labelRow } from './label-rows.js';
import { resolveLabelIngesterOptions } from './options.js';
import type { LabelIngesterOptions } from './options.js';

const deps = { kafka: {}, registry: {}, clickhouse: {} } as unknown as LabelIngesterOptions;

describe('labels ingester options', () => {
  it('defaults to its own consumer group and the labels table', () => {
    const o = resolveLabelIngesterOptions(deps);
    expect(o).toMatchObject({ groupId: 'shadow-joiner-labels', table: 'labels', topicPrefix: '', fromBeginning: true });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('names the bad field', () => {
    expect(() => resolveLabelIngesterOptions({ ...deps, table: 'labels; DROP' })).toThrow(/^labels\.table: expected a table name/);
    expect(() => resolveLabelIngesterOptions({ ...deps, retryMaxMs: 0 })).toThrow(
      expect.objectContaining({ code: 'JOIN_INVALID_OPTIONS', message: expect.stringMatching(/^labels\.retryMaxMs/) }),
    );
    expect(() => resolveLabelIngesterOptions({ ...deps, clickhouse: undefined as never })).toThrow(/^labels\.clickhouse/);
  });
});

describe('labelRow', () => {
  it('stores the value as the text the accuracy join compares, with its type', () => {
    const row = (value: string | number | boolean) => labelRow({ exchangeId: 'e', name: 'n', value, observedTimeMs: 5, source: 's' }, 9);
    expect(row(0.25)).toEqual({ exchange_id: 'e', name: 'n', value: '0.25', value_type: 'number', observed_time: 5, landed_time: 9, source: 's' });
    expect([row(false).value, row(false).value_type]).toEqual(['false', 'boolean']);
    expect([row('approve').value, row('approve').value_type]).toEqual(['approve', 'string']);
  });
});
