import type { ClickHouseLogger } from '../logger.js';
import type { ClickHouseOptions } from '../options.js';
import type { RetentionOptions } from '../schema/retention.js';
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
  /**
   * A cluster of the servers' remote_servers: the migrations run as cluster DDL (ON CLUSTER,
   * Replicated engines on `<table>_local`, a Distributed table under each table's own name; see
   * clusterMigrations). runMigrations reads CLICKHOUSE_CLUSTER when this is unset.
   * @default undefined (one node)
   */
  cluster?: string;
  /**
   * Days the system's tables keep rows after they landed (SCHEMA_MIGRATIONS' pairs, pair_diffs,
   * unmatched, pair_minutes, labels), applied after the migrations: a TTL that differs is changed,
   * one that matches is left alone; a field left out keeps the current value. Validated before
   * anything runs (MIGRATE_INVALID naming every bad field). Only for SCHEMA_MIGRATIONS' tables.
   * Absent: retention is neither changed nor reported.
   * @default undefined
   */
  retention?: RetentionOptions;
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
