import { describe, expect, it } from 'vitest';
import { createRampDriver, RAMP_START, rampStep, resolveRampConfig, type RampState } from './ramp.js';

const T0 = Date.now();
const MIN = 60_000;
const config = resolveRampConfig({ service: 'pricing', steps: [0.01, 0.1, 0.5, 1], holdMs: 10 * MIN, minSample: 500 });

describe('rampStep', () => {
  it('starts at the first step', () => {
    const r = rampStep(config, RAMP_START, { nowMs: T0, sample: 0, firing: false, fired: 0 });
    expect(r.change).toEqual({ from: null, to: 0.01, direction: 'start', reason: 'ramp starts at 0.01' });
    expect(r.state).toEqual({ step: 0, enteredAtMs: T0, firedSeen: 0, backoffs: 0 });
  });

  it('goes up only after the hold time AND the sample, and only while no alert fires', () => {
    const s: RampState = { step: 0, enteredAtMs: T0, firedSeen: 0, backoffs: 0 };
    expect(rampStep(config, s, { nowMs: T0 + 9 * MIN, sample: 10_000, firing: false, fired: 0 }).change).toBeNull(); // held too short
    expect(rampStep(config, s, { nowMs: T0 + 60 * MIN, sample: 499, firing: false, fired: 0 }).change).toBeNull(); // too few pairs
    expect(rampStep(config, s, { nowMs: T0 + 60 * MIN, sample: 10_000, firing: true, fired: 0 }).change).toBeNull(); // an alert fires (already seen)
    const up = rampStep(config, s, { nowMs: T0 + 10 * MIN, sample: 500, firing: false, fired: 0 });
    expect(up.change).toMatchObject({ from: 0.01, to: 0.1, direction: 'up' });
    expect(up.state).toEqual({ step: 1, enteredAtMs: T0 + 10 * MIN, firedSeen: 0, backoffs: 0 });
  });

  it('steps back one step on a new firing (not on every tick while it fires), or to the first with onAlert first', () => {
    const s: RampState = { step: 2, enteredAtMs: T0, firedSeen: 3, backoffs: 0 };
    const back = rampStep(config, s, { nowMs: T0 + MIN, sample: 0, firing: true, fired: 4 });
    expect(back.change).toMatchObject({ from: 0.5, to: 0.1, direction: 'down' });
    expect(back.state).toEqual({ step: 1, enteredAtMs: T0 + MIN, firedSeen: 4, backoffs: 1 });
    expect(rampStep(config, back.state, { nowMs: T0 + 2 * MIN, sample: 0, firing: true, fired: 4 }).change).toBeNull();
    const first = resolveRampConfig({ service: 'pricing', holdMs: 0, minSample: 0, onAlert: 'first' });
    expect(rampStep(first, { ...s, step: 3 }, { nowMs: T0, sample: 0, firing: true, fired: 4 }).change).toMatchObject({ from: 1, to: 0.01 });
    // already at the first step: no change, but the hold starts again
    const bottom = rampStep(config, { step: 0, enteredAtMs: T0, firedSeen: 0, backoffs: 0 }, { nowMs: T0 + 5 * MIN, sample: 0, firing: true, fired: 1 });
    expect(bottom).toEqual({ state: { step: 0, enteredAtMs: T0 + 5 * MIN, firedSeen: 1, backoffs: 1 }, change: null });
  });

  it('stays at the last step', () => {
    expect(
      rampStep(config, { step: 3, enteredAtMs: T0, firedSeen: 0, backoffs: 0 }, { nowMs: T0 + 99 * MIN, sample: 1e9, firing: false, fired: 0 }).change,
    ).toBeNull();
  });

  it('config: steps strictly increasing in (0, 1], every bad field by full path', () => {
    expect(() => resolveRampConfig({ service: 'pricing', steps: [0.1, 0.1, 2], holdMs: -1, extra: 1 })).toThrow(
      /ramp\.steps\[2\]: Too big.*got 2[\s\S]*ramp\.holdMs: .*got -1[\s\S]*ramp\.extra: unknown field/,
    );
    expect(() => resolveRampConfig({ service: 'pricing', steps: [0.5, 0.1] })).toThrow(/ramp\.steps\[1\]: must be above ramp\.steps\[0\] \(0\.5\), got 0\.1/);
  });
});

describe('createRampDriver (fake clock)', () => {
  function driver(setRateFails = 0) {
    let clock = T0;
    let pairs = 0;
    let fired = 0;
    let firing = false;
    let failures = setRateFails;
    const rates: string[] = [];
    const windows: { fromMs: number; toMs: number }[] = [];
    const d = createRampDriver({
      config: { service: 'pricing', steps: [0.01, 0.1, 0.5, 1], holdMs: 10 * MIN, minSample: 500 },
      setRate: async (service, rate) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('control topic unavailable');
        }
        rates.push(`${service}=${rate}`);
      },
      sample: async (w) => {
        windows.push(w);
        return pairs;
      },
      alerts: {
        anyFiring: () => firing,
        get firedCount() {
          return fired;
        },
      },
      now: () => clock,
    });
    return {
      d,
      rates,
      windows,
      advance: (ms: number) => {
        clock += ms;
      },
      set pairs(v: number) {
        pairs = v;
      },
      fire: () => {
        fired += 1;
        firing = true;
      },
      resolve: () => {
        firing = false;
      },
    };
  }

  it('advances after hold time and sample; an alert steps it back; setRate sees every step', async () => {
    const h = driver();
    await h.d.tick();
    expect(h.rates).toEqual(['pricing=0.01']);
    h.advance(10 * MIN);
    h.pairs = 499;
    expect(await h.d.tick()).toBeNull();
    h.pairs = 500;
    expect(await h.d.tick()).toMatchObject({ to: 0.1, direction: 'up' });
    // the sample is counted from the moment the step was entered
    expect(h.windows.at(-1)).toEqual({ fromMs: T0, toMs: T0 + 10 * MIN });
    h.advance(10 * MIN);
    await h.d.tick();
    expect(h.d.rate).toBe(0.5);
    h.fire();
    h.advance(MIN);
    expect(await h.d.tick()).toMatchObject({ from: 0.5, to: 0.1, direction: 'down' });
    h.advance(30 * MIN);
    expect(await h.d.tick()).toBeNull(); // still firing: no way up
    h.resolve();
    expect(await h.d.tick()).toMatchObject({ from: 0.1, to: 0.5 });
    expect(h.rates).toEqual(['pricing=0.01', 'pricing=0.1', 'pricing=0.5', 'pricing=0.1', 'pricing=0.5']);
    expect(h.d.state.backoffs).toBe(1);
  });

  it('a setRate that fails keeps the old step and is tried again at the next tick', async () => {
    const h = driver(1);
    expect(await h.d.tick()).toBeNull();
    expect(h.d.rate).toBeNull();
    expect(await h.d.tick()).toMatchObject({ to: 0.01 });
    expect(h.rates).toEqual(['pricing=0.01']);
  });
});
