import { describe, expect, it } from 'vitest';
import { bucketWidth, EXCHANGE_ID_PATTERN } from './explore-store.js';

describe('bucketWidth', () => {
  it('is the smallest round width giving at most maxBuckets buckets', () => {
    expect(bucketWidth(20 * 60_000, 60)).toBe(30_000);
    expect(bucketWidth(20 * 60_000, 10)).toBe(120_000);
    expect(bucketWidth(1, 60)).toBe(1000);
    expect(bucketWidth(3_600_000, 60)).toBe(60_000);
    expect(bucketWidth(90 * 86_400_000, 60)).toBe(172_800_000);
    // Past a week per bucket: whole days.
    expect(bucketWidth(1000 * 86_400_000, 10)).toBe(100 * 86_400_000);
    for (const [span, n] of [
      [123_456, 7],
      [9_999_999, 60],
      [86_400_000, 30],
    ] as const)
      expect(Math.ceil(span / bucketWidth(span, n))).toBeLessThanOrEqual(n);
  });
});

describe('EXCHANGE_ID_PATTERN', () => {
  it('takes what the tap makes (UUIDv7, request-id header values) and nothing with spaces, controls or over 128', () => {
    expect(EXCHANGE_ID_PATTERN.test('01890a5d-ac96-774b-bcce-b302099a8057')).toBe(true);
    expect(EXCHANGE_ID_PATTERN.test('req_42/abc')).toBe(true);
    for (const bad of ['', 'a b', 'a\u0000', 'é', 'x'.repeat(129)]) expect(EXCHANGE_ID_PATTERN.test(bad)).toBe(false);
  });
});
