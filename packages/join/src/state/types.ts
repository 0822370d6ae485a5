import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { OffsetSlot } from './offset-tracker.js';

/** Why an entry left the join state. */
export type EmissionCause = 'complete' | 'window' | 'capacity' | 'drain';

/** Everything the join collected about one exchange (live shadowing) or one (run, exchange). */
export interface JoinedExchange {
  readonly exchangeId: string;
  /** Historical run the entry belongs to; null for live shadowing. */
  readonly runId: string | null;
  readonly partition: number;
  /** Live shadowing: the exchange record's offset on the exchanges topic (null when it never arrived). */
  readonly exchangeOffset: number | null;
  /**
   * The challengers this entry waits for: a run's entry, the ids its results name (who the replayer
   * sent the exchange to); live shadowing, the configured challengers.
   */
  readonly challengers: readonly string[];
  readonly cause: EmissionCause;
  /** Processing time the first record arrived, epoch ms. */
  readonly firstSeenMs: number;
  /** Live shadowing: from the exchanges topic. A run: rebuilt from its results' live snapshot. */
  readonly exchange: CapturedExchange | null;
  /** challengerId -> the first result received (later attempts are dropped as late). */
  readonly results: ReadonlyMap<string, ShadowResult>;
  /** Side effects from the side-effects topic (challengers' and any origin 'live'). */
  readonly sideEffects: readonly SideEffect[];
  /** The consumed records this emission depends on; marked done once it is durable. */
  readonly slots: readonly OffsetSlot[];
}

export interface JoinStateOptions {
  /** challengerIds a pair waits for (candidates and secondaries). */
  readonly challengers: readonly string[];
  /** An incomplete entry is emitted as unmatched this long after its first record. */
  readonly windowMs: number;
  /** A complete entry still waits this long for trailing side effects. */
  readonly sideEffectGraceMs: number;
  /** Open entries bound; when exceeded the oldest is emitted (cause 'capacity'). */
  readonly maxOpenEntries: number;
  /**
   * Asked before an incomplete entry past the window is emitted: true when every joined topic of
   * `partition` has been read past `eventMs` + window, or was found fully read after the entry was
   * created (tick), so the missing part is not merely unread. @default always true
   */
  readonly mayExpire?: (partition: number, eventMs: number, createdTick: number) => boolean;
  /** How many emitted entries ((run, exchange) keys) are remembered so late records for them are dropped, not re-joined. */
  readonly recentlyEmitted: number;
}

export interface JoinStateStats {
  open: number;
  /** Of `open`, entries of historical runs. */
  openRuns: number;
  evicted: number;
  late: number;
  unknownChallenger: number;
  duplicates: number;
}
