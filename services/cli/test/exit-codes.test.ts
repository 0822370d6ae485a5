// Exit codes and messages a CI job can rely on, through the built CLI as a child process (as CI runs
// it), against real embedded chDB directories: 1 from `gate` means "fail" and nothing else; whatever
// keeps report, gate or query from measuring is exit 2 with ONE line on stderr naming what failed
// and the fix (no client stack); time flags take only durations, ISO-8601 with a zone and epoch
// s/ms. Fixture times are computed from Date.now().
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/dist/main.js');
// Whole seconds, two hours back: epoch-seconds flags can name pair times exactly.
const T = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
const iso = (ms: number): string => new Date(ms).toISOString();
const WINDOW = ['--since', iso(T), '--until', iso(T + 3_600_000)];

let dir: string;
let chdb: string;
let empty: string;
let refusedUrl: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function shadow(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir, USER: 'ci-test', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** The run failed with exactly one `shadow:` line, no stack, no client log line; returns that line. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const failures = lines.filter((l) => l.startsWith('shadow: '));
  expect(failures, r.stderr).toHaveLength(1);
  expect(
    lines.filter((l) => !l.startsWith('shadow: ') && !l.startsWith('clickhouse: ')),
    r.stderr,
  ).toEqual([]);
  expect(r.stderr).not.toMatch(/^\s+at |\[ERROR\]|Caused by/m);
  return failures[0] as string;
}

/** 50 pairs of "cand" at T + i s on GET /users/:id, 2 of which differ. */
function rows(): Record<string, unknown>[] {
  return Array.from({ length: 50 }, (_, i) => {
    const differs = i === 3 || i === 17;
    return {
      exchange_id: `ex-${String(i).padStart(3, '0')}`,
      challenger_id: 'cand',
      challenger_name: 'pricing-v2',
      challenger_role: 'candidate',
      run_id: 'run-1',
      attempt: 1,
      capture_time: T + i * 1000,
      joined_time: T + i * 1000 + 500,
      route: '/users/:id',
      method: 'GET',
      path: `/users/${i}`,
      live_status: 200,
      shadow_status: 200,
      live_latency_us: 10_000,
      shadow_latency_us: 11_000,
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

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-exit-codes-'));
  chdb = join(dir, 'chdb');
  empty = join(dir, 'empty-chdb');
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    await ch.client.insert({ table: 'pairs', values: rows(), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
  await writeFile(join(dir, 'gate.yaml'), ['version: 1', 'sample: { minPairs: 20, routeMinPairs: 5 }', 'agreement: { min: 0.8 }', ''].join('\n'));
  refusedUrl = `http://127.0.0.1:${await closedPort()}`;
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

// relative: the CLI runs in dir (it.each builds these before beforeAll made dir)
const gate = (...args: string[]) => ['gate', '--criteria', 'gate.yaml', '--challenger', 'cand', ...args];
const report = (...args: string[]) => ['report', '--challenger', 'cand', ...args];
const query = (...args: string[]) => ['query', 'SELECT count() FROM pairs', ...args];

describe('report, gate and query when they cannot measure: exit 2 and one line with the fix', () => {
  it('the seeded database itself is fine: gate passes (0), report and query answer (0)', async () => {
    const pass = await shadow(gate(...WINDOW, '--chdb-path', chdb));
    expect(pass.code, pass.stderr).toBe(0);
    const r = await shadow(report(...WINDOW, '--chdb-path', chdb, '--format', 'json'));
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { overall: { pairs: number } }).overall.pairs).toBe(50);
    const q = await shadow(query('--chdb-path', chdb, '--format', 'tsv'));
    expect(q.code, q.stderr).toBe(0);
  }, 240_000);

  it.each([
    ['gate', gate(...WINDOW)],
    ['report', report(...WINDOW)],
    ['query', query()],
  ])(
    '%s: connection refused is exit 2, one line naming the URL and what to do (no 25-line client stack)',
    async (_name, args) => {
      const r = await shadow([...args, '--clickhouse-url', refusedUrl]);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(
        new RegExp(
          `^shadow: cannot reach ClickHouse, server ${refusedUrl.replaceAll('.', '\\.')} \\(from --clickhouse-url\\): .*ECONNREFUSED.*; start it .*or correct the URL$`,
        ),
      );
    },
    120_000,
  );

  it.each([
    ['gate', gate(...WINDOW)],
    ['report', report(...WINDOW)],
    ['query', query()],
  ])(
    '%s: a database that does not exist is exit 2 naming it and --database (the read commands create nothing)',
    async (_name, args) => {
      const r = await shadow([...args, '--chdb-path', chdb, '--database', 'shadow_typo']);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(/^shadow: database "shadow_typo" does not exist, embedded chDB .* pass --database \(or CLICKHOUSE_DATABASE\)/);
      const still = await shadow(['query', "SELECT count() FROM system.databases WHERE name = 'shadow_typo'", '--chdb-path', chdb, '--format', 'tsv']);
      expect(still.stdout.trim().split('\n').at(-1)).toBe('0');
    },
    120_000,
  );

  it.each([
    ['gate', gate(...WINDOW)],
    ['report', report(...WINDOW)],
    ['query', query()],
  ])(
    '%s: a database without the tables is exit 2 naming the table and `shadow migrate`',
    async (_name, args) => {
      const r = await shadow([...args, '--chdb-path', empty]);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(
        /^shadow: table pairs does not exist in database "default", embedded chDB .*: run `shadow migrate` against this database, or pass the --database the joiner writes to$/,
      );
    },
    120_000,
  );

  it("query: a statement ClickHouse cannot run, or more rows than --max-rows, is exit 2 with the engine's first line", async () => {
    const unknown = await shadow(['query', 'SELECT no_such_column FROM pairs', '--chdb-path', chdb]);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(oneLine(unknown)).toMatch(/^shadow: the query failed, embedded chDB .*: Unknown expression identifier `no_such_column`/);
    const many = await shadow(['query', 'SELECT * FROM pairs', '--chdb-path', chdb, '--max-rows', '3']);
    expect(many.code, many.stderr).toBe(2);
    expect(oneLine(many)).toMatch(/raise --max-rows \(3\) or add a LIMIT$/);
  }, 120_000);

  it("query on embedded chDB runs through the read-only endpoint's allow lists: file(), url(), a foreign setting, INTO OUTFILE are refused (exit 2), nothing read or written", async () => {
    for (const sql of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String')",
      'SELECT 1 SETTINGS readonly = 0',
      `SELECT 1 INTO OUTFILE '${join(dir, 'out.txt')}'`,
    ]) {
      const r = await shadow(['query', sql, '--chdb-path', chdb]);
      expect(r.code, `${sql}: ${r.stderr}`).toBe(2);
      expect(oneLine(r), sql).toMatch(/^shadow: refused \(read-only\): /);
      expect(r.stdout, sql).toBe('');
    }
    await expect(readFile(join(dir, 'out.txt'))).rejects.toThrow(/ENOENT/);
    const views = await shadow(['query', "SELECT count() AS n FROM v_route_summary WHERE challenger_id = 'cand'", '--chdb-path', chdb, '--format', 'json']);
    expect(views.code, views.stderr).toBe(0);
    expect(views.stdout.trim()).toBe('{"n":"1"}');
  }, 120_000);

  it("--verbose and SHADOW_DEBUG=1 add the stack and the client's log after the same line", async () => {
    for (const [args, env] of [
      [[...gate(...WINDOW), '--clickhouse-url', refusedUrl, '--verbose'], {}],
      [[...gate(...WINDOW), '--clickhouse-url', refusedUrl], { SHADOW_DEBUG: '1' }],
    ] as const) {
      const r = await shadow([...args], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^shadow: cannot reach ClickHouse/m);
      expect(r.stderr).toMatch(/^\s+at /m);
    }
  }, 120_000);
});

describe('report with no pairs is not a report', () => {
  it('--challenger X --run-id R with 0 pairs exits 2 saying so (as the gate\'s "insufficient"); nothing on stdout', async () => {
    const r = await shadow(['report', '--challenger', 'nobody', '--run-id', 'run-404', '--chdb-path', chdb]);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(/^shadow: no pairs of challenger nobody in run run-404 \(embedded chDB .*\): nothing to report/);
    expect(r.stdout).toBe('');
    const window = await shadow(['report', '--since', iso(T - 7_200_000), '--until', iso(T - 3_600_000), '--chdb-path', chdb]);
    expect(window.code, window.stderr).toBe(2);
    expect(oneLine(window)).toMatch(/^shadow: no pairs in .*: nothing to report/);
    const found = await shadow(['report', '--challenger', 'cand', '--run-id', 'run-1', '--chdb-path', chdb, '--format', 'json']);
    expect(found.code, found.stderr).toBe(0);
    expect((JSON.parse(found.stdout) as { overall: { pairs: number } }).overall.pairs).toBe(50);
  }, 120_000);
});

describe('time flags: durations, ISO-8601 with a zone, epoch seconds (10 digits) or ms (13); nothing else', () => {
  const forms =
    /expected a duration back from now \(72h, 30m, 7d, 1h30m\), an ISO-8601 time with a zone .* or epoch seconds \(10 digits\) or milliseconds \(13 digits\)/;

  it.each([
    ['report --since', (v: string) => report('--since', v, '--chdb-path', chdb), '--since'],
    ['report --until', (v: string) => report('--since', '1h', '--until', v, '--chdb-path', chdb), '--until'],
    ['gate --since', (v: string) => gate('--since', v, '--chdb-path', chdb), '--since'],
    ['gate --until', (v: string) => gate('--since', '1h', '--until', v, '--chdb-path', chdb), '--until'],
    ['replay --from', (v: string) => ['replay', '--from', v, '--to', '1h', '--challenger', 'c=http://127.0.0.1:1', '--brokers', '127.0.0.1:1'], '--from'],
    ['replay --to', (v: string) => ['replay', '--from', '2h', '--to', v, '--challenger', 'c=http://127.0.0.1:1', '--brokers', '127.0.0.1:1'], '--to'],
  ])(
    '%s refuses "72", "1", "foo 2020" and a zone-less time with exit 2 naming the flag and the forms',
    async (_name, args, flag) => {
      for (const value of ['72', '1', 'foo 2020', iso(T).replace('Z', '')]) {
        const r = await shadow(args(value));
        expect(r.code, `${value}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`option '${flag} <time>' argument '${value}' is invalid.`);
        expect(r.stderr).toMatch(forms);
      }
    },
    240_000,
  );

  it('reads 10 digits as epoch seconds and 13 as epoch ms: the same 10 pairs as the ISO window', async () => {
    const count = async (since: string, until: string): Promise<number> => {
      const r = await shadow(report('--since', since, '--until', until, '--chdb-path', chdb, '--format', 'json'));
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { overall: { pairs: number } }).overall.pairs;
    };
    const [from, to] = [T + 10_000, T + 20_000];
    expect(await count(iso(from), iso(to))).toBe(10);
    expect(await count(String(from / 1000), String(to / 1000))).toBe(10);
    expect(await count(String(from), String(to))).toBe(10);
    const offset = await count(iso(from).replace('Z', '+00:00'), new Date(to + 3_600_000).toISOString().replace('Z', '+01:00'));
    expect(offset).toBe(10);
  }, 240_000);

  it('writes --out only for a report, and an unwritable --out is exit 2', async () => {
    const r = await shadow(report(...WINDOW, '--chdb-path', chdb, '--format', 'json', '--out', join(dir, 'no-such-dir', 'r.json')));
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^shadow: cannot write --out .*no-such-dir\/r\.json/);
    const ok = await shadow(report(...WINDOW, '--chdb-path', chdb, '--format', 'json', '--out', join(dir, 'r.json')));
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { overall: { pairs: number } }).overall.pairs).toBe(50);
  }, 120_000);
});
