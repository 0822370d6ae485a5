// The cluster DDL as far as the embedded engine can take it: chDB has no cluster (no remote_servers,
// no Keeper), so ON CLUSTER, Replicated engines and Distributed tables cannot run here. What can:
// 1. every generated statement goes through the engine's own parser (formatQuery) and keeps its
//    ON CLUSTER clause, engine and names;
// 2. the same statements with the cluster taken out (ON CLUSTER dropped, Replicated* -> its plain
//    engine, Distributed -> Merge over the local table, which reads it the same on one node) run
//    through migrate() in order, and leave every table and view readers know under the same name
//    with the same columns as the single-node migrations, and the readers' views answer over them.
import { describe, expect, it } from 'vitest';
import { clusterMigrations, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse, Migration } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse } from './clickhouse-fixture.js';

const CLUSTER = 'shadow_cluster';
const embedded = { mode: 'embedded' as const, path: CHDB_TEST_PATH };

async function rows<T>(ch: ClickHouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}

/** The cluster statements as one node can run them (what a cluster would do per shard). */
function onOneNode(migrations: readonly Migration[]): Migration[] {
  return migrations.map((m) => ({
    ...m,
    statements: m.statements.map((s) =>
      s
        .replace(` ON CLUSTER \`${CLUSTER}\``, '')
        .replace(/ENGINE = Replicated(\w+MergeTree)\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'(?:, )?/, 'ENGINE = $1(')
        .replace(/ENGINE = Distributed\(`[^`]+`, '\{database\}', (\w+), [^)]*\)+$/, "ENGINE = Merge('{database}', '^$1$$')"),
    ),
  }));
}

describe('cluster DDL on the embedded engine', () => {
  it("parses, every statement of every migration, through the engine's own parser", async () => {
    const ch = await openTestClickHouse(embedded);
    const generated = clusterMigrations(SCHEMA_MIGRATIONS, { cluster: CLUSTER });
    let n = 0;
    for (const m of generated) {
      for (const statement of m.statements) {
        const sql = statement.replaceAll('{database}', ch.database);
        const [formatted] = await rows<{ f: string }>(ch, 'SELECT formatQuery({sql:String}) AS f', { sql });
        expect(formatted?.f, `${m.version}: ${sql.slice(0, 80)}`).toContain(`ON CLUSTER ${CLUSTER}`);
        n++;
      }
    }
    expect(n).toBeGreaterThan(SCHEMA_MIGRATIONS.flatMap((m) => m.statements).length);
  });

  it('leaves every table and view readers use under the same name and columns, and the views answer', async () => {
    const single = await openTestClickHouse(embedded);
    await migrate(single, SCHEMA_MIGRATIONS);
    const cluster = await openTestClickHouse(embedded);
    const report = await migrate(cluster, onOneNode(clusterMigrations(SCHEMA_MIGRATIONS, { cluster: CLUSTER })));
    expect(report.applied.map((m) => m.version)).toEqual(SCHEMA_MIGRATIONS.map((m) => m.version));

    const columns = async (ch: ClickHouse) =>
      rows<{ table: string; name: string; type: string }>(
        ch,
        "SELECT table, name, type FROM system.columns WHERE database = {db:String} AND table NOT LIKE '%\\_local' AND table != 'schema_migrations' ORDER BY table, position",
        { db: ch.database },
      );
    const readers = await columns(single);
    expect(readers.length).toBeGreaterThan(100);
    expect(await columns(cluster)).toEqual(readers);

    // A row landed on a shard's local table is read through the reader's name and views, FINAL included.
    const now = new Date().toISOString();
    await cluster.client.insert({
      table: 'pairs_local',
      values: [1, 2].map((i) => ({
        exchange_id: 'e1',
        challenger_id: 'cand',
        run_id: '',
        capture_time: now,
        joined_time: now,
        replay_time: now,
        agree: i === 2,
      })),
      format: 'JSONEachRow',
    });
    expect(await rows(cluster, 'SELECT exchange_id, agree FROM pairs FINAL')).toEqual([{ exchange_id: 'e1', agree: true }]);
    expect(await rows(cluster, 'SELECT challenger_id, pairs FROM v_route_summary')).toMatchObject([{ challenger_id: 'cand', pairs: '1' }]);
    // The materialized view ran local to local.
    expect(await rows(cluster, 'SELECT uniqExactMerge(pairs) AS n FROM pair_minutes_local')).toEqual([{ n: '1' }]);
  });

  it('refuses retention days with a cluster before running anything (its TTLs live on the local tables)', async () => {
    const ch = await openTestClickHouse(embedded);
    await expect(migrate(ch, SCHEMA_MIGRATIONS, { cluster: CLUSTER, retention: { rowsDays: 10 } })).rejects.toMatchObject({ code: 'MIGRATE_INVALID' });
    expect(await rows(ch, 'SELECT name FROM system.tables WHERE database = {db:String}', { db: ch.database })).toEqual([]);
  });
});
