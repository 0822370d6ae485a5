/** What an operator sets on the control topic. */
export type MirroringState = 'active' | 'paused';

/** What a tap knows: `unknown` until the control topic has been read to its end. */
export type ControlState = MirroringState | 'unknown';

/** Kill-switch key that addresses every tap. */
export const ALL_SERVICES = '*';

/**
 * Value of a control-topic record (UTF-8 JSON). Key: service name or `*`. A null value (tombstone)
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

/** Published on CONTROL_STATE_CHANNEL and passed to ControlWatcher listeners on each change. */
export interface ControlStateEvent {
  service: string;
  state: ControlState;
  previous: ControlState;
  /** The entry that decided the state (service or `*`), when any. */
  key: string | null;
  message: ControlMessage | null;
  /** `topic`: read from the control topic; `timeout`: not read within startTimeoutMs, mirroring anyway. */
  cause: 'topic' | 'timeout';
}
