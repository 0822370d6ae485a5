import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, isFiring, stepAlert, type AlertState } from './hysteresis.js';
import type { Condition } from './judge.js';

const T0 = Date.now();

/** Runs a sequence of conditions 10 s apart; returns the transitions and the last state. */
function run(conditions: Condition[], holds = { forMs: 0, resolveForMs: 0 }): { transitions: string[]; state: AlertState } {
  let state = INITIAL_STATE;
  const transitions: string[] = [];
  conditions.forEach((c, i) => {
    const r = stepAlert(state, c, T0 + i * 10_000, holds);
    state = r.state;
    if (r.transition !== null) transitions.push(`${i}:${r.transition}`);
  });
  return { transitions, state };
}

describe('stepAlert', () => {
  it('fires once over a long breach and resolves once over a long recovery', () => {
    expect(run(['clear', 'breach', 'breach', 'breach', 'clear', 'clear', 'clear']).transitions).toEqual(['1:fired', '4:resolved']);
  });

  it('a value wobbling in the band between threshold and resolveAt neither resolves nor fires again', () => {
    expect(run(['breach', 'hold', 'breach', 'hold', 'breach', 'hold', 'clear']).transitions).toEqual(['0:fired', '6:resolved']);
  });

  it('insufficient evidence changes nothing: a firing alert stays firing', () => {
    const r = run(['breach', 'insufficient', 'insufficient']);
    expect(r.transitions).toEqual(['0:fired']);
    expect(isFiring(r.state)).toBe(true);
  });

  it('forMs: the breach must be seen continuously for that long', () => {
    const holds = { forMs: 20_000, resolveForMs: 0 };
    // breach at 0, 10 s (pending), interrupted at 20 s, breach again 30, 40, 50 s -> fires at 50 s (20 s after 30 s)
    expect(run(['breach', 'breach', 'hold', 'breach', 'breach', 'breach'], holds).transitions).toEqual(['5:fired']);
  });

  it('resolveForMs: the recovery must last that long; a relapse keeps the original firing time', () => {
    const holds = { forMs: 0, resolveForMs: 20_000 };
    const r = run(['breach', 'clear', 'breach', 'clear', 'clear', 'clear'], holds);
    expect(r.transitions).toEqual(['0:fired', '5:resolved']);
    const relapse = run(['breach', 'clear', 'breach'], holds);
    expect(relapse.state).toEqual({ status: 'firing', sinceMs: T0, firedAtMs: T0 });
  });
});
