import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '../errors.js';
import { MigrationError } from '../migrate/errors.js';
import type { Migration } from '../migrate/types.js';
import { SCHEMA_MIGRATIONS } from '../schema/schema-migrations.js';
import { clusterFromEnv, clusterMigrations } from './cluster-ddl.js';

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (?:\{database\}\.)?([a-z_]+)\s*\(/i;
const tablesOf = (migrations: readonly Migration[]): string[] =>
  migrations.flatMap((m) => m.statements.map((s) => CREATE_TABLE.exec(s.trim())?.[1]).filter((n): n is string => n !== undefined));
const generated = clusterMigrations(SCHEMA_MIGRATIONS, { cluster: 'shadow' });
const all = generated.flatMap((m) => m.statements);
const find = (pattern: RegExp): string[] => all.filter((s) => pattern.test(s));

describe('clusterMigrations (from SCHEMA_MIGRATIONS, at run time)', () => {
  it('keeps every version and name, so the cluster records the same versions', () => {
    expect(generated.map((m) => [m.version, m.name])).toEqual(SCHEMA_MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('gives every table a Replicated <name>_local on every node and a Distributed table under the name readers use', () => {
    const tables = tablesOf(SCHEMA_MIGRATIONS);
    expect(tables).toEqual(expect.arrayContaining(['pairs', 'pair_diffs', 'unmatched', 'pair_minutes', 'labels', 'runs', 'capture_events']));
    for (const t of tables) {
      const local = find(new RegExp(String.raw`^CREATE TABLE IF NOT EXISTS (\{database\}\.)?${t}_local ON CLUSTER \`shadow\` \(`));
      expect(local, t).toHaveLength(1);
      const distributed = find(
        new RegExp(String.raw`^CREATE TABLE IF NOT EXISTS (\{database\}\.)?${t} ON CLUSTER \`shadow\` AS (\{database\}\.)?${t}_local ENGINE = Distributed\(`),
      );
      expect(distributed, t).toHaveLength(1);
      expect(distributed[0]).toContain(`Distributed(\`shadow\`, '{database}', ${t}_local, `);
    }
    expect(find(/ENGINE = ReplacingMergeTree|ENGINE = AggregatingMergeTree/)).toEqual([]);
    expect(find(/^CREATE TABLE IF NOT EXISTS pairs_local /)[0]).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', joined_time)",
    );
    expect(find(/^CREATE TABLE IF NOT EXISTS pair_minutes_local /)[0]).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
    // Not a MergeTree: kept as it is (inserts into it feed a materialized view on the shard).
    expect(find(/capture_events_local ON CLUSTER/)[0]).toMatch(/ENGINE = Null\b/);
  });

  it('shards rows with an exchange id by it (copies of a row meet on one shard, where FINAL collapses them), the others at random', () => {
    for (const t of ['pairs', 'pair_diffs', 'unmatched', 'labels', 'capture_events']) {
      expect(find(new RegExp(String.raw`^CREATE TABLE IF NOT EXISTS (\{database\}\.)?${t} ON CLUSTER`))[0], t).toMatch(/, cityHash64\(exchange_id\)\)$/);
    }
    for (const t of ['pair_minutes', 'gate_runs', 'runs', 'capture_minutes']) {
      expect(find(new RegExp(String.raw`^CREATE TABLE IF NOT EXISTS (\{database\}\.)?${t} ON CLUSTER`))[0], t).toMatch(/, rand\(\)\)$/);
    }
  });

  it('runs materialized views from local table to local table, and plain views over the Distributed names', () => {
    const mv = find(/^CREATE MATERIALIZED VIEW IF NOT EXISTS pair_minutes_mv ON CLUSTER `shadow` TO pair_minutes_local AS/);
    expect(mv).toHaveLength(1);
    expect(mv[0]).toMatch(/FROM pairs_local\b/);
    expect(find(/capture_minutes_mv ON CLUSTER/)[0]).toMatch(/TO \{database\}\.capture_minutes_local AS[\s\S]*FROM \{database\}\.capture_events_local\b/);
    const view = find(/^CREATE VIEW IF NOT EXISTS \{database\}\.v_route_summary ON CLUSTER `shadow` AS/);
    expect(view).toHaveLength(1);
    expect(view[0]).not.toContain('_local');
  });

  it('sends column changes to both tables, TTLs and constraints to the local one only', () => {
    expect(find(/ADD COLUMN IF NOT EXISTS judge_id /)).toEqual([
      "ALTER TABLE {database}.pairs_local ON CLUSTER `shadow` ADD COLUMN IF NOT EXISTS judge_id LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ON CLUSTER `shadow` ADD COLUMN IF NOT EXISTS judge_id LowCardinality(String) DEFAULT ''",
    ]);
    for (const s of find(/MODIFY TTL|ADD CONSTRAINT|MATERIALIZE TTL|MODIFY COLUMN live_body TTL/))
      expect(s).toMatch(/^ALTER TABLE \{database\}\.[a-z_]+_local ON CLUSTER/);
  });

  it('covers a migration added later without a copy: a new table and its column', () => {
    const later: Migration[] = [
      ...SCHEMA_MIGRATIONS,
      {
        version: 999,
        name: 'a new table',
        statements: ['CREATE TABLE IF NOT EXISTS {database}.extra (exchange_id String, n UInt8) ENGINE = ReplacingMergeTree ORDER BY exchange_id'],
      },
      { version: 1000, name: 'its column', statements: ['ALTER TABLE {database}.extra ADD COLUMN IF NOT EXISTS m UInt8'] },
    ];
    const out = clusterMigrations(later, { cluster: 'c1' }).slice(-2);
    expect(out.flatMap((m) => m.statements)).toEqual([
      "CREATE TABLE IF NOT EXISTS {database}.extra_local ON CLUSTER `c1` (exchange_id String, n UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY exchange_id",
      "CREATE TABLE IF NOT EXISTS {database}.extra ON CLUSTER `c1` AS {database}.extra_local ENGINE = Distributed(`c1`, '{database}', extra_local, cityHash64(exchange_id))",
      'ALTER TABLE {database}.extra_local ON CLUSTER `c1` ADD COLUMN IF NOT EXISTS m UInt8',
      'ALTER TABLE {database}.extra ON CLUSTER `c1` ADD COLUMN IF NOT EXISTS m UInt8',
    ]);
  });

  it('refuses, naming the migration, a statement it does not know where to run', () => {
    for (const statement of ['OPTIMIZE TABLE pairs FINAL', 'ALTER TABLE {database}.nowhere ADD COLUMN IF NOT EXISTS x UInt8', 'ALTER TABLE pairs FREEZE']) {
      const call = () => clusterMigrations([...SCHEMA_MIGRATIONS, { version: 999, name: 'odd', statements: [statement] }], { cluster: 'c' });
      expect(call, statement).toThrow(MigrationError);
      expect(call, statement).toThrow(/migration 999 \(odd\), statement 1/);
    }
  });

  it.each([['c; DROP DATABASE x'], ['c` ON CLUSTER `d'], ['a b'], [''], ['{shard}'], ["c'"]])(
    'refuses the cluster name %j (nothing but a name reaches the DDL)',
    (cluster) => {
      expect(() => clusterMigrations(SCHEMA_MIGRATIONS, { cluster })).toThrow(ClickHouseError);
      if (cluster !== '') expect(() => clusterFromEnv({ CLICKHOUSE_CLUSTER: cluster })).toThrow(/CLICKHOUSE_CLUSTER must be a cluster name/);
    },
  );

  it('reads CLICKHOUSE_CLUSTER, empty as unset', () => {
    expect(clusterFromEnv({ CLICKHOUSE_CLUSTER: 'prod_1' })).toBe('prod_1');
    expect(clusterFromEnv({ CLICKHOUSE_CLUSTER: '' })).toBeUndefined();
    expect(clusterFromEnv({})).toBeUndefined();
  });
});
