import { resolveRampConfig, RAMP_START } from '@shadow/watch';
import { describe, expect, it } from 'vitest';
import { resumeState } from './joiner-watch.js';

describe('resumeState (a restarted joiner resuming its ramp)', () => {
  const config = resolveRampConfig({ service: 'pricing', steps: [0.01, 0.1, 0.5, 1] });
  const now = 1_000_000;

  it('starts when the control topic holds no rate, or one below the first step', () => {
    expect(resumeState(config, null, now)).toEqual({ state: RAMP_START, exact: false });
    expect(resumeState(config, 0.005, now)).toEqual({ state: RAMP_START, exact: false });
  });

  it('resumes at the step it finds, hold and sample counted afresh', () => {
    expect(resumeState(config, 0.1, now)).toEqual({ state: { step: 1, enteredAtMs: now, firedSeen: 0, backoffs: 0 }, exact: true });
    expect(resumeState(config, 1, now).state.step).toBe(3);
  });

  it('between steps: the highest step below, to be written (never jumps ahead)', () => {
    expect(resumeState(config, 0.3, now)).toEqual({ state: { step: 1, enteredAtMs: now, firedSeen: 0, backoffs: 0 }, exact: false });
  });
});
