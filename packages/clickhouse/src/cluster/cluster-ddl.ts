// The same migrations for a ClickHouse cluster, generated at run time from the single-node list (so a
// migration added later is covered without a copy to keep in step). Per table:
// - `<name>_local`, created ON CLUSTER on every node: the table as written, with its MergeTree engine
//   made Replicated (`ReplacingMergeTree(v)` -> `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/<db>/{table}', '{replica}', v)`);
// - `<name>`, the name readers use, a Distributed table over `<name>_local` on every shard. Rows of
//   a table with an exchange_id are sharded by cityHash64(exchange_id): every copy of a row (the
//   joiner delivers at least once) lands on the same shard, where FINAL collapses it, as on one node.
//   Other tables (gate_runs, runs, per-minute aggregates, resource samples) by rand(): their readers
//   aggregate or read FINAL by keys whose copies come from one writer.
// Materialized views run on every node from local table to local table (an insert through the
// Distributed table reaches them on the shard it lands on); plain views read the Distributed names.
// ALTERs that change columns go to both tables; TTL, constraints, indexes and mutations to the local
// one only (a Distributed table has none). Anything else the generator does not know fails, naming
// the migration, so a new kind of statement is handled here rather than run on one node only.
import type { Migration } from '../migrate/types.js';
import { ClickHouseError } from '../errors.js';
import { MigrationError } from '../migrate/errors.js';

/** Cluster names as remote_servers names them; nothing else reaches the DDL. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** The suffix of each node's own table behind a Distributed table. */
export const LOCAL_SUFFIX = '_local';

export interface ClusterOptions {
  /** A cluster of the servers' remote_servers (`clickhouse.cluster`, CLICKHOUSE_CLUSTER). */
  readonly cluster: string;
}

/** `CLICKHOUSE_CLUSTER` (empty counts as unset), checked against {@link CLUSTER_NAME_PATTERN}. */
export function clusterFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const value = env['CLICKHOUSE_CLUSTER'];
  if (value === undefined || value === '') return undefined;
  checkCluster(value, 'CLICKHOUSE_CLUSTER');
  return value;
}

function checkCluster(cluster: unknown, label: string): asserts cluster is string {
  if (typeof cluster !== 'string' || !CLUSTER_NAME_PATTERN.test(cluster)) {
    throw new ClickHouseError('CH_INVALID_OPTIONS', `${label} must be a cluster name (${CLUSTER_NAME_PATTERN.source}); got ${JSON.stringify(cluster)}`);
  }
}

const NAME = String.raw`((?:\{database\}\.)?)([A-Za-z_][A-Za-z0-9_]*)`;
const CREATE_TABLE = new RegExp(String.raw`^CREATE TABLE IF NOT EXISTS ${NAME}\s*\(`, 'i');
const CREATE_VIEW = new RegExp(String.raw`^CREATE (MATERIALIZED )?VIEW IF NOT EXISTS ${NAME}\s+`, 'i');
const ALTER_TABLE = new RegExp(String.raw`^ALTER TABLE ${NAME}\s+([\s\S]*)$`, 'i');
const DROP = new RegExp(String.raw`^DROP (TABLE|VIEW) IF EXISTS ${NAME}\s*$`, 'i');
const ENGINE = /\bENGINE\s*=\s*(\w+)(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\))?/i;
// ALTER actions a Distributed table must follow (its columns); the others are storage-only.
const COLUMN_ACTION = /^(ADD|DROP|RENAME|COMMENT)\s+COLUMN\b|^MODIFY\s+COLUMN\s+\S+\s+(?!TTL\b|REMOVE\s+TTL\b)\S/i;
const LOCAL_ACTION =
  /^(MODIFY\s+TTL|REMOVE\s+TTL|MATERIALIZE\s+(TTL|INDEX|PROJECTION|COLUMN)|(ADD|DROP)\s+(CONSTRAINT|INDEX|PROJECTION)|MODIFY\s+COLUMN\s+\S+\s+(TTL|REMOVE\s+TTL)|UPDATE|DELETE|MODIFY\s+SETTING)\b/i;

const quoted = (cluster: string): string => `\`${cluster}\``;

/** The migrations for `cluster`: same versions and names, each statement as the cluster needs it. */
export function clusterMigrations(migrations: readonly Migration[], options: ClusterOptions): Migration[] {
  checkCluster(options.cluster, 'cluster');
  const on = `ON CLUSTER ${quoted(options.cluster)}`;
  /** Tables seen so far, by name: whether its rows carry an exchange_id. */
  const tables = new Map<string, { exchangeId: boolean }>();
  const local = (qualifier: string, name: string): string => `${qualifier}${name}${LOCAL_SUFFIX}`;
  // FROM/JOIN/TO of a known table, in a materialized view: its local table.
  const toLocal = (sql: string): string =>
    sql.replace(new RegExp(String.raw`\b(FROM|JOIN|TO)\s+${NAME}\b`, 'gi'), (whole, kw: string, q: string, name: string) =>
      tables.has(name) ? `${kw} ${local(q, name)}` : whole,
    );

  const convert = (migration: Migration, statement: string, index: number): string[] => {
    const sql = statement.trim();
    const where = `migration ${migration.version} (${migration.name}), statement ${index + 1}`;
    let m: RegExpExecArray | null;
    if ((m = CREATE_TABLE.exec(sql)) !== null) {
      const [head, q = '', name = ''] = m;
      const rest = sql.slice(head.length - 1);
      const engine = ENGINE.exec(rest);
      if (engine === null)
        throw new MigrationError('MIGRATE_INVALID', `${where}: CREATE TABLE ${name} has no ENGINE clause the cluster DDL can replicate`, {
          version: migration.version,
        });
      const [clause, kind = '', args] = engine;
      const replicated = /MergeTree$/i.test(kind) && !/^Replicated/i.test(kind);
      const path = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`;
      const localEngine = replicated ? `ENGINE = Replicated${kind}(${[path, args?.trim()].filter((a) => a !== undefined && a !== '').join(', ')})` : clause;
      const exchangeId = /^\s*\(\s*exchange_id\s+String\b|,\s*exchange_id\s+String\b/i.test(rest.slice(0, engine.index));
      tables.set(name, { exchangeId });
      const shardingKey = exchangeId ? 'cityHash64(exchange_id)' : 'rand()';
      return [
        `CREATE TABLE IF NOT EXISTS ${local(q, name)} ${on} ${rest.replace(clause, localEngine)}`,
        `CREATE TABLE IF NOT EXISTS ${q}${name} ${on} AS ${local(q, name)} ENGINE = Distributed(${quoted(options.cluster)}, '{database}', ${name}${LOCAL_SUFFIX}, ${shardingKey})`,
      ];
    }
    if ((m = CREATE_VIEW.exec(sql)) !== null) {
      const [head, materialized, q = '', name = ''] = m;
      const rest = sql.slice(head.length);
      if (materialized === undefined) return [`CREATE VIEW IF NOT EXISTS ${q}${name} ${on} ${rest}`];
      if (!/^TO\s/i.test(rest))
        throw new MigrationError('MIGRATE_INVALID', `${where}: a materialized view needs TO <table> on a cluster`, { version: migration.version });
      return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${q}${name} ${on} ${toLocal(rest)}`];
    }
    if ((m = ALTER_TABLE.exec(sql)) !== null) {
      const [, q = '', name = '', action = ''] = m;
      if (!tables.has(name))
        throw new MigrationError('MIGRATE_INVALID', `${where}: ALTER of ${name}, which no earlier migration creates`, { version: migration.version });
      if (LOCAL_ACTION.test(action)) return [`ALTER TABLE ${local(q, name)} ${on} ${action}`];
      if (COLUMN_ACTION.test(action)) return [`ALTER TABLE ${local(q, name)} ${on} ${action}`, `ALTER TABLE ${q}${name} ${on} ${action}`];
      throw new MigrationError('MIGRATE_INVALID', `${where}: the cluster DDL does not know where "ALTER TABLE ... ${action.slice(0, 40)}" belongs`, {
        version: migration.version,
      });
    }
    if ((m = DROP.exec(sql)) !== null) {
      const [, kind = '', q = '', name = ''] = m;
      const drops = [`DROP ${kind} IF EXISTS ${q}${name} ${on}`];
      if (tables.has(name)) drops.push(`DROP TABLE IF EXISTS ${local(q, name)} ${on}`);
      tables.delete(name);
      return drops;
    }
    if (/^INSERT\s/i.test(sql)) return [sql]; // through the Distributed table, to the shard its key picks
    throw new MigrationError('MIGRATE_INVALID', `${where}: the cluster DDL does not know this statement: ${sql.slice(0, 60)}`, { version: migration.version });
  };

  return migrations.map((migration) => ({
    version: migration.version,
    name: migration.name,
    statements: migration.statements.flatMap((s, i) => convert(migration, s, i)),
  }));
}
