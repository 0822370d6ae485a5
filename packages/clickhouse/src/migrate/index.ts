export { DATABASE_PLACEHOLDER, MIGRATIONS_TABLE, formatMigrationReport, migrate, migrationChecksum, runMigrations, validateMigrations } from './migrate.js';
export { idempotencyProblem } from './idempotency-lint.js';
export { MIGRATION_ERROR_CODES, MigrationError, isMigrationError } from './errors.js';
export type { MigrationErrorCode } from './errors.js';
export type { MigrateOptions, RunMigrationsOptions } from './options.js';
export type { AppliedMigration, Migration, MigrationReport } from './types.js';
