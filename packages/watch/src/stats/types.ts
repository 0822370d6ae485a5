/** As the gate's outcomes: insufficient = not enough evidence either way (too few points, an interval across the bound). */
export type Outcome = 'pass' | 'fail' | 'insufficient';

export interface Interval {
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  /** How it was computed, for the report: `sen` (Theil-Sen slope), `delta-log-t` (ratio of means). */
  readonly method: string;
}

/** A (t, v) point, epoch ms and value. */
export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}
