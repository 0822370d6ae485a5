// `@shadow/watch/kill-switch`: the alert evaluator's pause action and the ramp's setRate over the
// compacted control topic, written through @shadow/contracts' setMirroring and setSamplingRate (the
// code `shadow pause` and `shadow sample set` run). Every tap of the service stops capturing, and replayers stop dispatching for `*` and
// their own keys, within seconds. A separate entry point so the core of @shadow/watch does not
// load kafkajs. Resuming stays an operator's act (`shadow resume`): an alert that resolves does
// not undo a pause, since the same key may also carry an operator's own pause.
import { setMirroring, setSamplingRate } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import type { PauseAction } from '../alerts/evaluator.js';
import type { SetRate } from '../ramp/ramp.js';

export interface ControlTopicPauseOptions {
  /** The control topic (`topicNames(prefix).control`). @default shadow.control.v1 */
  topic?: string | undefined;
  /** Who, in every tap's log. @default 'shadow-watch' */
  by?: string | undefined;
}

/** A PauseAction writing `paused` for the alert's service on the control topic. */
export function controlTopicPause(kafka: Kafka, options: ControlTopicPauseOptions = {}): PauseAction {
  return async ({ service, reason }) => {
    await setMirroring(kafka, { service, state: 'paused', reason, by: options.by ?? 'shadow-watch', topic: options.topic });
  };
}

/** The ramp's SetRate writing the service's sampling record (`sampling:<service>`) on the control topic. */
export function controlTopicSetRate(kafka: Kafka, options: ControlTopicPauseOptions = {}): SetRate {
  return async (service, rate, reason) => {
    await setSamplingRate(kafka, { service, rate, reason, by: options.by ?? 'shadow-watch', topic: options.topic });
  };
}
