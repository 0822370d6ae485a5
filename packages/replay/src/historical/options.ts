import type { SchemaRegistry, ShadowResult, SideEffect, CapturedExchange } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import type { ChallengerOptions, ResolvedChallenger } from '../challenger/options.js';
import type { KillSwitch } from '../control/kill-switch.js';
import type { ReplayHooks } from '../dispatch/types.js';
import type { DeadLetter } from '../kafka/exchange-decoder.js';
import type { ReplayLogger } from '../logger.js';
import type { OrderingOptions } from '../ordering/key-sequencer.js';
import type { ReplaySamplingOptions } from '../sampling/types.js';

/** `max` = as fast as the limits allow; a number = speed-up factor on the captured inter-arrival times (1 = real time). */
export type ReplaySpeed = 'max' | number;

export interface ReplayWindowOptions {
  kafka: Kafka;
  registry: SchemaRegistry;
  /** @default '' */
  topicPrefix?: string | undefined;
  /** Exchanges topic to read. @default topicNames(topicPrefix).exchanges */
  topic?: string | undefined;
  /** Window start, epoch ms, inclusive (captureTimeMs >= from). Required. */
  fromMs: number;
  /** Window end, epoch ms, exclusive (captureTimeMs < to). Required. */
  toMs: number;
  /**
   * Run id: tags every result and names the consumer group holding the progress
   * (`shadow-replay.<runId>`). Re-running with the same id resumes where the last run stopped.
   * @default a new UUID
   */
  runId?: string | undefined;
  challengers: readonly ChallengerOptions[];
  /** @default 'max' */
  speed?: ReplaySpeed | undefined;
  /** @default { mode: 'none' } */
  ordering?: OrderingOptions | undefined;
  sampling?: ReplaySamplingOptions | undefined;
  hooks?: ReplayHooks | undefined;
  killSwitch?: KillSwitch | undefined;
  liveSideEffects?: ((exchange: CapturedExchange) => SideEffect[]) | undefined;
  /** Sandbox side effects to publish with the next chunk (drained each chunk). */
  takeSandboxEffects?: (() => SideEffect[]) | undefined;
  /**
   * Record timestamps (producer time) and capture times differ by the tap's queueing delay and clock
   * skew; the offsets are looked up this much outside the window, then records are filtered by
   * captureTimeMs. @default 60000
   */
  timestampSlackMs?: number | undefined;
  /** Results are produced (then committed) when this many exchanges completed, or every 200 ms. @default 256 */
  chunkSize?: number | undefined;
  /** Records buffered per partition before its fetching pauses (memory bound: about this many x the record size). @default 5000 */
  maxBufferedPerPartition?: number | undefined;
  /** Exchanges dispatched and not yet answered, all challengers. @default 2 x the sum of maxConcurrency */
  maxInFlightExchanges?: number | undefined;
  /** Interrupt: the chunk in flight is finished and committed, then the run returns (resumable). */
  signal?: AbortSignal | undefined;
  /** @default 1 */
  attempt?: number | undefined;
  redactHeaders?: readonly string[] | undefined;
  onResult?: ((result: ShadowResult, challenger: ResolvedChallenger) => void) | undefined;
  onDeadLetter?: ((deadLetter: DeadLetter) => void) | undefined;
  /** Called about every progressEveryMs. @default none */
  onProgress?: ((progress: ReplayWindowProgress) => void) | undefined;
  /** @default 1000 */
  progressEveryMs?: number | undefined;
  logger?: ReplayLogger | undefined;
}

export interface ReplayWindowProgress {
  runId: string;
  /** Records between the start and end offsets of this session (in and out of the window). */
  total: number;
  /** Records handled so far in this session. */
  handled: number;
  sent: number;
  elapsedMs: number;
}

export interface ReplaySummary {
  runId: string;
  /** This invocation of the run (run records on the progress topic name it; a resumed run has several). */
  sessionId: string;
  topic: string;
  fromMs: number;
  toMs: number;
  /** False when interrupted: re-run with the same runId to resume. */
  completed: boolean;
  /** Exchanges in the window handed to the dispatcher this session. */
  exchanges: number;
  /** Requests sent (or attempted) to challengers this session, all challengers. */
  sent: number;
  succeeded: number;
  /** errorKind -> count */
  failed: Record<string, number>;
  /** Records read but outside the window. */
  outsideWindow: number;
  sampledOut: number;
  deadLettered: number;
  perChallenger: { id: string; role: string; sent: number; succeeded: number; failed: Record<string, number> }[];
  durationMs: number;
  /** sent / duration */
  achievedRatePerSecond: number;
  /** true when this session continued from committed progress of an earlier one */
  resumed: boolean;
}
