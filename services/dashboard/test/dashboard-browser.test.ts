// The dashboard in a real browser: Debian's chromium (installed by `bash infra/run.sh setup`),
// driven by playwright-core, against a dashboard reading real chDB through the joiner's read-only
// endpoint (how it runs beside a joiner that owns the embedded engine). Pairs are built by the
// joiner's own comparer and row builder. The per-route numbers on the page must be `shadow
// report`'s (the CLI, run as a child process on the same window); a pair opens side by side with
// its differing paths highlighted and the noise greyed. Screenshots land in reports/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { createClickHouse, createQueryEndpoint, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint } from '@shadow/clickhouse';
import type { Report } from '@shadow/analysis';
import { pino } from 'pino';
import { loadConfig, startDashboard } from '@shadow/dashboard';
import type { Dashboard } from '@shadow/dashboard';
import { bundleWeb } from '../scripts/bundle-web.mjs';
import type { Seeded } from './seed-pairs.js';
import { buildScenario, CANDIDATE, landRows, SECONDARY } from './seed-pairs.js';

const REPO = resolve(import.meta.dirname, '../../..');
const CLI = join(REPO, 'services/cli/dist/main.js');
const REPORTS = join(REPO, 'reports');
/** Debian's chromium; CHROMIUM_PATH for another system's binary. Never a downloaded browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHDB_PATH = join(tmpdir(), `shadow-dashboard-browser-${process.pid}`);
const database = `dash_${randomUUID().replaceAll('-', '')}`;
const CRITERIA = `
version: 1
name: pricing promotion
sample: { minPairs: 20, minDuration: 0s, routeMinPairs: 5 }
agreement: { min: 0.95 }
errorRate: { max: 0.10 }
`;

const run = promisify(execFile);

let ch: ClickHouse;
let endpoint: QueryEndpoint;
let dashboard: Dashboard;
let browser: BrowserContext;
let workDir: string;
let seeded: Seeded;
let since: string;
let until: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run \`bash infra/run.sh setup\` (installs Debian's chromium) or set CHROMIUM_PATH`);
  if (!existsSync(CLI)) throw new Error(`no ${CLI}: build first (npm test builds every package; or pnpm --filter @shadow/cli build)`);
  workDir = await mkdtemp(join(tmpdir(), 'shadow-dashboard-'));
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  seeded = buildScenario(150);
  await landRows(ch, seeded.rows);
  await landResources(ch, seeded.fromMs, Date.now());
  since = new Date(seeded.fromMs - 60_000).toISOString();
  until = new Date(Date.now() + 60_000).toISOString();
  // The joiner's read-only endpoint over the chDB this process owns: the dashboard reads through it.
  endpoint = await createQueryEndpoint({ clickhouse: ch, port: 0 });
  const publicDir = join(workDir, 'public');
  await bundleWeb(publicDir);
  const criteriaPath = join(workDir, 'gate.yaml');
  await writeFile(criteriaPath, CRITERIA);
  const config = loadConfig(
    {},
    { CLICKHOUSE_URL: endpoint.url, CLICKHOUSE_DATABASE: database, DASHBOARD_PORT: '0', DASHBOARD_CRITERIA: criteriaPath, DASHBOARD_REFRESH: '2s' },
  );
  dashboard = await startDashboard(config, pino({ level: 'silent' }), { publicDir });
  // A fresh profile directory (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(workDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 1000 },
  });
  await mkdir(REPORTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await endpoint?.close();
  await ch?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const SCRAPES = 30;

/**
 * What the scraper lands (docs/watch.md), 30 scrapes over the seeded window: live and the
 * secondary steady at 5% CPU, the candidate at 12% with resident memory growing 80 -> 120 MiB.
 */
async function landResources(clickhouse: ClickHouse, fromMs: number, toMs: number): Promise<void> {
  const sides = [
    { side: 'live', challenger_id: '', target: 'live:8080/metrics', cpu: 0.05, rss: (_i: number) => 60 * MiB },
    { side: 'challenger', challenger_id: CANDIDATE, target: 'cand:8080/metrics', cpu: 0.12, rss: (i: number) => (80 + (40 * i) / (SCRAPES - 1)) * MiB },
    { side: 'challenger', challenger_id: SECONDARY, target: 'sec:8080/metrics', cpu: 0.05, rss: (_i: number) => 62 * MiB },
  ];
  const values = [];
  for (let i = 0; i < SCRAPES; i++) {
    const sample_time = Math.round(fromMs + ((toMs - fromMs) * i) / SCRAPES);
    for (const s of sides) {
      const common = { sample_time, service: 'pricing', side: s.side, challenger_id: s.challenger_id, target: s.target, series: '', labels: {} };
      values.push({ ...common, metric: 'process_cpu_seconds_total', kind: 'rate', value: s.cpu });
      values.push({ ...common, metric: 'process_resident_memory_bytes', kind: 'value', value: s.rss(i) });
    }
  }
  await clickhouse.client.insert({ table: 'resource_samples', values, format: 'JSONEachRow' });
}

/** `shadow report --format json` for the same window, through the same endpoint. */
async function cliReport(challenger: string): Promise<Report> {
  const { stdout } = await run(
    process.execPath,
    [
      CLI,
      'report',
      '--challenger',
      challenger,
      '--since',
      since,
      '--until',
      until,
      '--format',
      'json',
      '--clickhouse-url',
      endpoint.url,
      '--database',
      database,
    ],
    {
      cwd: REPO,
      env: { ...process.env, CLICKHOUSE_URL: '', CHDB_PATH: '' },
    },
  );
  return JSON.parse(stdout) as Report;
}

/** A page that records every request it makes and every console error. */
async function openPage(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, errors };
}

const pctText = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const msText = (x: number | null): string =>
  x === null ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`;

describe('the dashboard in chromium', () => {
  it('shows each route with the numbers of shadow report, the verdict with reasons, and works offline', async () => {
    const cli = await cliReport(CANDIDATE);
    expect(cli.routes.length).toBeGreaterThanOrEqual(3);
    // The API first: every per-route number equals the CLI's.
    const api = (await (await fetch(`${dashboard.url}api/overview?since=${since}&until=${until}`)).json()) as {
      challengers: { challengerId: string; role: string; report: Report }[];
    };
    expect(api.challengers.map((c) => [c.challengerId, c.role])).toEqual([
      [CANDIDATE, 'candidate'],
      [SECONDARY, 'secondary'],
    ]);
    const shown = api.challengers[0]?.report as Report;
    const numbers = (r: Report['overall']) => ({
      scope: r.scope,
      pairs: r.pairs,
      agreement: r.agreement,
      errors: { live: r.errors.live, candidate: r.errors.candidate },
      latency: r.latency.map((l) => ({ label: l.label, liveMs: l.liveMs, candidateMs: l.candidateMs })),
      status: r.status,
      paths: r.paths,
      noisePaths: r.noisePaths,
      headers: r.headers,
      sideEffects: r.sideEffects,
    });
    expect(shown.routes.map(numbers)).toEqual(cli.routes.map(numbers));
    expect(numbers(shown.overall)).toEqual(numbers(cli.overall));
    expect(shown.unmatched).toEqual(cli.unmatched);

    const { page, requests, errors } = await openPage();
    await page.goto(`${dashboard.url}#/c/${CANDIDATE}?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    await page.locator('[data-panel=routes] tr[data-route]').first().waitFor();
    // The table in the page shows the CLI's numbers, route by route.
    for (const route of cli.routes) {
      const cells = await page.locator(`[data-panel=routes] tr[data-route="${route.scope}"] td`).allInnerTexts();
      const p50 = route.latency.find((l) => l.label === 'p50');
      const p99 = route.latency.find((l) => l.label === 'p99');
      expect(cells.slice(0, 4)).toEqual([
        route.scope,
        route.pairs.toLocaleString('en-US'),
        pctText(route.agreement.estimate),
        `${pctText(route.agreement.lower)} – ${pctText(route.agreement.upper)}`,
      ]);
      expect(cells.slice(5, 11)).toEqual([
        pctText(route.errors.live.estimate),
        pctText(route.errors.candidate.estimate),
        msText(p50?.liveMs ?? null),
        msText(p50?.candidateMs ?? null),
        msText(p99?.liveMs ?? null),
        msText(p99?.candidateMs ?? null),
      ]);
    }
    // The candidate fails the gate on agreement, and the page says why.
    await expect(page.locator('[data-panel=verdict] .verdict.big').innerText()).resolves.toBe('FAIL');
    expect(await page.locator('[data-panel=verdict] .reasons li').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/agreement/)]));
    await expect(page.locator(`.card[data-challenger="${SECONDARY}"] .role`).innerText()).resolves.toMatch(/secondary/i);
    // Sorting: a click on "pairs" sorts ascending... then descending.
    await page.locator('[data-panel=routes] th[data-column="pairs"]').click();
    const ascending = (await page.locator('[data-panel=routes] tbody tr:not(.overall) td:nth-child(2)').allInnerTexts()).map((t) =>
      Number(t.replace(/,/g, '')),
    );
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    // Charts are drawn (canvas with pixels), paths list noise apart.
    await expect(page.locator('[data-chart=agreement] canvas').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-panel=paths] tr[data-path="$.quoteId"] .tag').innerText()).resolves.toBe('noise');
    await expect(page.locator('[data-panel=paths] tr[data-path="$.total"] .tag').innerText()).resolves.toBe('differs');
    await expect(page.locator('#status-text').innerText()).resolves.toMatch(/updated \d\d:\d\d:\d\d/);
    await page.screenshot({ path: join(REPORTS, 'dashboard-overview.png'), fullPage: true });
    // Offline: nothing but the dashboard itself was asked for (no CDN, no fonts).
    expect(requests.filter((u) => !u.startsWith(dashboard.url) && !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws CPU and resident memory of live and each challenger side by side; the alerts panel says no watch is configured', async () => {
    const api = (await (await fetch(`${dashboard.url}api/overview?since=${since}&until=${until}`)).json()) as {
      resources: { service: string; series: { side: string; challengerId: string; points: { cpu: number | null; rss: number | null }[] }[] }[];
      watch: unknown;
    };
    expect(api.watch).toBeNull();
    expect(api.resources.map((r) => r.service)).toEqual(['pricing']);
    const series = api.resources[0]?.series ?? [];
    expect(series.map((x) => [x.side, x.challengerId]).sort()).toEqual(
      [
        ['challenger', SECONDARY],
        ['challenger', CANDIDATE],
        ['live', ''],
      ].sort(),
    );
    const cand = series.find((x) => x.challengerId === CANDIDATE);
    const rss = (cand?.points ?? []).map((p) => p.rss ?? 0);
    expect(Math.max(...rss)).toBeGreaterThan(110 * MiB);
    expect(Math.min(...rss)).toBeLessThan(90 * MiB);
    for (const p of cand?.points ?? []) expect(p.cpu).toBeCloseTo(0.12, 9);

    const { page, errors } = await openPage();
    await page.goto(`${dashboard.url}#/c/${CANDIDATE}?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    const panel = page.locator('[data-panel=resources]');
    await panel.locator('[data-chart=cpu] canvas').first().waitFor();
    await expect(panel.getAttribute('data-service')).resolves.toBe('pricing');
    await expect(panel.locator('[data-chart=rss] canvas').count()).resolves.toBeGreaterThan(0);
    const legend = await panel.locator('[data-chart=cpu] .u-legend .u-label').allInnerTexts();
    expect(legend).toEqual(expect.arrayContaining(['live', `${CANDIDATE} (candidate)`, `${SECONDARY} (secondary)`]));
    await expect(page.locator('[data-panel=alerts] [data-watch=none]').innerText()).resolves.toMatch(/no watch configured/);
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(REPORTS, 'dashboard-resources.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a pair side by side: the differing paths highlighted, noise greyed, side effects and unkept bodies said', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${dashboard.url}#/c/${CANDIDATE}?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    // From the paths panel to an example pair, as a user would.
    await page.locator('[data-panel=paths] tr[data-path="$.currency"] a', { hasText: 'example' }).click();
    const candidate = page.locator(`details[data-pair="${CANDIDATE}"]`);
    await candidate.locator('.sbs-candidate .diff-real[data-path="$.currency"]').first().waitFor();
    await expect(candidate.locator('.sbs-candidate .diff-real[data-path="$.total"]').first().isVisible()).resolves.toBe(true);
    await expect(candidate.locator('.sbs-live .diff-real[data-path="$.total"]').first().isVisible()).resolves.toBe(true);
    // $.currency is only in the candidate's answer.
    await expect(candidate.locator('.sbs-live [data-path="$.currency"]').count()).resolves.toBe(0);
    const noise = candidate.locator('.sbs-candidate .diff-noise[data-path="$.quoteId"]').first();
    await expect(noise.isVisible()).resolves.toBe(true);
    await expect(
      noise.evaluate((el) => (el.ownerDocument.defaultView as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color),
    ).resolves.toBe('rgb(148, 163, 184)');
    await expect(candidate.locator('.hdr.diff-noise[data-path="header:x-request-id"]').first().isVisible()).resolves.toBe(true);
    await expect(candidate.locator('.sbs-candidate .hdr.diff-real[data-path="header:x-version"]').first().innerText()).resolves.toMatch(/1\.5\.0/);
    // The secondary's pair of the same exchange is there too (folded).
    await expect(page.locator(`details[data-pair="${SECONDARY}"]`).count()).resolves.toBe(1);
    await page.screenshot({ path: join(REPORTS, 'dashboard-pair.png'), fullPage: true });

    // A candidate-only write, named on the candidate's side.
    const order = seeded.rows.pairs.find((p) => p.challenger_id === CANDIDATE && p.side_effects_extra > 0 && p.shadow_error_kind === '');
    await page.goto(`${dashboard.url}#/pair/${order?.exchange_id}?c=${CANDIDATE}`);
    await expect(page.locator(`details[data-pair="${CANDIDATE}"] .sbs-candidate .effect.diff-real`).innerText()).resolves.toMatch(
      /POST payments:443\/v1\/charges/,
    );

    // An agreeing health check: its bodies were not kept, and the page says so instead of showing nothing.
    const health = seeded.rows.pairs.find((p) => p.challenger_id === CANDIDATE && p.route === '/health' && !p.bodies_kept);
    await page.goto(`${dashboard.url}#/pair/${health?.exchange_id}?c=${CANDIDATE}`);
    await expect(page.locator(`details[data-pair="${CANDIDATE}"] [data-body=not-kept]`).first().innerText()).resolves.toMatch(/Body not kept/);

    // An exchange the secondary never answered: unmatched, with the reason.
    const lonely = seeded.rows.unmatched.find((u) => u.challenger_id === SECONDARY);
    await page.goto(`${dashboard.url}#/pair/${lonely?.exchange_id}?c=${CANDIDATE}`);
    await expect(page.locator(`[data-unmatched="${SECONDARY}"]`).innerText()).resolves.toMatch(/no_result/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the pairs of a route and a differing path', async () => {
    const { page } = await openPage();
    await page.goto(`${dashboard.url}#/c/${CANDIDATE}?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    await page.locator('[data-panel=routes] tr[data-route="POST /orders"] a').click();
    await page.locator('table.pairs tbody tr').first().waitFor();
    const ids = await page.locator('table.pairs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-exchange')));
    const expected = seeded.exchanges.filter((e) => e.route === 'POST /orders' && e.differs).map((e) => e.id);
    expect([...ids].sort()).toEqual([...expected].sort());
    await page.screenshot({ path: join(REPORTS, 'dashboard-pairs.png'), fullPage: true });
    // A window with nothing in it says so, rather than showing an empty frame.
    await page.goto(`${dashboard.url}#/?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z`);
    await expect(page.locator('.empty h2').innerText()).resolves.toBe('No pairs in this window');
    await page.close();
  });
});
