import type { CapturedExchange, SchemaRegistry, ShadowResult, SideEffect } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import type { ChallengerOptions, ResolvedChallenger } from '../challenger/options.js';
import type { KillSwitch } from '../control/kill-switch.js';
import type { ReplayHooks } from '../dispatch/types.js';
import type { DeadLetter } from '../kafka/exchange-decoder.js';
import type { ReplayLogger } from '../logger.js';
import type { OrderingOptions } from '../ordering/key-sequencer.js';
import type { SamplingControl } from '../sampling/replay-sampler.js';
import type { ReplaySamplingOptions } from '../sampling/types.js';

export interface LiveShadowOptions {
  /** kafkajs client. Required. */
  kafka: Kafka;
  /** Schema registry client (createSchemaRegistry). Required. */
  registry: SchemaRegistry;
  /** Topic prefix (topicNames). @default '' */
  topicPrefix?: string | undefined;
  /** Consumer group of the replayer fleet. @default 'shadow-replayer' */
  groupId?: string | undefined;
  challengers: readonly ChallengerOptions[];
  /** @default { mode: 'none' } */
  ordering?: OrderingOptions | undefined;
  /** Global sampling, before each challenger's own. @default everything */
  sampling?: ReplaySamplingOptions | undefined;
  /**
   * The control topic's sampling rate per service (the replayer's ControlTopicSwitch): while an
   * entry for an exchange's service (or `*`) exists, only that fraction of live traffic is replayed,
   * in place of `sampling` (each challenger's own sampling still applies).
   * @default none
   */
  samplingControl?: SamplingControl | undefined;
  hooks?: ReplayHooks | undefined;
  /** The tap's kill switch; paused = no dispatch, no new commits. @default always active */
  killSwitch?: KillSwitch | undefined;
  /**
   * The exchange's live outbound calls as SideEffect records (`liveSideEffectsOf` from
   * @shadow/contracts), published with the chunk. @default none
   */
  liveSideEffects?: ((exchange: CapturedExchange) => SideEffect[]) | undefined;
  /** Where a new group starts. @default 'latest' */
  startFrom?: 'latest' | 'earliest' | undefined;
  /** @default 4 */
  partitionsConsumedConcurrently?: number | undefined;
  /** Messages per produce + commit. @default 256 */
  chunkSize?: number | undefined;
  /** Response headers redacted in results. @default authorization, cookie, set-cookie, proxy-authorization */
  redactHeaders?: readonly string[] | undefined;
  /** @default 'none' */
  compression?: 'none' | 'gzip' | undefined;
  onResult?: ((result: ShadowResult, challenger: ResolvedChallenger) => void) | undefined;
  onDeadLetter?: ((deadLetter: DeadLetter) => void) | undefined;
  /** Called after each batch with the partition's lag (high watermark - next offset). */
  onLag?: ((topic: string, partition: number, lag: number) => void) | undefined;
  logger?: ReplayLogger | undefined;
}
