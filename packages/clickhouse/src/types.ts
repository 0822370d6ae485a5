import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseMode } from './options.js';

/** Text formats chDB takes as one raw payload (its own whitelist). */
export type RawInsertFormat = 'JSONEachRow' | 'JSONCompactEachRow';

/** What {@link createClickHouse} returns: the real @clickhouse/client and how it is connected. */
export interface ClickHouse extends AsyncDisposable {
  readonly mode: ClickHouseMode;
  /** The @clickhouse/client instance: `query`, `insert`, `command`, `exec`, `ping` as documented upstream. */
  readonly client: ClickHouseClient;
  /** The database unqualified table names refer to. */
  readonly database: string;
  /** Embedded: the chDB data directory (absolute, or ':memory:'). Server: the URL (never credentials). */
  readonly location: string;
  /**
   * Embedded only (undefined in server mode): lands `body`, rows already serialised in `format`, as
   * one INSERT whose payload chDB reads from the Buffer without a copy, parsed by the engine off the
   * event loop. The client's insert builds the same payload as a stream, joins it into one string and
   * prepends the statement; this skips both copies. The client's settings apply. Do not touch `body`
   * until the promise settles. `columns` names the payload's columns in order (positional formats).
   */
  readonly insertRaw?: (table: string, body: Buffer, format: RawInsertFormat, columns?: readonly string[]) => Promise<void>;
  /** Closes the client; embedded, also gives back this client's share of the engine. Idempotent. */
  close(): Promise<void>;
}
