import type { Logger } from '@shadow/options';

/** What an operator sets on the control topic. */
export type MirroringState = 'active' | 'paused';

/** What a watcher knows: `unknown` until the control topic has been read to its end. */
export type ControlState = MirroringState | 'unknown';

/** Kill-switch key that addresses every tap and replayer. */
export const ALL_SERVICES = '*';

/**
 * The kinds of record on the control topic this version reads. A mirroring record is keyed by the
 * bare service name or `*` (a name may hold `:`); every other kind by `<kind>:<service>`.
 */
export const CONTROL_RECORD_KINDS = ['mirroring', 'sampling'] as const;
export type ControlRecordKind = (typeof CONTROL_RECORD_KINDS)[number];

/**
 * Kind prefixes reserved for records this version does not read yet: a watcher skips them quietly,
 * so a newer operator's records never disturb an older tap, and no service name may start with one.
 * A kind is reserved here a release before it is written (issue 19's `sampling` was, and is now read).
 */
export const RESERVED_CONTROL_KINDS: readonly string[] = [];

/**
 * Value of a mirroring record (UTF-8 JSON). Key: service name or `*`. A null value (tombstone)
 * removes the entry. Documented in docs/contracts.md.
 */
export interface ControlMessage {
  mirroring: MirroringState;
  /** Why, for the humans reading the log. */
  reason: string;
  /** Who: operator or automation. */
  by: string;
  /** When, ISO-8601. */
  at: string;
}

/** A mirroring state change of a watcher's services, passed to ControlWatcher listeners. */
export interface ControlStateEvent {
  kind: 'mirroring';
  /** The watcher's service (the first of the services it speaks for). */
  service: string;
  state: ControlState;
  previous: ControlState;
  /** The entry that decided the state (a service or `*`), when any. */
  key: string | null;
  message: ControlMessage | null;
  /** `topic`: read from the control topic; `timeout`: not read within startTimeoutMs, mirroring anyway. */
  cause: 'topic' | 'timeout';
}

/**
 * Value of a sampling record (UTF-8 JSON). Key: `sampling:<service>` or `sampling:*`. While present
 * it replaces the configured sampling rate of that service's taps and replayers; a tombstone
 * returns them to their configuration.
 */
export interface SamplingMessage {
  sampling: { rate: number };
  reason: string;
  by: string;
  at: string;
}

/** The sampling rate the control topic sets for a service: the service's own entry over `*`'s. */
export interface ControlSampling {
  rate: number;
  /** The key that decided it: `<service>` or `*`. */
  key: string;
  message: SamplingMessage;
}

/** The control rate of a watcher's services changed (set, changed or cleared: `current` null). */
export interface SamplingEvent {
  kind: 'sampling';
  service: string;
  current: ControlSampling | null;
  previous: ControlSampling | null;
  cause: 'topic' | 'timeout';
}

/** Every change a watcher delivers; a union so that new record kinds add their own event. */
export type ControlEvent = ControlStateEvent | SamplingEvent;

/** The logger a watcher writes to; pino satisfies it. */
export type ControlLogger = Logger;
