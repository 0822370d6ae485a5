import { describe, expect, it } from 'vitest';
import { idempotencyProblem } from '../migrate/idempotency-lint.js';
import { formatRunSummary, RUNS_MIGRATIONS } from './runs-migrations.js';
import type { RunSummary } from './runs-migrations.js';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: 'incident-42',
  sessions: 1,
  state: 'completed',
  partitions: 6,
  drainedPartitions: 6,
  landed: true,
  windowFromMs: 0,
  windowToMs: 1,
  exchanges: 140,
  outsideWindow: 0,
  sampledOut: 0,
  deadLettered: 0,
  challengers: [
    { id: 'rc', role: 'candidate', replayed: 140, failed: 2, paired: 139, unmatched: { no_result: 1 } },
    { id: 'sec', role: 'secondary', replayed: 140, failed: 0, paired: 140, unmatched: {} },
  ],
  ...over,
});

describe('runs migrations and the run summary', () => {
  it('every statement is idempotent and versions stay in 50..59', () => {
    for (const m of RUNS_MIGRATIONS) {
      expect(m.version).toBeGreaterThanOrEqual(50);
      expect(m.version).toBeLessThan(60);
      for (const s of m.statements) expect(idempotencyProblem(s), s.slice(0, 60)).toBeUndefined();
    }
  });

  it('states the window, replayed, paired and unmatched by reason, overall and per challenger', () => {
    expect(formatRunSummary(summary()).split('\n')).toEqual([
      'run incident-42 (landed): 140 exchanges in the window; 2 challengers: replayed 280, paired 279, unmatched 1 (no_result 1)',
      '  rc (candidate): replayed 140 (2 with an error), paired 139, unmatched 1 (no_result 1)',
      '  sec (secondary): replayed 140, paired 140, unmatched 0',
    ]);
  });

  it('says what is not landed yet, and a run the joiner never saw', () => {
    expect(formatRunSummary(summary({ landed: false, state: 'running', drainedPartitions: 0, sampledOut: 3 }))).toMatch(
      /^run incident-42 \(running, 0 of 6 partitions landed\): 140 exchanges in the window \(3 sampled out\)/,
    );
    expect(formatRunSummary(summary({ landed: false, state: 'unknown', sessions: 0, exchanges: 0, challengers: [] }))).toBe(
      'run incident-42 (not recorded by the joiner yet): 0 exchanges in the window; 0 challengers: replayed 0, paired 0, unmatched 0',
    );
  });
});
