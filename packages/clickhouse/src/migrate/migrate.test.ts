import { describe, expect, it } from 'vitest';
import { SCHEMA_MIGRATIONS } from '../schema/schema-migrations.js';
import { MigrationError } from './errors.js';
import { idempotencyProblem } from './idempotency-lint.js';
import { formatMigrationReport, migrationChecksum, validateMigrations } from './migrate.js';
import type { Migration } from './types.js';

const m = (version: number, statements: string[] = [`CREATE TABLE IF NOT EXISTS t${version} (n UInt8) ENGINE = Memory`]): Migration => ({
  version,
  name: `m${version}`,
  statements,
});

function failure(call: () => void): MigrationError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

describe('validateMigrations', () => {
  it('accepts strictly increasing versions with gaps', () => {
    expect(() => validateMigrations([m(1), m(2), m(10)])).not.toThrow();
  });

  it('names a duplicate version', () => {
    expect(failure(() => validateMigrations([m(1), m(2), m(2)]))).toMatchObject({
      code: 'MIGRATE_INVALID',
      version: 2,
      message: 'Migration version 2 appears twice',
    });
  });

  it('names an out-of-order version', () => {
    const err = failure(() => validateMigrations([m(1), m(3), m(2)]));
    expect(err).toMatchObject({ code: 'MIGRATE_INVALID', version: 2 });
    expect(err.message).toContain('version 2 comes after version 3');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses version %s', (version) => {
    expect(failure(() => validateMigrations([m(version)])).code).toBe('MIGRATE_INVALID');
  });

  it('refuses empty names, empty statement lists and blank statements', () => {
    expect(failure(() => validateMigrations([{ version: 1, name: ' ', statements: ['SELECT 1'] }])).message).toContain('name');
    expect(failure(() => validateMigrations([{ version: 1, name: 'x', statements: [] }])).message).toContain('statements');
    expect(failure(() => validateMigrations([{ version: 1, name: 'x', statements: ['  '] }])).message).toContain('statement 1');
  });

  it('refuses a non-idempotent statement, naming version and statement', () => {
    const err = failure(() =>
      validateMigrations([m(1), m(2, ['CREATE TABLE IF NOT EXISTS a (n UInt8) ENGINE = Memory', 'CREATE TABLE b (n UInt8) ENGINE = Memory'])]),
    );
    expect(err).toMatchObject({ code: 'MIGRATE_NOT_IDEMPOTENT', version: 2 });
    expect(err.message).toContain('Migration 2 (m2), statement 2: CREATE without IF NOT EXISTS');
  });

  it("passes the project's own SCHEMA_MIGRATIONS", () => {
    expect(() => validateMigrations(SCHEMA_MIGRATIONS)).not.toThrow();
  });
});

describe('idempotencyProblem', () => {
  it.each([
    'CREATE TABLE IF NOT EXISTS {database}.t (n UInt8) ENGINE = MergeTree ORDER BY n',
    'create materialized view if not exists mv TO t AS SELECT 1',
    'CREATE OR REPLACE VIEW v AS SELECT 1',
    'CREATE DATABASE IF NOT EXISTS d',
    '/* CREATE TABLE x */ CREATE TABLE IF NOT EXISTS t (n UInt8) ENGINE = Memory',
    'DROP TABLE IF EXISTS t',
    'DROP VIEW IF EXISTS v SYNC',
    'ALTER TABLE t ADD COLUMN IF NOT EXISTS c UInt8',
    'ALTER TABLE t DROP COLUMN IF EXISTS c, ADD INDEX IF NOT EXISTS i c TYPE minmax',
    'ALTER TABLE t MODIFY TTL toDate(at) + INTERVAL 30 DAY',
    "INSERT INTO t VALUES (1, 'CREATE TABLE x')",
  ])('accepts %s', (sql) => {
    expect(idempotencyProblem(sql)).toBeUndefined();
  });

  it.each([
    ['CREATE TABLE t (n UInt8) ENGINE = Memory', 'CREATE without IF NOT EXISTS (or OR REPLACE)'],
    ['CREATE MATERIALIZED VIEW mv TO t AS SELECT 1', 'CREATE without IF NOT EXISTS (or OR REPLACE)'],
    ['DROP TABLE t', 'DROP without IF EXISTS'],
    ['RENAME TABLE a TO b', expect.stringContaining('RENAME is not idempotent')],
    ['ALTER TABLE t ADD COLUMN c UInt8', 'ALTER ... ADD COLUMN without IF NOT EXISTS'],
    ['ALTER TABLE t ADD COLUMN IF NOT EXISTS a UInt8, DROP COLUMN b', 'ALTER ... DROP COLUMN without IF EXISTS'],
    ['ALTER TABLE t RENAME COLUMN a TO b', 'ALTER ... RENAME COLUMN without IF EXISTS'],
  ])('flags %s', (sql, problem) => {
    expect(idempotencyProblem(sql)).toEqual(problem);
  });
});

describe('migrationChecksum and formatMigrationReport', () => {
  it('changes with the statements, not with the name', () => {
    const renamed: Migration = { ...m(1), name: 'renamed' };
    expect(migrationChecksum(m(1))).toBe(migrationChecksum(renamed));
    expect(migrationChecksum(m(1))).not.toBe(migrationChecksum(m(1, ['CREATE TABLE IF NOT EXISTS t1 (n UInt16) ENGINE = Memory'])));
    expect(migrationChecksum(m(1))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists what was applied and sums up', () => {
    const text = formatMigrationReport({
      database: 'shadow',
      applied: [{ version: 3, name: 'pairs', checksum: 'c', durationMs: 12 }],
      alreadyApplied: [1, 2],
      checksumChanged: [],
      unknown: [7],
      dryRun: false,
    });
    expect(text.split('\n')).toEqual(['applied 3 pairs (12 ms)', 'recorded but not in this release: 7', 'shadow: 1 applied, 2 already applied']);
  });
});
