// Sampling that starts small and grows: a ramp of sampling rates (1% -> 10% -> 50% -> 100%) for one
// service. A step is left upwards only when it was held at least holdMs AND saw at least minSample
// pairs AND no alert fires at that moment; each new firing of an alert steps it back (to the
// previous step, or to the first with onAlert 'first'), and the step's hold starts again.
//
// rampStep is the pure state machine (tested on a fake clock); createRampDriver runs it: it reads
// the sample and the alert state, calls the injected setRate(service, rate) on a change, and keeps
// the old step when setRate fails (tried again at the next tick), so the state never claims a rate
// that was not applied.
import { z } from 'zod';
import { deepFreeze, parseConfig } from '../config/problems.js';
import { errorMessage, WatchError } from '../errors.js';
import type { WatchLogger } from '../logger.js';
import { silentLogger } from '../logger.js';

const NAME = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;

export const rampConfigSchema = z.strictObject({
  /** Service whose sampling rate the ramp sets (the control topic's key). */
  service: z.string().regex(NAME, 'must be a service name'),
  /** Sampling rates, strictly increasing, in (0, 1]. @default [0.01, 0.1, 0.5, 1] */
  steps: z.array(z.number().gt(0).max(1)).min(1).max(20).default([0.01, 0.1, 0.5, 1]),
  /** Minimum time on a step before going up. @default 600000 (10 minutes) */
  holdMs: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400_000)
    .default(600_000),
  /** Minimum pairs landed while on a step before going up. @default 1000 */
  minSample: z.number().int().min(0).max(1e12).default(1000),
  /** Where an alert sends the ramp: one step down, or back to the first. @default 'previous' */
  onAlert: z.enum(['previous', 'first']).default('previous'),
  /** Time between two ticks of the driver. @default 15000 */
  intervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
});

export type RampConfigInput = z.input<typeof rampConfigSchema>;
export type RampConfig = z.output<typeof rampConfigSchema>;

/** Validates and freezes; throws WatchError WATCH_INVALID_CONFIG naming every bad field. */
export function resolveRampConfig(input: unknown, prefix = 'ramp'): RampConfig {
  return deepFreeze(
    parseConfig(rampConfigSchema, input, prefix, 'ramp configuration', (c, problems) => {
      c.steps.forEach((s, i) => {
        const prev = c.steps[i - 1];
        if (prev !== undefined && s <= prev) problems.push(`${prefix}.steps[${i}]: must be above ${prefix}.steps[${i - 1}] (${prev}), got ${s}`);
      });
    }),
  );
}

export interface RampState {
  /** Index into steps; -1 before the first rate was applied. */
  readonly step: number;
  /** When the current step was entered (its rate applied), epoch ms. */
  readonly enteredAtMs: number;
  /** Fire transitions seen so far (the driver's count), to see a new firing. */
  readonly firedSeen: number;
  /** Times an alert stepped the ramp back. */
  readonly backoffs: number;
}

export const RAMP_START: RampState = Object.freeze({ step: -1, enteredAtMs: 0, firedSeen: 0, backoffs: 0 });

export interface RampInput {
  readonly nowMs: number;
  /** Pairs landed since the current step was entered. */
  readonly sample: number;
  /** Whether any watched alert fires now. */
  readonly firing: boolean;
  /** Fire transitions so far, monotonic (AlertEvaluator.firedCount): an increase is a new firing. */
  readonly fired: number;
}

export interface RampChange {
  readonly from: number | null;
  readonly to: number;
  readonly direction: 'start' | 'up' | 'down';
  readonly reason: string;
}

export interface RampStepResult {
  readonly state: RampState;
  /** The rate to apply; null: keep the current one. */
  readonly change: RampChange | null;
}

/** What the ramp does at one tick. Apply `change` (setRate) before keeping `state`. */
export function rampStep(config: RampConfig, state: RampState, input: RampInput): RampStepResult {
  const { steps } = config;
  const rate = (i: number): number => steps[i] as number;
  if (state.step < 0) {
    return {
      state: { step: 0, enteredAtMs: input.nowMs, firedSeen: input.fired, backoffs: 0 },
      change: { from: null, to: rate(0), direction: 'start', reason: `ramp starts at ${rate(0)}` },
    };
  }
  if (input.fired > state.firedSeen) {
    const target = config.onAlert === 'first' ? 0 : Math.max(0, state.step - 1);
    const next: RampState = { step: target, enteredAtMs: input.nowMs, firedSeen: input.fired, backoffs: state.backoffs + 1 };
    if (target === state.step) return { state: next, change: null };
    return {
      state: next,
      change: { from: rate(state.step), to: rate(target), direction: 'down', reason: `an alert fired: back from ${rate(state.step)} to ${rate(target)}` },
    };
  }
  if (state.step >= steps.length - 1 || input.firing) return { state, change: null };
  const held = input.nowMs - state.enteredAtMs;
  if (held < config.holdMs || input.sample < config.minSample) return { state, change: null };
  const up = state.step + 1;
  return {
    state: { ...state, step: up, enteredAtMs: input.nowMs },
    change: {
      from: rate(state.step),
      to: rate(up),
      direction: 'up',
      reason: `held ${Math.round(held / 1000)} s with ${input.sample} pairs and no alert: up from ${rate(state.step)} to ${rate(up)}`,
    },
  };
}

/** Sets the sampling rate of a service (the control topic's sampling record, once it exists). */
export type SetRate = (service: string, rate: number, reason: string) => Promise<void>;

export interface RampDriverOptions {
  config: RampConfigInput | RampConfig;
  setRate: SetRate;
  /** Pairs landed in [fromMs, toMs) for the ramp's challengers. */
  sample: (window: { fromMs: number; toMs: number }) => Promise<number>;
  /** The alerts that hold and step back the ramp (an AlertEvaluator). */
  alerts: { anyFiring(): boolean; readonly firedCount: number };
  logger?: WatchLogger | undefined;
  /** Each applied change. */
  onChange?: ((change: RampChange, state: RampState) => void) | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
  /** Where to begin (a restarted process resuming the rate it found on the control topic). @default RAMP_START */
  initial?: RampState | undefined;
}

export interface RampDriver {
  readonly config: RampConfig;
  readonly state: RampState;
  /** The rate last applied; null before the first. */
  readonly rate: number | null;
  /** One tick: read, decide, apply. Resolves with the change applied, if any. */
  tick(): Promise<RampChange | null>;
  start(): void;
  close(): Promise<void>;
}

export function createRampDriver(options: RampDriverOptions): RampDriver {
  const config = resolveRampConfig(options.config);
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  let state = options.initial ?? RAMP_START;
  if (state.step >= config.steps.length)
    throw new WatchError('WATCH_INVALID_ARGUMENT', `initial.step ${state.step} is past the last step (${config.steps.length - 1})`);
  let running: Promise<RampChange | null> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  async function tick(): Promise<RampChange | null> {
    const nowMs = now();
    let sample = 0;
    if (state.step >= 0) {
      try {
        sample = await options.sample({ fromMs: state.enteredAtMs, toMs: nowMs });
      } catch (error) {
        // Unknown sample: no step up on it; a step back still happens.
        logger.warn({ service: config.service, err: errorMessage(error) }, 'ramp: sample not read');
      }
    }
    const result = rampStep(config, state, { nowMs, sample, firing: options.alerts.anyFiring(), fired: options.alerts.firedCount });
    if (result.change !== null) {
      try {
        await options.setRate(config.service, result.change.to, result.change.reason);
      } catch (error) {
        logger.error(
          { service: config.service, rate: result.change.to, err: errorMessage(error) },
          'ramp: setting the sampling rate failed; tried again at the next tick',
        );
        return null;
      }
      logger[result.change.direction === 'down' ? 'error' : 'info'](
        { service: config.service, from: result.change.from, to: result.change.to },
        `ramp: ${result.change.reason}`,
      );
      state = result.state;
      options.onChange?.(result.change, state);
      return result.change;
    }
    state = result.state;
    return null;
  }

  function queued(): Promise<RampChange | null> {
    if (closed) return Promise.reject(new WatchError('WATCH_INVALID_ARGUMENT', 'the ramp is closed'));
    const next = (running ?? Promise.resolve(null)).catch(() => null).then(tick);
    running = next;
    return next;
  }

  return {
    config,
    get state(): RampState {
      return state;
    },
    get rate(): number | null {
      return state.step < 0 ? null : (config.steps[state.step] ?? null);
    },
    tick: queued,
    start(): void {
      if (closed || timer !== undefined) return;
      void queued().catch(() => undefined);
      timer = setInterval(() => void queued().catch(() => undefined), config.intervalMs);
    },
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
