/** Counters since the endpoint started. */
export interface QueryEndpointStats {
  /** Queries that passed the guard and ran (successfully or not). */
  readonly queries: number;
  /** Queries the guard refused (writes, DDL, multi-statements, blocked table functions...). */
  readonly refused: number;
  /** Queries the engine failed (limits exceeded, unknown tables, syntax...). */
  readonly failed: number;
  /** Queries running now. */
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
