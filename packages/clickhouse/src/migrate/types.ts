import type { RetentionReport } from '../schema/retention.js';

/** One schema change: statements applied together and recorded once in `schema_migrations`. */
export interface Migration {
  /** Positive integer; versions are applied in increasing order and must be strictly increasing in the list. */
  readonly version: number;
  /** Short description, recorded with the version. */
  readonly name: string;
  /**
   * Statements run one by one. `{database}` is replaced by the target database. Each must be
   * idempotent (`CREATE ... IF NOT EXISTS`, `DROP ... IF EXISTS`, `ADD COLUMN IF NOT EXISTS`): a
   * migration interrupted half-way, or raced by another process, is simply run again.
   */
  readonly statements: readonly string[];
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  /** Milliseconds the statements took (0 in a dry run). */
  readonly durationMs: number;
}

/** What `migrate` found and did. */
export interface MigrationReport {
  readonly database: string;
  /** Migrations applied by this run (with `dryRun`: the ones that would be). */
  readonly applied: readonly AppliedMigration[];
  /** Versions already recorded with the same checksum, left alone. */
  readonly alreadyApplied: readonly number[];
  /** Versions recorded with another checksum, accepted because `allowChecksumChange` was set. */
  readonly checksumChanged: readonly number[];
  /** Versions recorded in the database that the given list does not have (a newer release ran). */
  readonly unknown: readonly number[];
  readonly dryRun: boolean;
  /** With the `retention` option: the days after landing once the run is done, and what it changed. */
  readonly retention?: RetentionReport;
}
