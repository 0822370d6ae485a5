import type { LabelValue } from '@shadow/contracts';

/** One row of the `labels` table (JSONEachRow; times in epoch ms). */
export interface LabelRow {
  exchange_id: string;
  name: string;
  /** The text the accuracy join compares (labelValueText). */
  value: string;
  value_type: 'string' | 'number' | 'boolean';
  observed_time: number;
  landed_time: number;
  source: string;
}

/** A label as a user posts it: observedTimeMs and source are optional. */
export interface LabelInput {
  exchangeId: string;
  name: string;
  value: LabelValue;
  /** When the truth was observed, epoch ms. @default the time of publishing */
  observedTimeMs?: number | undefined;
  /** Who posts it, for audit. @default '' */
  source?: string | undefined;
}

export interface LabelIngesterStats {
  /** Label records read from the topic (tombstones excluded). */
  received: number;
  /** Rows inserted into ClickHouse (a re-delivered record counts again; the table collapses it). */
  landed: number;
  /** Records sent to the dead-letter topic (undecodable or an unusable label). */
  deadLettered: number;
  /** Insert attempts that failed and were retried. */
  retries: number;
  /** Epoch ms of the last landed batch; null before the first. */
  lastLandedMs: number | null;
}
