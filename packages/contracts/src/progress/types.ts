/** Kinds of ReplayProgress records (open vocabulary: readers skip kinds they do not know). */
export const REPLAY_PROGRESS_KINDS = ['chunk', 'run_started', 'run_ended'] as const;
export type ReplayProgressKind = (typeof REPLAY_PROGRESS_KINDS)[number];

/** States a run record carries. */
export const RUN_STATES = ['running', 'completed', 'interrupted'] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * What a replayer tells the joiner about its progress (docs/joiner.md "What unmatched means").
 * Avro form: `replay-progress.avsc`, topic `shadow.replay-progress.v1`, written to the partition
 * number of the exchanges it describes.
 */
export interface ReplayProgress {
  kind: string;
  producedTimeMs: number;
  /** The live replayer's consumer group, or the run's (`shadow-replay.<runId>`). */
  replayer: string;
  /** Exchanges-topic partition this record is about (= the partition it is written to). */
  partition: number;
  /** chunk: first exchanges-topic offset passed. */
  fromOffset: number;
  /** chunk: offset after the last one passed. */
  toOffset: number;
  challengers: ProgressChallenger[];
  runId: string | null;
  sessionId: string | null;
  run: RunProgress | null;
}

export interface ProgressChallenger {
  id: string;
  role: string;
  /** chunk: bit i set when the exchange at fromOffset + i was sent to this challenger (dispatchedBitmap). */
  dispatched: Buffer;
  /** run_ended: exchanges sent to it in the session. */
  replayed: number;
  /** run_ended: of those, answered with an errorKind. */
  failed: number;
}

export interface RunProgress {
  fromMs: number;
  toMs: number;
  /** `max` or a factor such as `10x`. */
  speed: string;
  ordering: string;
  /** The run's global sampling, JSON. */
  sampling: string;
  maxConcurrency: number;
  /** Exchanges-topic partitions: the run is landed once the joiner drained each. */
  partitions: number;
  state: string;
  resumed: boolean;
  exchanges: number;
  outsideWindow: number;
  sampledOut: number;
  deadLettered: number;
  /** run_ended: results-topic end offset of this partition after the session's last result (-1 otherwise). */
  resultsEndOffset: number;
}
