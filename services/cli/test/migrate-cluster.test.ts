// `shadow migrate` on a ClickHouse cluster (CLICKHOUSE_CLUSTER): through the built CLI as a child
// process against a real embedded chDB directory. chDB has no cluster, so a valid name shows the
// cluster DDL reached the engine (which refuses the unknown cluster, naming it); a bad name and
// retention flags on a cluster are usage errors (exit 2) before anything runs.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = join(resolve(import.meta.dirname, '../../..'), 'services/cli/dist/main.js');
let dir: string;

function migrate(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, 'migrate', ...args],
      {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, CHDB_PATH: join(dir, 'chdb'), CLICKHOUSE_DATABASE: 'cluster_cli', ...env },
        timeout: 120_000,
      },
      (error, _stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr }),
    );
  });
}

describe('shadow migrate with CLICKHOUSE_CLUSTER', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadow-cli-cluster-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the cluster DDL: the engine is asked for the named cluster', async () => {
    const run = await migrate([], { CLICKHOUSE_CLUSTER: 'shadow_prod' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/migration 1\) failed in database cluster_cli: Requested cluster 'shadow_prod' not found/);
  });

  it.each([['a b'], ['c; DROP DATABASE x'], ['c`x']])('refuses the cluster name %j (exit 2, naming the variable)', async (name) => {
    const run = await migrate([], { CLICKHOUSE_CLUSTER: name });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CLICKHOUSE_CLUSTER must be a cluster name');
  });

  it('refuses retention flags on a cluster (exit 2) before running anything', async () => {
    const run = await migrate(['--retention-days', '10'], { CLICKHOUSE_CLUSTER: 'shadow_prod' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('retention cannot be changed on cluster shadow_prod');
  });
});
