// Every SQL example in docs/analysis-sql.md runs against the real schema (SCHEMA_MIGRATIONS, views
// included) in chDB, so the documented queries cannot drift from the tables.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);

it('the example queries of docs/analysis-sql.md run against the schema', async () => {
  const md = readFileSync(resolve(import.meta.dirname, '../../../docs/analysis-sql.md'), 'utf8');
  const statements = [...md.matchAll(/```sql\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] as string).split(/;\s*\n/))
    .map((s) => s.replace(/--.*$/gm, '').trim().replace(/;$/, ''))
    .filter((s) => s !== '');
  expect(statements.length).toBeGreaterThanOrEqual(10);
  const ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database: `docs_${randomUUID().replaceAll('-', '')}`, ensureDatabase: true });
  const failed: string[] = [];
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    for (const query of statements) {
      try {
        await (await ch.client.query({ query, format: 'JSONEachRow' })).json();
      } catch (error) {
        failed.push(`${query.slice(0, 80)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await ch.close();
  }
  expect(failed).toEqual([]);
});
