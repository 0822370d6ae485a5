import type { GateOutcome } from './types.js';

/**
 * Process exit codes of `shadow gate`: 0 promote, 1 do not promote (a verdict, and only that), 2
 * cannot decide (not enough data; nothing measured: ClickHouse unreachable or refusing, unknown
 * database or table, a failed query; an invalid criteria file / bad invocation). A pipeline treats 2
 * as "retry later or fix". docs/gate.md lists the same table (a CLI test reads it).
 */
export const GATE_EXIT_CODES = Object.freeze({ pass: 0, fail: 1, insufficient: 2, notMeasured: 2, invalid: 2 } as const);

export function exitCodeFor(outcome: GateOutcome): 0 | 1 | 2 {
  return GATE_EXIT_CODES[outcome];
}
