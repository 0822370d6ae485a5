/** Counters since the endpoint started. */
export interface QueryEndpointStats {
  /** Queries that passed the policy and ran (successfully or not). */
  readonly queries: number;
  /**
   * Requests refused before running: a URL parameter or setting not allowed, credentials, the body
   * (too large, undecodable), too many at once, or the policy (statement, function, table function,
   * database, format, SETTINGS clause).
   */
  readonly refused: number;
  /** Queries the engine failed or that ran into a limit (rows, bytes, time, memory, unknown tables...). */
  readonly failed: number;
  /** Requests holding a concurrency slot now (from authentication to the answer). */
  readonly running: number;
}

/** A running read-only endpoint; `await using` closes it. */
export interface QueryEndpoint extends AsyncDisposable {
  /** `http://host:port`, what clients are given (`createClient({ url })`, `jdbc:clickhouse://host:port`). */
  readonly url: string;
  readonly port: number;
  stats(): QueryEndpointStats;
  /** Stops accepting requests and resolves when running ones have been answered. Idempotent. */
  close(): Promise<void>;
}
