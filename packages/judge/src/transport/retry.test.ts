import { describe, expect, it } from 'vitest';
import { backoffDelay, retryAfterMs } from './retry.js';

describe('backoffDelay', () => {
  it('is random in [0, initial * 2^n], capped at max', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0.999)).toBe(499);
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(2000);
    expect(backoffDelay(10, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(backoffDelay(50, 500, 30_000, () => 0)).toBe(0);
  });
});

describe('retryAfterMs', () => {
  const now = Date.now();

  it('reads delta-seconds', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs([' 0 '], now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    const at = new Date(Math.ceil((now + 5000) / 1000) * 1000);
    const wait = retryAfterMs(at.toUTCString(), now);
    expect(wait).toBeGreaterThan(4000);
    expect(wait).toBeLessThanOrEqual(6000);
    expect(retryAfterMs(new Date(now - 60_000).toUTCString(), now)).toBe(0);
  });

  it('ignores what it cannot read (absent, negative, a fraction, a date that is not an HTTP date, prose)', () => {
    for (const v of [undefined, '-1', '1.5', '2030-01-01', 'soon', 'Tuesday']) expect(retryAfterMs(v, now)).toBeNull();
  });
});
