// Row shapes of the tables in @shadow/clickhouse's SCHEMA_MIGRATIONS (column names as in SQL).
// Times are epoch milliseconds (DateTime64(3) reads numbers in milliseconds).

export interface PairRow {
  exchange_id: string;
  challenger_id: string;
  challenger_name: string;
  challenger_role: string;
  run_id: string;
  attempt: number;
  service: string;
  environment: string;
  capture_time: number;
  replay_time: number;
  joined_time: number;
  route: string;
  method: string;
  path: string;
  live_status: number;
  shadow_status: number;
  live_latency_us: number;
  shadow_latency_us: number;
  latency_delta_us: number;
  shadow_error_kind: string;
  status_match: boolean;
  headers_match: boolean;
  body_match: boolean;
  side_effects_match: boolean;
  agree: boolean;
  real_agree: boolean;
  diff_count: number;
  real_diff_count: number;
  diff_paths: string[];
  noisy_paths: string[];
  live_side_effects: number;
  shadow_side_effects: number;
  side_effects_missing: number;
  side_effects_extra: number;
  side_effects_different: number;
  side_effects_detail: string;
  live_body_hash: string;
  shadow_body_hash: string;
  live_body_size: number;
  shadow_body_size: number;
  bodies_kept: boolean;
  live_body: string;
  shadow_body: string;
  comparator: string;
  verdict: string;
  score: number | null;
  /** Business outcome name -> compare's type ('number' | 'string' | 'string[]'). */
  outcome_types: Record<string, string>;
  /** Name -> live's value as text (number: shortest decimal, string: as is, list: JSON array); absent without a value. */
  live_outcomes: Record<string, string>;
  /** Same for the challenger's answer. */
  shadow_outcomes: Record<string, string>;
  /** The answer differences may be the sandbox's (docs/compare.md "Sandbox-induced differences"). */
  sandbox_induced: boolean;
  /** Why: `<kind> <disposition> <status> <side-effect key>` per cause. */
  sandbox_causes: string[];
  /** The judge (docs/tables.md "Judge"; migration 65): '' verdict when no judge was needed. */
  judge_id: string;
  judge_path: string;
  /** '' | equal | different | error | not_run */
  judge_verdict: string;
  /** error: the failure kind; not_run: why (sampled_out, budget, ...). */
  judge_kind: string;
  judge_reason: string;
  judge_latency_ms: number;
  judge_cached: boolean;
  judge_tokens: number;
  judge_version: string;
  judge_audit_secondary_verdict: string;
  judge_audit_reference_id: string;
  judge_audit_reference_verdict: string;
}

export interface DiffRow {
  exchange_id: string;
  challenger_id: string;
  challenger_role: string;
  run_id: string;
  capture_time: number;
  joined_time: number;
  route: string;
  method: string;
  diff_path: string;
  kind: string;
  noisy: boolean;
  live_example: string;
  shadow_example: string;
  /** An answer difference (status, header, body path) of a sandbox-induced pair; never an `effect:` path. */
  sandbox_induced: boolean;
}

export interface UnmatchedRow {
  exchange_id: string;
  challenger_id: string;
  challenger_role: string;
  run_id: string;
  reason: string;
  expired_by: string;
  has_live: boolean;
  has_result: boolean;
  side_effects: number;
  event_time: number;
  joined_time: number;
  service: string;
  route: string;
  method: string;
  path: string;
}

/** What became of one live exchange for one challenger (capture_events -> capture_minutes). */
export interface CaptureRow {
  exchange_id: string;
  service: string;
  challenger_id: string;
  capture_time: number;
  /** replayed | no_result | sampled_out | not_replayed (CAPTURE_STATUSES of @shadow/clickhouse). */
  status: string;
}

/** One historical run session on one exchanges partition (the `runs` table). */
export interface RunRow {
  run_id: string;
  session_id: string;
  partition: number;
  /** 1 started, 2 ended and every result of the partition landed (drained). */
  stage: number;
  state: string;
  replayer: string;
  window_from: number;
  window_to: number;
  speed: string;
  ordering: string;
  sampling: string;
  max_concurrency: number;
  partitions: number;
  resumed: boolean;
  challengers: string[];
  challenger_roles: string[];
  replayed: number[];
  failed: number[];
  exchanges: number;
  outside_window: number;
  sampled_out: number;
  dead_lettered: number;
  results_end_offset: number;
  produced_time: number;
  landed_time: number;
}

/** The rows of one joined exchange (or of a whole batch), with an estimate of their JSON size. */
export interface RowSet {
  pairs: PairRow[];
  diffs: DiffRow[];
  unmatched: UnmatchedRow[];
  captures: CaptureRow[];
  runs: RunRow[];
  bytes: number;
}

/** Reasons an unmatched row carries. */
export const UNMATCHED_REASONS = ['no_result', 'no_live_record', 'no_live_record_no_result'] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];
