import { describe, expect, it } from 'vitest';
import { resolveLabelIngesterOptions } from '../labels/options.js';
import type { LabelIngesterOptions } from '../labels/options.js';
import { resolveJoinerOptions } from './options.js';
import type { JoinerOptions } from './options.js';

// One prefix rule (@shadow/contracts topicPrefixProblem), checked where the joiner takes its options:
// a bad prefix fails at start-up naming the field, not on the first topic lookup.
const BAD_PREFIXES = ['a/b', 'a b', 'a:b', 'ünï', '${x}', 'x'.repeat(225)];

describe('joiner and label ingester options: topicPrefix', () => {
  const joiner = { kafka: {}, registry: {}, clickhouse: {}, challengers: ['cand'] } as unknown as JoinerOptions;
  const labels = { kafka: {}, registry: {}, clickhouse: {} } as unknown as LabelIngesterOptions;

  it('accepts a legal prefix and none', () => {
    expect(resolveJoinerOptions({ ...joiner, topicPrefix: 'tenant-a.' }).topicPrefix).toBe('tenant-a.');
    expect(resolveLabelIngesterOptions(labels).topicPrefix).toBe('');
  });

  it.each(BAD_PREFIXES)('refuses %j naming topicPrefix', (prefix) => {
    expect(() => resolveJoinerOptions({ ...joiner, topicPrefix: prefix })).toThrow(
      expect.objectContaining({ code: 'JOIN_INVALID_OPTIONS', message: expect.stringContaining('"topicPrefix"') }),
    );
    expect(() => resolveLabelIngesterOptions({ ...labels, topicPrefix: prefix })).toThrow(
      expect.objectContaining({ code: 'JOIN_INVALID_OPTIONS', message: expect.stringContaining('labels.topicPrefix') }),
    );
  });
});
