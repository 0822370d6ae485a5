export { createClickHouse } from './clickhouse.js';
export type { ClickHouse, RawInsertFormat } from './types.js';
export { CHDB_MEMORY_PATH, CLICKHOUSE_MODES, DEFAULT_CLICKHOUSE_SETTINGS, resolveClickHouseOptions } from './options.js';
export type { ClickHouseMode, ClickHouseOptions, ResolvedClickHouseOptions, ResolvedEmbeddedOptions, ResolvedServerOptions } from './options.js';
export { clickhouseOptionsFromEnv } from './env.js';
export { CLUSTER_NAME_PATTERN, clusterFromEnv, clusterMigrations, LOCAL_SUFFIX } from './cluster/cluster-ddl.js';
export type { ClusterOptions } from './cluster/cluster-ddl.js';
export type { ClickHouseEnv } from './env.js';
export { CLICKHOUSE_ERROR_CODES, ClickHouseError, isClickHouseError, toClickHouseError } from './errors.js';
export type { ClickHouseErrorCode, ClickHouseErrorOptions } from './errors.js';
export type { ClickHouseLogger } from './logger.js';
export { embeddedEnginePath } from './embedded-engine.js';
export { SCHEMA_MIGRATIONS, SCHEMA_TABLES } from './schema/schema-migrations.js';
export { LABELS_MIGRATIONS, LABELS_TABLE, labelledAccuracyQuery } from './schema/labels-migrations.js';
export { OUTCOMES_MIGRATIONS } from './schema/outcomes-migrations.js';
export { CAPTURE_STATUSES, formatRunSummary, RUNS_MIGRATIONS, RUNS_TABLES, summarizeRun } from './schema/runs-migrations.js';
export type { CaptureStatus, RunChallengerSummary, RunSummary } from './schema/runs-migrations.js';
export { RETENTION_MIGRATIONS } from './schema/retention-migrations.js';
export {
  DEFAULT_RETENTION,
  LANDING_CHECK,
  MAX_RETENTION_DAYS,
  RETAINED_TABLES,
  RETENTION_FIELDS,
  applyRetention,
  formatRetention,
  retentionProblems,
  validateRetention,
} from './schema/retention.js';
export type { ApplyRetentionOptions, Retention, RetentionField, RetentionOptions, RetentionReport } from './schema/retention.js';
export type { LabelledAccuracyQueryOptions } from './schema/labels-migrations.js';
export {
  DATABASE_PLACEHOLDER,
  MIGRATIONS_TABLE,
  MIGRATION_ERROR_CODES,
  MigrationError,
  formatMigrationReport,
  idempotencyProblem,
  isMigrationError,
  migrate,
  migrationChecksum,
  runMigrations,
  validateMigrations,
} from './migrate/index.js';
export type { AppliedMigration, MigrateOptions, Migration, MigrationErrorCode, MigrationReport, RunMigrationsOptions } from './migrate/index.js';
export {
  ALLOWED_FUNCTIONS_BY_CATEGORY,
  ALLOWED_OUTPUT_FORMATS,
  ALLOWED_SETTINGS,
  ALLOWED_TABLE_FUNCTIONS,
  DEFAULT_QUERY_ENDPOINT_LIMITS,
  PROTOCOL_PARAMETERS,
  READABLE_METADATA_DATABASES,
  READABLE_SYSTEM_TABLES,
  READ_ONLY_STATEMENTS,
  REFUSED_FUNCTIONS_BY_REASON,
  checkReadOnlyQuery,
  createQueryEndpoint,
  resolveQueryEndpointOptions,
} from './endpoint/index.js';
export type {
  GuardVerdict,
  QueryEndpoint,
  QueryEndpointLimits,
  QueryEndpointOptions,
  QueryEndpointRoute,
  QueryEndpointStats,
  ResolvedQueryEndpointOptions,
  ServerException,
} from './endpoint/index.js';
