// The dashboard's HTTP boundary attacked by class, on a real server over real chDB: SQL in every
// parameter of every API path, path traversal on the static files, oversize parameters, URLs and
// headers, other methods, a foreign Host (DNS rebinding). Nothing may reach the engine as SQL,
// nothing outside the bundle may be served, and the data must be intact afterwards. Then the
// process: the standalone bin (dist/main.js) exits 2 naming every bad setting and 1 naming a port
// that is taken, and serves /healthz, /readyz and /metrics.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint } from '@shadow/clickhouse';
import { dashboardCommand, DASHBOARD_OPTIONS, DashboardStartError, flagsFromAttributes, loadConfig, startDashboard } from '@shadow/dashboard';
import type { Dashboard } from '@shadow/dashboard';
import { bundleWeb } from '../scripts/bundle-web.mjs';
import type { Seeded } from './seed-pairs.js';
import { buildScenario, CANDIDATE, landRows } from './seed-pairs.js';

const MAIN = resolve(import.meta.dirname, '../dist/main.js');
const CHDB_PATH = join(tmpdir(), `shadow-dashboard-http-${process.pid}`);
const database = `dash_http_${randomUUID().replaceAll('-', '')}`;
let ch: ClickHouse;
let dashboard: Dashboard;
let workDir: string;
let publicDir: string;
let seeded: Seeded;
let port: number;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'shadow-dashboard-http-'));
  publicDir = join(workDir, 'public');
  await bundleWeb(publicDir);
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  seeded = buildScenario(40);
  await landRows(ch, seeded.rows);
  dashboard = await startDashboard(loadConfig({}, { DASHBOARD_PORT: '0', CLICKHOUSE_DATABASE: database }), pino({ level: 'silent' }), {
    publicDir,
    clickhouse: ch,
  });
  port = dashboard.address.port;
});

afterAll(async () => {
  await dashboard?.close();
  await ch?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw request: the path goes out exactly as written (fetch would normalise `..`). */
function raw(path: string, options: { method?: string; host?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function tableCounts(): Promise<unknown> {
  const rs = await ch.client.query({
    query: 'SELECT (SELECT count() FROM pairs) AS pairs, (SELECT count() FROM pair_diffs) AS diffs, (SELECT count() FROM unmatched) AS unmatched',
    format: 'JSONEachRow',
  });
  return rs.json();
}

const SQL = [
  "' OR '1'='1",
  "x'); DROP TABLE pairs; --",
  '1 UNION SELECT name FROM system.users',
  "'; INSERT INTO pairs SELECT * FROM pairs; --",
  '{fromMs:Int64}',
  "\\' OR 1=1 --",
  "pricing-v2' OR challenger_id != '",
];

describe('the API refuses or neutralises SQL in every parameter', () => {
  it('every parameter of every path: 400 naming the parameter, or an answer that treats the text as a value; the tables are intact', async () => {
    const before = await tableCounts();
    const base: Record<string, Record<string, string>> = {
      '/api/overview': { since: '1h' },
      '/api/pairs': { challenger: CANDIDATE, since: '2h' },
      '/api/pair': { id: seeded.exchanges[0]?.id as string },
    };
    const names: Record<string, string[]> = {
      '/api/overview': ['since', 'until', 'run'],
      '/api/pairs': ['challenger', 'since', 'until', 'run', 'method', 'route', 'path', 'filter', 'page'],
      '/api/pair': ['id'],
    };
    let refused = 0;
    let treatedAsValue = 0;
    for (const [path, params] of Object.entries(names)) {
      for (const name of params) {
        for (const attack of SQL) {
          const extra: Record<string, string> = name === 'method' ? { route: '/orders' } : name === 'route' ? { method: 'POST' } : {};
          const answer = await raw(`${path}?${q({ ...base[path], ...extra, [name]: attack })}`);
          if (answer.status === 400) {
            refused++;
            expect(JSON.parse(answer.body).error).toContain(`"${name}"`);
          } else {
            // Only free-text parameters take any text: the route template and the differing path
            // (a filter matching no pair), and an id of visible characters (no such exchange).
            treatedAsValue++;
            expect(['route', 'path', 'id']).toContain(name);
            if (name === 'id') expect(answer.status).toBe(404);
            else {
              expect(answer.status).toBe(200);
              expect(JSON.parse(answer.body).items).toEqual([]);
            }
          }
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(treatedAsValue).toBeGreaterThan(0);
    expect(await tableCounts()).toEqual(before);
    // And a legitimate request still works after the barrage.
    const ok = await raw(`/api/pairs?${q({ challenger: CANDIDATE, since: '2h', filter: 'all' })}`);
    expect(JSON.parse(ok.body).items.length).toBeGreaterThan(0);
  });

  it('unknown parameters, repeats, a raw `query`/`sql` parameter and oversize values are refused by name', async () => {
    for (const [path, message] of [
      ['/api/overview?query=SELECT%201', /unknown parameter "query"/],
      ['/api/overview?sql=DROP%20TABLE%20pairs', /unknown parameter "sql"/],
      ['/api/pairs?challenger=a&challenger=b', /"challenger" given more than once/],
      [`/api/pairs?${q({ challenger: CANDIDATE, route: 'x'.repeat(600), method: 'GET' })}`, /"route" is longer than 512/],
      [`/api/overview?${q({ since: '1'.repeat(513) })}`, /"since" is longer than 512/],
      ['/api/overview?since=100d', /at most 90 days/],
    ] as const) {
      const answer = await raw(path);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body).error).toMatch(message);
    }
    expect((await raw(`/api/overview?${'a=1&'.repeat(1200)}`)).status).toBe(414);
    expect((await raw('/', { headers: { 'x-big': 'x'.repeat(20_000) } })).status).toBe(431);
  });
});

describe('static files: only the bundle, whatever the path says', () => {
  it('traversal, encoded traversal, NUL bytes and other files are 404; the page and its bundle are served', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const path of ['/app.js', '/app.css', '/index.html']) expect((await raw(path)).status).toBe(200);
    for (const path of [
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/package.json',
      '/app.js/../../package.json',
      '//etc/passwd',
      '/public/../src/main.ts',
      '/index.html%00.js',
      '/main.js',
      '/dist/main.js',
      '/src/dashboard.ts',
      '/.env',
      '/app.js.map',
      '/%5c..%5c..%5cetc%5cpasswd',
    ]) {
      const answer = await raw(path);
      expect([400, 404], path).toContain(answer.status);
      expect(answer.body).not.toMatch(/root:|"name": "@shadow|import /);
    }
  });

  it('other methods are 405; a Host that is not loopback is refused (DNS rebinding)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await raw('/api/overview', { method })).status).toBe(405);
      expect((await raw('/', { method })).status).toBe(405);
    }
    const rebound = await raw('/api/overview', { host: `evil.example:${port}` });
    expect(rebound.status).toBe(421);
    expect((await raw('/api/config', { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('refreshing', () => {
  it('a refresh over unchanged data gives the same numbers with its own window; a landed pair or unmatched row shows at the next refresh', async () => {
    type Overview = {
      window: { fromMs: number };
      challengers: {
        challengerId: string;
        pairs: number;
        report: { overall: { pairs: number }; window: { fromMs: number }; unmatched: { reason: string; exchanges: number }[] };
      }[];
    };
    const read = async (since: string) => (await (await fetch(`${dashboard.url}api/overview?since=${since}`)).json()) as Overview;
    const candidate = (o: Overview) => o.challengers.find((c) => c.challengerId === CANDIDATE);
    const first = await read('2h');
    const again = await read('3h');
    expect(candidate(again)?.report.overall.pairs).toBe(candidate(first)?.report.overall.pairs);
    // The reused report carries the window it was asked for.
    expect(candidate(again)?.report.window.fromMs).toBe(again.window.fromMs);
    const more = buildScenario(7);
    await landRows(ch, { pairs: more.rows.pairs, diffs: more.rows.diffs, unmatched: [] });
    const grown = await read('4h');
    expect(candidate(grown)?.report.overall.pairs).toBe(
      (candidate(first)?.report.overall.pairs ?? 0) + more.rows.pairs.filter((p) => p.challenger_id === CANDIDATE).length,
    );
    const lost = { ...(more.rows.pairs[0] as (typeof more.rows.pairs)[number]) };
    await landRows(ch, {
      pairs: [],
      diffs: [],
      unmatched: [
        {
          exchange_id: randomUUID(),
          challenger_id: CANDIDATE,
          challenger_role: 'candidate',
          run_id: '',
          reason: 'no_result',
          expired_by: 'window',
          has_live: true,
          has_result: false,
          side_effects: 0,
          event_time: lost.capture_time,
          joined_time: Date.now(),
          service: 'pricing',
          route: lost.route,
          method: lost.method,
          path: lost.path,
        },
      ],
    });
    const unmatched = (o: Overview) => candidate(o)?.report.unmatched.find((u) => u.reason === 'no_result')?.exchanges ?? 0;
    expect(unmatched(await read('5h'))).toBe(unmatched(grown) + 1);
  });
});

describe('the process', () => {
  it('serves /healthz, /readyz and /metrics on its one port', async () => {
    expect(JSON.parse((await raw('/healthz')).body)).toMatchObject({ status: 'ok', clickhouse: expect.stringContaining('embedded') });
    expect(JSON.parse((await raw('/readyz')).body)).toEqual({ ready: true });
    expect((await raw('/metrics')).body).toMatch(/shadow_dashboard_requests_total\{route="\/api\/overview",status="400"\}/);
  });

  it('a taken port fails start naming the port and the setting', async () => {
    const config = loadConfig({}, { DASHBOARD_PORT: String(port), CLICKHOUSE_DATABASE: database });
    await expect(startDashboard(config, pino({ level: 'silent' }), { publicDir, clickhouse: ch })).rejects.toThrow(DashboardStartError);
    await expect(startDashboard(config, pino({ level: 'silent' }), { publicDir, clickhouse: ch })).rejects.toThrow(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use \\(--port / DASHBOARD_PORT\\)`),
    );
  });

  it('dashboardCommand (what `shadow dashboard` mounts): prints the URL, serves until aborted, exit 0; bad flags exit 2 naming them', async () => {
    expect(DASHBOARD_OPTIONS.map((o) => o.flag)).toEqual(expect.arrayContaining(['--port', '--criteria', '--clickhouse-url', '--chdb-path', '--database']));
    const flags = flagsFromAttributes({ port: '0', database, clickhouseUrl: undefined, unrelated: 'x' });
    expect(flags).toEqual({ DASHBOARD_PORT: '0', CLICKHOUSE_DATABASE: database });
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: { LOG_LEVEL: 'silent' }, cwd: workDir, signal: stop.signal };
    const running = dashboardCommand.run(flags, io, { publicDir, clickhouse: ch });
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const url = /dashboard: (http:\/\/\S+)/.exec(out[0] ?? '')?.[1];
    expect(url, out.join('\n') + err.join('\n')).toBeDefined();
    expect((await fetch(`${url}healthz`)).status).toBe(200);
    stop.abort();
    await expect(running).resolves.toBe(0);
    await expect(fetch(`${url}healthz`)).rejects.toThrow();
    const badErr: string[] = [];
    await expect(dashboardCommand.run({ DASHBOARD_PORT: 'x', DASHBOARD_WINDOW: 'never' }, { ...io, err: (l) => badErr.push(l) })).resolves.toBe(2);
    expect(badErr.join('\n')).toMatch(/--port \(port\)[\s\S]*--window \(window\)/);
  });

  it('dist/main.js: exit 2 naming every bad setting; exit 1 naming a taken port; serves, then stops on SIGTERM', async () => {
    if (!existsSync(MAIN)) throw new Error(`no ${MAIN}: build first (npm test builds every package; or pnpm --filter @shadow/dashboard build)`);
    const env = { ...process.env, CLICKHOUSE_URL: '', CHDB_PATH: '', LOG_LEVEL: 'silent' };
    const bad = await promisify(execFile)(
      process.execPath,
      [MAIN, '--port', '70000', '--window', 'soon', '--criteria', join(workDir, 'nope.yaml'), '--bogus', 'x'],
      { env },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(bad.code).toBe(2);
    for (const field of ['--bogus', '--port (port)', '--window (window)', '--criteria (criteria)']) expect(bad.stderr).toContain(field);

    await using endpoint: QueryEndpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
    const taken = await promisify(execFile)(process.execPath, [MAIN, '--port', String(port), '--clickhouse-url', endpoint.url, '--database', database], {
      env,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`port ${port} on 127.0.0.1 is already in use (--port / DASHBOARD_PORT)`);

    const free = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => res(p));
      });
    });
    const child = spawn(process.execPath, [MAIN, '--port', String(free), '--clickhouse-url', endpoint.url, '--database', database], {
      env: { ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((res, rej) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('dashboard listening')) res();
        });
        child.on('exit', (code) => rej(new Error(`exited ${code}: ${out}`)));
      });
      const health = await fetch(`http://127.0.0.1:${free}/healthz`);
      expect(health.status).toBe(200);
      const overview = (await (await fetch(`http://127.0.0.1:${free}/api/overview?since=2h`)).json()) as { challengers: { challengerId: string }[] };
      expect(overview.challengers.map((c) => c.challengerId)).toContain(CANDIDATE);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((res) => (child.exitCode !== null ? res(child.exitCode) : child.on('exit', (c) => res(c))));
    expect(code).toBe(0);
  });
});
