// shadow migrate / report / gate / query through the real CLI (a child process per run, as CI runs
// it) against a real embedded chDB directory: the test lands a fixed set of pairs (each stored
// twice, as a re-delivered batch leaves them), closes its engine, and the CLI opens the directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/src/main.ts');
// Fixture times come from the clock (a day back), never a calendar date: the tables expire rows,
// and a fixed date becomes older than the retention some day (this suite once went red that way).
const T = Date.now() - 86_400_000;
const SINCE = new Date(T).toISOString();
const UNTIL = new Date(T + 3_600_000).toISOString();

let dir: string;
let chdb: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The clock shift of test/clock/clock-ahead.test.ts (a Date preload in NODE_OPTIONS), so the CLI children run shifted too. */
const clockShift = (): Record<string, string> => {
  const { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options } = process.env;
  return days === undefined ? {} : { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options ?? '' };
};

function shadow(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=@shadow/source', '--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, USER: 'ci-test', ...clockShift() }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/**
 * 50 pairs of challenger "cand" (capture times T + i s): GET /users/:id i < 40, of which 2 differ on
 * $.user.tier; POST /orders i >= 40, all agree. Live answers in 10 + i ms, the candidate in 11 + i.
 */
function rows(): Record<string, unknown>[] {
  return Array.from({ length: 50 }, (_, i) => {
    const differs = i === 3 || i === 17;
    return {
      exchange_id: `ex-${String(i).padStart(3, '0')}`,
      challenger_id: 'cand',
      challenger_name: 'pricing-v2',
      challenger_role: 'candidate',
      run_id: '',
      attempt: 1,
      capture_time: T + i * 1000,
      joined_time: T + i * 1000 + 500,
      route: i < 40 ? '/users/:id' : '/orders',
      method: i < 40 ? 'GET' : 'POST',
      path: '/x',
      live_status: 200,
      shadow_status: 200,
      live_latency_us: (10 + i) * 1000,
      shadow_latency_us: (11 + i) * 1000,
      status_match: true,
      headers_match: true,
      body_match: !differs,
      side_effects_match: true,
      agree: !differs,
      real_agree: !differs,
      diff_paths: differs ? ['$.user.tier'] : [],
      noisy_paths: [],
    };
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-analysis-'));
  chdb = join(dir, 'chdb');
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    await ch.client.command({ query: 'SYSTEM STOP MERGES pairs' });
    for (let copy = 0; copy < 2; copy++) await ch.client.insert({ table: 'pairs', values: rows(), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
  const criteria = (agreement: string, minPairs = 20) =>
    [
      'version: 1',
      `sample: { minPairs: ${minPairs}, routeMinPairs: 5 }`,
      `agreement: { min: ${agreement} }`,
      'latency: [{ quantile: 0.99, maxFactorOfLive: 1.5, judgeOn: estimate }]',
      '',
    ].join('\n');
  await writeFile(join(dir, 'pass.yaml'), criteria('0.8'));
  await writeFile(join(dir, 'fail.yaml'), criteria('0.99'));
  await writeFile(join(dir, 'insufficient.yaml'), criteria('0.8', 1000));
  await writeFile(join(dir, 'invalid.yaml'), 'version: 1\nagreement: { min: high }\n');
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const window = ['--since', SINCE, '--until', UNTIL];

describe('shadow analysis commands (child process, real embedded chDB)', () => {
  it('migrate is idempotent: everything already applied by the test', async () => {
    const r = await shadow('migrate', '--chdb-path', chdb);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`0 applied, ${SCHEMA_MIGRATIONS.length} already applied`);
  });

  it('migrate --*-retention-days sets how long rows stay after landing: the same value again changes nothing, a flag left out keeps its value, a bad one is exit 2', async () => {
    const set = await shadow('migrate', '--chdb-path', chdb, '--retention-days', '60', '--body-retention-days', '14');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('changed pairs: rows 30 -> 60 days');
    expect(set.stdout).toContain('changed pairs: bodies 7 -> 14 days');
    expect(set.stdout).toContain('retention, days after landing: rows 60, bodies 14, aggregates 180, labels 90');
    const again = await shadow('migrate', '--chdb-path', chdb, '--retention-days', '60', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { retention: unknown }).retention).toEqual({
      days: { rowsDays: 60, bodiesDays: 14, aggregatesDays: 180, labelsDays: 90 },
      changed: [],
    });
    const zero = await shadow('migrate', '--chdb-path', chdb, '--retention-days', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--retention-days.*expected an integer in \[1, 3650\]/);
    const longer = await shadow('migrate', '--chdb-path', chdb, '--body-retention-days', '90');
    expect(longer.code).toBe(2);
    expect(longer.stderr).toContain('bodies live in the pair rows');
    expect(longer.stderr).toContain('(90 days) exceeds retention.rowsDays (60)');
  }, 120_000);

  it('gate exits 0 on pass, 1 on fail, 2 on insufficient data and on an invalid criteria file naming the field', async () => {
    const pass = await shadow('gate', '--criteria', join(dir, 'pass.yaml'), '--challenger', 'cand', ...window, '--chdb-path', chdb);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/pass/i);
    // 48 of 50 agree: the Wilson lower bound (0.865) is below 0.99
    const fail = await shadow('gate', '--criteria', join(dir, 'fail.yaml'), '--challenger', 'cand', ...window, '--chdb-path', chdb, '--format', 'json');
    expect(fail.code, fail.stderr).toBe(1);
    const verdict = JSON.parse(fail.stdout) as { verdict: string; results: { criterion: string; scope: string; outcome: string; measured: number }[] };
    expect(verdict.verdict).toBe('fail');
    expect(verdict.results.find((r) => r.criterion === 'agreement' && r.scope === 'overall')).toMatchObject({ outcome: 'fail', measured: 0.96 });
    const few = await shadow('gate', '--criteria', join(dir, 'insufficient.yaml'), '--challenger', 'cand', ...window, '--chdb-path', chdb);
    expect(few.code, few.stderr).toBe(2);
    expect(few.stdout).toMatch(/insufficient/i);
    const invalid = await shadow('gate', '--criteria', join(dir, 'invalid.yaml'), '--challenger', 'cand', ...window, '--chdb-path', chdb);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/criteria\.agreement\.min/);
    // every judged run left an audit row; the invalid file was never judged
    const audit = await shadow('query', 'SELECT verdict, exit_code, by, criteria_source FROM gate_runs ORDER BY at', '--format', 'json', '--chdb-path', chdb);
    expect(audit.code, audit.stderr).toBe(0);
    const trail = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { verdict: string; exit_code: number; by: string; criteria_source: string });
    expect(trail.map((t) => [t.verdict, t.exit_code])).toEqual([
      ['pass', 0],
      ['fail', 1],
      ['insufficient', 2],
    ]);
    expect(trail[0]?.by).toMatch(/^ci-test@|@/);
    expect(trail[0]?.criteria_source).toBe(join(dir, 'pass.yaml'));
  }, 240_000);

  it('report counts each pair once and writes JSON to --out', async () => {
    const r = await shadow('report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--format', 'json', '--out', join(dir, 'report.json'));
    expect(r.code, r.stderr).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { overall: { pairs: number } };
    expect(report.overall.pairs).toBe(50);
    const text = await shadow('report', ...window, '--chdb-path', chdb, '--format', 'markdown');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\/users\/:id/);
  }, 120_000);

  it('report --label/--outcome asks for accuracy (none labelled here: no accuracy section); one without the other is exit 2', async () => {
    const r = await shadow('report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--format', 'json', '--label', 'fraud', '--outcome', '$.fraud');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { overall: { accuracy: unknown } }).overall.accuracy).toBeNull();
    const bad = await shadow('report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--label', 'fraud');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--label and --outcome go together');
    const path = await shadow('report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--label', 'fraud', '--outcome', '$.items[*]');
    // a bad flag value: exit 2, as every command line problem (1 is only the gate's "fail")
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('outcomePath');
  }, 120_000);

  it('query prints rows of the views and refuses writes', async () => {
    const r = await shadow(
      'query',
      "SELECT method, route, pairs, agreed FROM v_route_summary WHERE challenger_id = 'cand' ORDER BY route",
      '--chdb-path',
      chdb,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .slice(2, 4)
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['POST', '/orders', '10', '10'],
      ['GET', '/users/:id', '40', '38'],
    ]);
    const write = await shadow('query', 'DROP TABLE pairs', '--chdb-path', chdb);
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/refused \(read-only\)/);
  }, 120_000);

  it('through the read-only endpoint of the process owning chDB: same verdict, and a warning that the audit row was not written', async () => {
    // This test process plays the joiner: it owns the directory and serves the endpoint.
    const ch = await createClickHouse({ mode: 'embedded', path: chdb });
    try {
      await using endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
      const r = await shadow('gate', '--criteria', join(dir, 'pass.yaml'), '--challenger', 'cand', ...window, '--clickhouse-url', endpoint.url);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/warning: gate run \S+ NOT recorded in gate_runs: .*read-only endpoint/);
    } finally {
      await ch.close();
    }
  }, 120_000);
});
