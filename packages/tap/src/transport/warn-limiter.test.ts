import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WarnLimiter } from './warn-limiter.js';

describe('WarnLimiter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('logs the first occurrence, then at most once per interval with the counts since', () => {
    const warn = vi.fn();
    const limiter = new WarnLimiter({ debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() }, 10_000, 'dropped');
    limiter.note('queue_full');
    expect(warn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 1_000; i++) limiter.note('queue_full');
    limiter.note('send_failed', 5, 'broker down');
    expect(warn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000); // the tail of the burst is logged by the timer
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]?.[0]).toEqual({ counts: { queue_full: 1_000, send_failed: 5 }, sinceMs: 10_000, lastError: 'broker down' });
    vi.advanceTimersByTime(60_000);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
