// How the entries on the control topic combine into one tap's state: a pause anywhere wins.
// `*` paused pauses every tap; `<service>` paused pauses that service even when `*` is active.
// This is a kill switch, so the rule errs towards "off": resuming everything does not override a
// service-specific pause, which has to be lifted (or tombstoned) on its own.
import type { ControlMessage, MirroringState } from './types.js';
import { ALL_SERVICES } from './types.js';

export interface EffectiveState {
  state: MirroringState;
  key: string | null;
  message: ControlMessage | null;
}

export function effectiveState(entries: ReadonlyMap<string, ControlMessage>, service: string): EffectiveState {
  for (const key of [service, ALL_SERVICES]) {
    const message = entries.get(key);
    if (message?.mirroring === 'paused') return { state: 'paused', key, message };
  }
  const own = entries.get(service);
  if (own !== undefined) return { state: 'active', key: service, message: own };
  const all = entries.get(ALL_SERVICES);
  if (all !== undefined) return { state: 'active', key: ALL_SERVICES, message: all };
  return { state: 'active', key: null, message: null };
}
