import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseMode } from './options.js';

/** What {@link createClickHouse} returns: the real @clickhouse/client and how it is connected. */
export interface ClickHouse extends AsyncDisposable {
  readonly mode: ClickHouseMode;
  /** The @clickhouse/client instance: `query`, `insert`, `command`, `exec`, `ping` as documented upstream. */
  readonly client: ClickHouseClient;
  /** The database unqualified table names refer to. */
  readonly database: string;
  /** Embedded: the chDB data directory (absolute, or ':memory:'). Server: the URL (never credentials). */
  readonly location: string;
  /** Closes the client; embedded, also gives back this client's share of the engine. Idempotent. */
  close(): Promise<void>;
}
