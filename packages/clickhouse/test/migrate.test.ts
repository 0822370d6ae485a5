// The migration runner against the real engine (embedded chDB; a server too when the harness has one).
import { describe, expect, it } from 'vitest';
import { MigrationError, SCHEMA_MIGRATIONS, SCHEMA_TABLES, migrate, runMigrations } from '@shadow/clickhouse';
import type { ClickHouse, ClickHouseOptions, Migration } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse, serverUnderTest, uniqueDatabase } from './clickhouse-fixture.js';

const embedded = { mode: 'embedded', path: CHDB_TEST_PATH } as const;

const events: Migration = {
  version: 1,
  name: 'events',
  statements: ['CREATE TABLE IF NOT EXISTS {database}.events (id UInt32) ENGINE = MergeTree ORDER BY id'],
};
const eventsRoute: Migration = {
  version: 2,
  name: 'events.route',
  statements: [
    'ALTER TABLE {database}.events ADD COLUMN IF NOT EXISTS route String',
    'CREATE VIEW IF NOT EXISTS {database}.routes AS SELECT DISTINCT route FROM {database}.events',
  ],
};

async function recorded(ch: ClickHouse): Promise<{ version: number; name: string; n: number }[]> {
  const rs = await ch.client.query({
    query: 'SELECT version, any(name) AS name, count() AS n FROM schema_migrations GROUP BY version ORDER BY version',
    format: 'JSONEachRow',
  });
  return (await rs.json<{ version: number; name: string; n: string }>()).map((r) => ({ version: r.version, name: r.name, n: Number(r.n) }));
}

async function columns(ch: ClickHouse, table: string): Promise<string[]> {
  const rs = await ch.client.query({
    query: `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = '${table}' ORDER BY position`,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ name: string }>()).map((r) => r.name);
}

async function failure(call: Promise<unknown>): Promise<MigrationError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

function scenarios(options: () => ClickHouseOptions) {
  it('applies in order, records each version, and a second run applies nothing', async () => {
    const ch = await openTestClickHouse(options());
    const first = await migrate(ch, [events, eventsRoute]);
    expect(first.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(first.alreadyApplied).toEqual([]);
    expect(await columns(ch, 'events')).toEqual(['id', 'route']);
    expect(await recorded(ch)).toEqual([
      { version: 1, name: 'events', n: 1 },
      { version: 2, name: 'events.route', n: 1 },
    ]);

    const second = await migrate(ch, [events, eventsRoute]);
    expect(second).toMatchObject({ applied: [], alreadyApplied: [1, 2], checksumChanged: [], unknown: [] });
    expect(await recorded(ch)).toHaveLength(2);
  });

  it('applies only the new version when one is added later, and reports versions it does not know', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, [events]);
    const later = await migrate(ch, [events, eventsRoute]);
    expect(later.applied.map((m) => m.version)).toEqual([2]);
    // An older release started after a newer one migrated: it reports version 2, changes nothing.
    const older = await migrate(ch, [events]);
    expect(older).toMatchObject({ applied: [], alreadyApplied: [1], unknown: [2] });
  });

  it('refuses a changed applied migration naming its version, unless allowChecksumChange', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, [events]);
    const changed: Migration = { ...events, statements: ['CREATE TABLE IF NOT EXISTS {database}.events (id UInt64) ENGINE = MergeTree ORDER BY id'] };
    const err = await failure(migrate(ch, [changed, eventsRoute]));
    expect(err).toMatchObject({ code: 'MIGRATE_CHECKSUM_MISMATCH', version: 1 });
    expect(err.message).toContain('Migration 1 (events) was applied');
    // Nothing after the mismatch ran.
    expect(await columns(ch, 'events')).toEqual(['id']);

    const accepted = await migrate(ch, [changed, eventsRoute], { allowChecksumChange: true });
    expect(accepted).toMatchObject({ checksumChanged: [1], alreadyApplied: [] });
    expect(accepted.applied.map((m) => m.version)).toEqual([2]);
  });

  it('a dry run reports pending migrations and changes nothing, not even the bookkeeping table', async () => {
    const ch = await openTestClickHouse(options());
    const report = await migrate(ch, [events, eventsRoute], { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, alreadyApplied: [] });
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    const rs = await ch.client.query({ query: 'SHOW TABLES', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([]);
  });

  it('a failing statement stops the run naming the version; the fixed list completes it', async () => {
    const ch = await openTestClickHouse(options());
    const broken: Migration = {
      version: 2,
      name: 'broken',
      statements: [
        'ALTER TABLE {database}.events ADD COLUMN IF NOT EXISTS route String',
        'CREATE VIEW IF NOT EXISTS {database}.routes AS SELECT no_such_column FROM {database}.events',
      ],
    };
    const err = await failure(migrate(ch, [events, broken]));
    expect(err).toMatchObject({ code: 'MIGRATE_FAILED', version: 2, retriable: false });
    expect(err.message).toContain('Statement 2 of "broken" (migration 2) failed');
    // Version 1 is recorded, version 2 is not, though its first statement ran.
    expect((await recorded(ch)).map((r) => r.version)).toEqual([1]);
    expect(await columns(ch, 'events')).toEqual(['id', 'route']);
    // Re-running with the fix re-runs statement 1 harmlessly (IF NOT EXISTS) and completes.
    const fixed = await migrate(ch, [events, eventsRoute]);
    expect(fixed.applied.map((m) => m.version)).toEqual([2]);
  });

  it('two runners racing on one database both succeed and the result is applied once per version', async () => {
    const ch = await openTestClickHouse(options());
    const [a, b] = await Promise.all([migrate(ch, [events, eventsRoute]), migrate(ch, [events, eventsRoute])]);
    expect(a.applied.length + a.alreadyApplied.length).toBe(2);
    expect(b.applied.length + b.alreadyApplied.length).toBe(2);
    expect((await recorded(ch)).map((r) => r.version)).toEqual([1, 2]);
    expect(await migrate(ch, [events, eventsRoute])).toMatchObject({ applied: [], alreadyApplied: [1, 2] });
  });

  it("applies the project's SCHEMA_MIGRATIONS and creates every table they declare", async () => {
    const ch = await openTestClickHouse(options());
    const report = await migrate(ch, SCHEMA_MIGRATIONS);
    expect(report.applied.map((m) => m.version)).toEqual(SCHEMA_MIGRATIONS.map((m) => m.version));
    const rs = await ch.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
    const tables = (await rs.json<{ name: string }>()).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining([...Object.values(SCHEMA_TABLES), 'schema_migrations']));
    expect((await migrate(ch, SCHEMA_MIGRATIONS)).applied).toEqual([]);
  });
}

describe('migrations, embedded (chDB)', () => {
  scenarios(() => embedded);

  it('runMigrations opens ClickHouse from the environment, creates the database and closes', async () => {
    const database = uniqueDatabase();
    const report = await runMigrations({ migrations: [events], env: { CHDB_PATH: CHDB_TEST_PATH, CLICKHOUSE_DATABASE: database } });
    expect(report).toMatchObject({ database, alreadyApplied: [] });
    const ch = await openTestClickHouse({ ...embedded });
    try {
      const rs = await ch.client.query({ query: `SELECT count() AS n FROM \`${database}\`.schema_migrations`, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ n: '1' }]);
    } finally {
      await ch.client.command({ query: `DROP DATABASE IF EXISTS \`${database}\` SYNC` });
    }
  });
});

const server = serverUnderTest();
// No ClickHouse server on this machine; CI and developers with Docker or CLICKHOUSE_URL run these.
describe.runIf(server !== undefined)('migrations, server', () => {
  scenarios(() => server as ClickHouseOptions);
});
