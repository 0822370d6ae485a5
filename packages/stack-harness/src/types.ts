/** Where the stack under test came from, in the order the harness tries them. */
export type StackSource = 'env' | 'testcontainers' | 'local';

export type ClickHouseEndpoint =
  | {
      mode: 'embedded';
      /** Root directory for chDB data; each process must use its own sub-directory (one engine per process). */
      path: string;
    }
  | {
      mode: 'server';
      url: string;
      username: string;
      password: string;
      database: string;
    };

/** Plain data (JSON-serialisable) so vitest can hand it from the global setup to every worker. */
export interface StackEndpoints {
  source: StackSource;
  kafkaBrokers: string[];
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  schemaRegistryUrl: string;
  clickhouse: ClickHouseEndpoint;
}

export interface ResolvedStack {
  endpoints: StackEndpoints;
  /** Releases what the harness started (containers); a no-op for env and the local stack. */
  stop(): Promise<void>;
}
