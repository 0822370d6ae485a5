/** One per-route sampling rule; the first rule that matches an exchange decides its rate. */
export interface ReplayRouteSamplingRule {
  /** Matches the exchange's route template exactly (e.g. `/users/:id`). */
  route?: string | undefined;
  /** Matches the path and everything below it (`/api` matches `/api` and `/api/x`, not `/apix`). */
  pathPrefix?: string | undefined;
  /** Optional method filter (upper case). @default any method */
  method?: string | undefined;
  /** 0..1 */
  rate: number;
}

/** Replay sampling, on top of the tap's: what fraction of the captured exchanges is replayed. */
export interface ReplaySamplingOptions {
  /** Global rate, 0..1. @default 1 */
  rate?: number | undefined;
  /** Per-route rates, first match wins. @default [] */
  routes?: readonly ReplayRouteSamplingRule[] | undefined;
}
