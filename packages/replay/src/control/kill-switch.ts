// The replayer obeys the same kill switch as the tap, through the same watcher (@shadow/contracts'
// ControlWatcher, docs/contracts.md "Kill switch"): a pause of `*` or of one of this replayer's
// keys (default `shadow-replayer`) wins; the state is `unknown` (treated as paused) until the topic
// was read to the end offsets seen at start, or `startTimeoutMs` passed (then active, logged).
import { ControlWatcher } from '@shadow/contracts';
import type { ControlEvent } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import type { ReplayLogger } from '../logger.js';

export type KillSwitchState = 'active' | 'paused' | 'unknown';

/** What the replayer needs from a kill switch; @shadow/contracts' ControlWatcher has this shape. */
export interface KillSwitch {
  readonly state: KillSwitchState;
  /** Every change of the control topic's entries for this replayer (mirroring state, sampling rate). */
  onChange(listener: (event: ControlEvent) => void): () => void;
}

export interface ControlTopicSwitchOptions {
  kafka: Kafka;
  /** The control topic (`topicNames(prefix).control`). */
  topic: string;
  /** Keys besides `*` this replayer obeys. @default ['shadow-replayer'] */
  keys?: readonly string[] | undefined;
  /** @default 15000 */
  startTimeoutMs?: number | undefined;
  logger?: ReplayLogger | undefined;
}

/** An always-active switch (tests, or operators who opt out). */
export const ALWAYS_ACTIVE: KillSwitch = Object.freeze({ state: 'active' as const, onChange: () => () => undefined });

/** The control-topic watcher with the replayer's defaults (keys, group prefix, log wording). */
export class ControlTopicSwitch extends ControlWatcher implements KillSwitch {
  constructor(options: ControlTopicSwitchOptions) {
    const [service = 'shadow-replayer', ...otherServices] = options.keys ?? ['shadow-replayer'];
    super({
      kafka: options.kafka,
      topic: options.topic,
      service,
      otherServices,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
      groupIdPrefix: 'shadow-replayer-control',
      subject: 'replay (kill switch)',
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }
}

/** Resolves when the switch is active; calls `tick` (e.g. a heartbeat) every `everyMs` while waiting. */
export async function waitWhilePaused(killSwitch: KillSwitch, stopped: () => boolean, tick: () => Promise<void>, everyMs = 500): Promise<void> {
  while (killSwitch.state !== 'active' && !stopped()) {
    await new Promise((r) => setTimeout(r, everyMs));
    await tick();
  }
}
