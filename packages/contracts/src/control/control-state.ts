// How the mirroring entries on the control topic combine into one state: a pause anywhere wins.
// `*` paused pauses every tap and replayer; `<service>` paused pauses that service even when `*` is
// active. This is a kill switch, so the rule errs towards "off": resuming everything does not
// override a service-specific pause, which has to be lifted (or tombstoned) on its own.
import type { ControlMessage, ControlSampling, MirroringState, SamplingMessage } from './types.js';
import { ALL_SERVICES } from './types.js';

export interface EffectiveState {
  state: MirroringState;
  key: string | null;
  message: ControlMessage | null;
}

/** The state for `service` (or several names one process obeys, e.g. a replayer's keys). */
export function effectiveState(entries: ReadonlyMap<string, ControlMessage>, service: string | readonly string[]): EffectiveState {
  const own = typeof service === 'string' ? [service] : service;
  const keys = [...own, ALL_SERVICES];
  for (const key of keys) {
    const message = entries.get(key);
    if (message?.mirroring === 'paused') return { state: 'paused', key, message };
  }
  for (const key of keys) {
    const message = entries.get(key);
    if (message !== undefined) return { state: 'active', key, message };
  }
  return { state: 'active', key: null, message: null };
}

/**
 * The sampling rate the control topic sets for `service` (or the first of several names with an
 * entry), else `*`'s, else null (the configuration decides). Unlike the kill switch, the most
 * specific entry wins: a ramp on one service is not overridden by a fleet-wide rate.
 */
export function effectiveSampling(entries: ReadonlyMap<string, SamplingMessage>, service: string | readonly string[]): ControlSampling | null {
  const own = typeof service === 'string' ? [service] : service;
  for (const key of [...own, ALL_SERVICES]) {
    const message = entries.get(key);
    if (message !== undefined) return { rate: message.sampling.rate, key, message };
  }
  return null;
}
