import type { ClickHouseLogger } from '../logger.js';
import type { ClickHouseOptions } from '../options.js';
import type { Migration } from './types.js';

export interface MigrateOptions {
  /**
   * Accept applied versions whose statements changed since (recorded in the report, not re-run).
   * Off, such a version fails the run with MIGRATE_CHECKSUM_MISMATCH naming it.
   * @default false
   */
  allowChecksumChange?: boolean;
  /**
   * Report what would be applied without running or recording anything (the table is not created).
   * @default false
   */
  dryRun?: boolean;
  /** @default undefined */
  logger?: ClickHouseLogger;
}

export interface RunMigrationsOptions extends MigrateOptions {
  /** The migrations to apply (for the project's tables: `SCHEMA_MIGRATIONS`). */
  migrations: readonly Migration[];
  /**
   * Where to apply them; merged over the environment's (`CLICKHOUSE_URL`, `CHDB_PATH`,
   * `CLICKHOUSE_DATABASE`, ...). The database is created when missing.
   * @default {}
   */
  clickhouse?: ClickHouseOptions;
  /**
   * Environment to read the connection from.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
}
