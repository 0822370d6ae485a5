// The kill switch as it stands, read once: every entry of the control topic and what it means for a
// service. Reads through the watcher every tap and replayer runs (same consumer, codec and catch-up
// rule), so an operator's `shadow status` sees exactly what a starting tap would; it stops once
// caught up.
import type { Kafka } from 'kafkajs';
import { ContractsError } from '../errors.js';
import { createControlWatcher } from './control-watcher.js';
import { effectiveSampling, effectiveState } from './control-state.js';
import type { EffectiveState } from './control-state.js';
import type { ControlMessage, ControlSampling, SamplingMessage } from './types.js';

export interface ControlSnapshot {
  /** Every entry on the topic, by key (a service or `*`). */
  entries: ReadonlyMap<string, ControlMessage>;
  /** What a tap of `service` would obey: a pause anywhere wins (control-state.ts). */
  stateOf(service: string): EffectiveState;
  /** Every sampling entry, by service (or `*`). */
  sampling: ReadonlyMap<string, SamplingMessage>;
  /** The control rate a tap of `service` would use (own entry over `*`), null: its configuration. */
  samplingOf(service: string): ControlSampling | null;
}

/** Reads the control topic to its end; rejects (CONTRACTS_KAFKA_UNAVAILABLE) when that takes longer than `timeoutMs`. */
export async function readControlEntries(kafka: Kafka, options: { topic?: string | undefined; timeoutMs?: number | undefined } = {}): Promise<ControlSnapshot> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const watcher = createControlWatcher({ kafka, service: 'shadow-status', topic: options.topic, startTimeoutMs: timeoutMs, groupIdPrefix: 'shadow-status' });
  watcher.start();
  const deadline = Date.now() + timeoutMs;
  try {
    while (!watcher.caughtUp) {
      if (Date.now() >= deadline)
        throw new ContractsError(
          'CONTRACTS_KAFKA_UNAVAILABLE',
          `the control topic ${options.topic ?? 'shadow.control.v1'} was not read within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    const entries = watcher.entries;
    const sampling = watcher.samplingEntries;
    return { entries, stateOf: (service) => effectiveState(entries, service), sampling, samplingOf: (service) => effectiveSampling(sampling, service) };
  } finally {
    await watcher.close();
  }
}
