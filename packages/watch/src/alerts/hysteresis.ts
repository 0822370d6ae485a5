// The state of one rule instance across evaluations, so an alert fires once and resolves once.
//
//   ok --breach--> pending --breach for forMs--> firing --clear--> resolving --clear for resolveForMs--> ok
//
// With forMs = 0 a breach fires at once (no pending step), with resolveForMs = 0 a clear resolves
// at once. `hold` (the value between the threshold and resolveAt) and `insufficient` (too small a
// sample) change nothing, except that they interrupt a pending or resolving step: the breach or
// the recovery has to be seen continuously for its hold time.
import type { Condition } from './judge.js';

export type AlertStatus = 'ok' | 'pending' | 'firing' | 'resolving';

export interface AlertState {
  readonly status: AlertStatus;
  /** When the current status began, epoch ms. */
  readonly sinceMs: number;
  /** When the alert fired (kept while firing and resolving), epoch ms. */
  readonly firedAtMs: number | null;
}

export const INITIAL_STATE: AlertState = Object.freeze({ status: 'ok', sinceMs: 0, firedAtMs: null });

export interface StepResult {
  readonly state: AlertState;
  /** Set on the evaluation that fires or resolves the alert, and only then. */
  readonly transition: 'fired' | 'resolved' | null;
}

/** The next state after one evaluation at `nowMs`. */
export function stepAlert(state: AlertState, condition: Condition, nowMs: number, holds: { forMs: number; resolveForMs: number }): StepResult {
  const to = (status: AlertStatus, firedAtMs: number | null, transition: StepResult['transition'] = null): StepResult => ({
    state: { status, sinceMs: nowMs, firedAtMs },
    transition,
  });
  const stay: StepResult = { state, transition: null };
  switch (state.status) {
    case 'ok':
      if (condition !== 'breach') return stay;
      return holds.forMs === 0 ? to('firing', nowMs, 'fired') : to('pending', null);
    case 'pending':
      if (condition !== 'breach') return to('ok', null);
      return nowMs - state.sinceMs >= holds.forMs ? to('firing', nowMs, 'fired') : stay;
    case 'firing':
      if (condition !== 'clear') return stay;
      return holds.resolveForMs === 0 ? to('ok', null, 'resolved') : to('resolving', state.firedAtMs);
    case 'resolving':
      if (condition !== 'clear')
        return { state: { status: 'firing', sinceMs: state.firedAtMs ?? state.sinceMs, firedAtMs: state.firedAtMs }, transition: null };
      return nowMs - state.sinceMs >= holds.resolveForMs ? to('ok', null, 'resolved') : stay;
  }
}

/** Whether the alert counts as firing (a resolving alert still does until it resolved). */
export function isFiring(state: AlertState): boolean {
  return state.status === 'firing' || state.status === 'resolving';
}
