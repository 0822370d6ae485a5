// Versioned, idempotent schema migrations for both modes. ClickHouse has no transactions and no
// advisory locks, so the runner relies on idempotent statements instead of mutual exclusion:
// - every statement must be IF [NOT] EXISTS-style (checked before anything runs, see
//   idempotency-lint.ts), so a migration interrupted half-way is completed by the next run;
// - a version is recorded in `schema_migrations` only after all its statements succeeded;
// - two processes racing (two joiners starting at once against one server) may both run a pending
//   migration: the statements are no-ops the second time, and both record the version. The table is
//   a ReplacingMergeTree on `version` and is read grouped by version (first recorded row wins), so a
//   double record is harmless before and after merges.
import { createHash } from 'node:crypto';
import { createClickHouse } from '../clickhouse.js';
import { clusterFromEnv, clusterMigrations } from '../cluster/cluster-ddl.js';
import { clickhouseOptionsFromEnv } from '../env.js';
import { toClickHouseError } from '../errors.js';
import type { ClickHouse } from '../types.js';
import { applyRetention, formatRetention, validateRetention } from '../schema/retention.js';
import { RETENTION_MIGRATIONS } from '../schema/retention-migrations.js';
import { MigrationError, isMigrationError } from './errors.js';
import { idempotencyProblem } from './idempotency-lint.js';
import type { MigrateOptions, RunMigrationsOptions } from './options.js';
import type { AppliedMigration, Migration, MigrationReport } from './types.js';

/** The table, in the target database, that records applied versions. */
export const MIGRATIONS_TABLE = 'schema_migrations';
/** Replaced in every statement by the target database's name. */
export const DATABASE_PLACEHOLDER = '{database}';

/** sha256 of the statements as written (before `{database}` is replaced), so it is the same for every database. */
export function migrationChecksum(migration: Pick<Migration, 'statements'>): string {
  return createHash('sha256').update(JSON.stringify(migration.statements)).digest('hex');
}

/**
 * Checks a migration list without touching a database: versions positive integers, strictly
 * increasing (a duplicate or out-of-order version is named), names and statements non-empty, every
 * statement idempotent-style. Throws MigrationError.
 */
export function validateMigrations(migrations: readonly Migration[]): void {
  if (!Array.isArray(migrations)) throw new MigrationError('MIGRATE_INVALID', 'migrations must be an array of { version, name, statements }');
  let previous: number | undefined;
  for (const [index, migration] of migrations.entries()) {
    const { version, name, statements } = migration as Partial<Migration>;
    const at = `migration #${index}`;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version <= 0) {
      throw new MigrationError('MIGRATE_INVALID', `${at}: version must be a positive integer; got ${String(version)}`);
    }
    if (previous !== undefined && version === previous) {
      throw new MigrationError('MIGRATE_INVALID', `Migration version ${version} appears twice`, { version });
    }
    if (previous !== undefined && version < previous) {
      throw new MigrationError('MIGRATE_INVALID', `Migration version ${version} comes after version ${previous}; versions must be strictly increasing`, {
        version,
      });
    }
    previous = version;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new MigrationError('MIGRATE_INVALID', `Migration ${version}: name must be a non-empty string`, { version });
    }
    if (!Array.isArray(statements) || statements.length === 0) {
      throw new MigrationError('MIGRATE_INVALID', `Migration ${version} (${name}): statements must be a non-empty array of SQL strings`, { version });
    }
    for (const [i, statement] of statements.entries()) {
      if (typeof statement !== 'string' || statement.trim() === '') {
        throw new MigrationError('MIGRATE_INVALID', `Migration ${version} (${name}), statement ${i + 1}: must be a non-empty SQL string`, { version });
      }
      let problem: string | undefined;
      try {
        problem = idempotencyProblem(statement);
      } catch (err) {
        throw new MigrationError('MIGRATE_INVALID', `Migration ${version} (${name}), statement ${i + 1}: ${(err as Error).message}`, { version, cause: err });
      }
      if (problem !== undefined) {
        throw new MigrationError(
          'MIGRATE_NOT_IDEMPOTENT',
          `Migration ${version} (${name}), statement ${i + 1}: ${problem}. ClickHouse has no transactions, so a migration ` +
            'may run again after an interruption or a race; write it so a second run changes nothing.',
          { version },
        );
      }
    }
  }
}

const quoted = (identifier: string) => `\`${identifier.replaceAll('`', '``')}\``;

interface RecordedVersion {
  version: number;
  name: string;
  checksum: string;
}

async function recordedVersions(ch: ClickHouse, table: string): Promise<RecordedVersion[]> {
  const rs = await ch.client.query({
    // First recorded row per version: a race can record a version twice (see the header).
    query: `SELECT version, argMin(name, applied_at) AS name, argMin(checksum, applied_at) AS checksum FROM ${table} GROUP BY version ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ version: number | string; name: string; checksum: string }>();
  return rows.map((r) => ({ version: Number(r.version), name: r.name, checksum: r.checksum }));
}

async function tableExists(ch: ClickHouse, table: string): Promise<boolean> {
  const rs = await ch.client.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' });
  const [row] = await rs.json<Record<string, number | string>>();
  return row !== undefined && Number(Object.values(row)[0]) === 1;
}

/**
 * Applies the migrations not yet recorded in `<database>.schema_migrations`, in version order, and
 * records each after its statements succeeded. Re-running applies nothing. An applied version whose
 * statements changed fails the run (MIGRATE_CHECKSUM_MISMATCH naming it) unless
 * `allowChecksumChange`. Works in both modes; `{database}` in a statement becomes `ch.database`.
 */
export async function migrate(ch: ClickHouse, given: readonly Migration[], options: MigrateOptions = {}): Promise<MigrationReport> {
  validateMigrations(given);
  const { logger, dryRun = false, allowChecksumChange = false, cluster } = options;
  if (options.retention !== undefined) validateRetention(options.retention);
  // On a cluster: the same versions, each statement as the cluster needs it (cluster-ddl.ts).
  const migrations = cluster === undefined ? given : clusterMigrations(given, { cluster });
  if (cluster !== undefined && options.retention !== undefined && Object.values(options.retention).some((days) => days !== undefined)) {
    throw new MigrationError(
      'MIGRATE_INVALID',
      `retention cannot be changed on cluster ${cluster} by migrate yet (its TTLs are on the <table>_local tables); ` +
        'leave the retention settings unset, or ALTER TABLE <table>_local ON CLUSTER ... MODIFY TTL (docs/clickhouse.md, Cluster)',
    );
  }
  const retention = cluster === undefined ? options.retention : undefined;
  const database = ch.database;
  const table = `${quoted(database)}.${MIGRATIONS_TABLE}`;

  const engineCall = async <T>(what: string, call: () => Promise<T>, version?: number): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const cause = toClickHouseError(err);
      const about = version === undefined ? '' : ` (migration ${version})`;
      throw new MigrationError('MIGRATE_FAILED', `${what}${about} failed in database ${database}: ${cause.message}`, {
        ...(version === undefined ? {} : { version }),
        cause,
        retriable: cause.retriable,
      });
    }
  };

  let recorded: RecordedVersion[] = [];
  if (dryRun) {
    if (await engineCall(`Checking ${MIGRATIONS_TABLE}`, () => tableExists(ch, table))) {
      recorded = await engineCall(`Reading ${MIGRATIONS_TABLE}`, () => recordedVersions(ch, table));
    }
  } else {
    await engineCall(`Creating ${MIGRATIONS_TABLE}`, () =>
      ch.client.command({
        query:
          `CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')) ` +
          'ENGINE = ReplacingMergeTree ORDER BY version',
      }),
    );
    recorded = await engineCall(`Reading ${MIGRATIONS_TABLE}`, () => recordedVersions(ch, table));
  }

  const byVersion = new Map(recorded.map((r) => [r.version, r]));
  const known = new Set(migrations.map((m) => m.version));
  const alreadyApplied: number[] = [];
  const checksumChanged: number[] = [];
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const found = byVersion.get(migration.version);
    if (found === undefined) {
      pending.push(migration);
    } else if (found.checksum === migrationChecksum(migration)) {
      alreadyApplied.push(migration.version);
    } else if (allowChecksumChange) {
      checksumChanged.push(migration.version);
      logger?.warn({ version: migration.version, name: migration.name }, 'migration changed since it was applied; accepted (allowChecksumChange)');
    } else {
      throw new MigrationError(
        'MIGRATE_CHECKSUM_MISMATCH',
        `Migration ${migration.version} (${migration.name}) was applied to ${database} with other statements (checksum ${found.checksum.slice(0, 12)}…, ` +
          `now ${migrationChecksum(migration).slice(0, 12)}…). Applied migrations must not change: add a new version instead, ` +
          'or pass allowChecksumChange (--allow-checksum-change) if the change is cosmetic.',
        { version: migration.version },
      );
    }
  }
  const unknown = recorded.map((r) => r.version).filter((v) => !known.has(v));

  const applied: AppliedMigration[] = [];
  for (const migration of pending) {
    const checksum = migrationChecksum(migration);
    if (dryRun) {
      applied.push({ version: migration.version, name: migration.name, checksum, durationMs: 0 });
      continue;
    }
    const started = performance.now();
    for (const [i, statement] of migration.statements.entries()) {
      const query = statement.replaceAll(DATABASE_PLACEHOLDER, database);
      await engineCall(`Statement ${i + 1} of "${migration.name}"`, () => ch.client.command({ query }), migration.version);
    }
    await engineCall(
      `Recording version ${migration.version}`,
      () =>
        ch.client.insert({
          table,
          // Epoch milliseconds: read as DateTime64(3) whatever the client's date_time_input_format.
          values: [{ version: migration.version, name: migration.name, checksum, applied_at: Date.now() }],
          format: 'JSONEachRow',
        }),
      migration.version,
    );
    const durationMs = Math.round(performance.now() - started);
    applied.push({ version: migration.version, name: migration.name, checksum, durationMs });
    logger?.info({ database, version: migration.version, name: migration.name, durationMs }, 'migration applied');
  }
  if (retention === undefined) return Object.freeze({ database, applied, alreadyApplied, checksumChanged, unknown, dryRun });
  // Migration 40 sets the default retention; a dry run with it pending compares with that.
  const assumeMigrated = dryRun && pending.some((m) => RETENTION_MIGRATIONS.some((r) => r.version === m.version));
  let retained;
  try {
    retained = await applyRetention(ch, retention, { dryRun, assumeMigrated, ...(logger === undefined ? {} : { logger }) });
  } catch (err) {
    if (isMigrationError(err)) throw err;
    const cause = toClickHouseError(err);
    throw new MigrationError('MIGRATE_FAILED', `Applying retention failed in database ${database}: ${cause.message}`, { cause, retriable: cause.retriable });
  }
  return Object.freeze({ database, applied, alreadyApplied, checksumChanged, unknown, dryRun, retention: retained });
}

/**
 * For `shadow migrate` and service start-up: opens ClickHouse from the environment (plus
 * `options.clickhouse`), applies the migrations, closes, and returns the report.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<MigrationReport> {
  const { migrations, clickhouse = {}, env = process.env, ...migrateOptions } = options;
  validateMigrations(migrations);
  const cluster = migrateOptions.cluster ?? clusterFromEnv(env);
  const ch = await createClickHouse({
    ...clickhouseOptionsFromEnv(env),
    ...clickhouse,
    ...(migrateOptions.logger && clickhouse.logger === undefined ? { logger: migrateOptions.logger } : {}),
  });
  try {
    return await migrate(ch, migrations, { ...migrateOptions, ...(cluster === undefined ? {} : { cluster }) });
  } finally {
    await ch.close();
  }
}

/** The report as lines for a terminal or a log. */
export function formatMigrationReport(report: MigrationReport): string {
  const lines: string[] = [];
  const verb = report.dryRun ? 'would apply' : 'applied';
  for (const m of report.applied) lines.push(`${verb} ${m.version} ${m.name}${report.dryRun ? '' : ` (${m.durationMs} ms)`}`);
  for (const v of report.checksumChanged) lines.push(`changed since applied (accepted): ${v}`);
  if (report.unknown.length > 0) lines.push(`recorded but not in this release: ${report.unknown.join(', ')}`);
  if (report.retention !== undefined) {
    for (const change of report.retention.changed) lines.push(`${report.dryRun ? 'would change' : 'changed'} ${change}`);
    lines.push(formatRetention(report.retention));
  }
  lines.push(
    `${report.database}: ${report.applied.length} ${verb}, ${report.alreadyApplied.length} already applied` +
      (report.dryRun ? ' (dry run, nothing changed)' : ''),
  );
  return lines.join('\n');
}
