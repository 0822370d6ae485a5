// Both sides' resources end to end: two real services (child processes running prom-client's
// default metrics, one leaking memory steadily and burning more CPU per request), a little traffic
// to each, the scraper landing samples in real ClickHouse (embedded chDB, the project's
// migrations), and the statistics computed on what is read back: the memory-growth verdict fails
// for the leaking one and passes for the other, and the CPU ratio comes with its interval.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import {
  clickHouseWatchSources,
  createAlertEvaluator,
  createClickHouseResourceReader,
  createClickHouseSampleSink,
  createScraper,
  memoryGrowth,
  resourceRatio,
  resourceVerdicts,
  type ResourceReader,
  type ResourceSample,
  type TargetSeries,
} from '@shadow/watch';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);
const SERVICE = fileURLToPath(new URL('./support/service.mjs', import.meta.url));
const MiB = 1024 * 1024;

interface Child {
  readonly process: ChildProcess;
  readonly base: string;
}

async function startService(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [SERVICE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code} before listening`)));
  });
  return { process: child, base: `http://127.0.0.1:${port}` };
}

async function traffic(base: string, untilMs: number): Promise<number> {
  let n = 0;
  while (Date.now() < untilMs) {
    const r = await request(`${base}/work`);
    await r.body.dump();
    n += 1;
    await sleep(20);
  }
  return n;
}

let ch: ClickHouse;
let reader: ResourceReader;
let live: Child;
let leaking: Child;
const database = `watch_${randomUUID().replaceAll('-', '')}`;
const window = { fromMs: 0, toMs: 0 };
let scrapes = 0;
let requests = 0;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  reader = createClickHouseResourceReader(ch);
  // live: no leak, 1 ms of CPU per request; the challenger keeps 2 MiB more every 100 ms (20 MiB/s)
  // and burns 6 ms per request.
  [live, leaking] = await Promise.all([startService({ WORK_MS: '1' }), startService({ WORK_MS: '6', LEAK_BYTES_PER_TICK: String(2 * MiB) })]);
  // Start-up growth (modules, first JIT) is not what a run watches: let both settle under traffic first.
  const warm = Date.now() + 1500;
  await Promise.all([traffic(live.base, warm), traffic(leaking.base, warm)]);
  const scraper = createScraper({
    config: {
      intervalMs: 250,
      timeoutMs: 200,
      // live's answer time, summed over routes: what a live-latency rule with source metric reads
      metrics: [{ name: 'http_request_duration_seconds', quantiles: [0.99], aggregate: true }],
      targets: [
        { url: `${live.base}/metrics`, side: 'live', service: 'pricing' },
        { url: `${leaking.base}/metrics`, side: 'challenger', service: 'pricing', challengerId: 'cand' },
      ],
    },
    sink: createClickHouseSampleSink(ch),
    hooks: {
      onScrape: () => {
        scrapes += 1;
      },
    },
  });
  window.fromMs = Date.now();
  scraper.start();
  const until = Date.now() + 12_000;
  const counts = await Promise.all([traffic(live.base, until), traffic(leaking.base, until)]);
  requests = counts[0] + counts[1];
  await scraper.close();
  window.toMs = Date.now() + 1;
}, 120_000);

afterAll(async () => {
  for (const c of [live, leaking]) c?.process.kill('SIGTERM');
  if (ch !== undefined) {
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
  }
});

const rss = (side: 'live' | 'challenger'): Promise<TargetSeries[]> =>
  reader.series({ service: 'pricing', side, challengerId: side === 'live' ? '' : 'cand', metric: 'process_resident_memory_bytes', kind: 'value', window });
const cpu = (side: 'live' | 'challenger'): Promise<TargetSeries[]> =>
  reader.series({ service: 'pricing', side, challengerId: side === 'live' ? '' : 'cand', metric: 'process_cpu_seconds_total', kind: 'rate', window });

describe('resources of both sides, scraped into chDB', () => {
  it('landed every scrape of both targets, with up = 1', async () => {
    expect(requests).toBeGreaterThan(100);
    const rs = await ch.client.query({
      query:
        "SELECT side, countIf(metric = 'up' AND value = 1) AS up, countIf(metric = 'up') AS scrapes FROM resource_samples FINAL GROUP BY side ORDER BY side",
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ side: string; up: string; scrapes: string }>();
    expect(rows.map((r) => r.side)).toEqual(['challenger', 'live']);
    expect(rows.reduce((n, r) => n + Number(r.scrapes), 0)).toBe(scrapes);
    for (const r of rows) expect(Number(r.up)).toBe(Number(r.scrapes));
    expect(scrapes).toBeGreaterThanOrEqual(2 * 20);
  });

  it('the memory-growth verdict fails for the leaking service and passes for the other', async () => {
    // 12 s of a fresh process: even the one that keeps nothing grows some (measured here: about
    // 0.7 GiB/h, its heap settling), so the bound is set far above that and far below the leak.
    const options = { maxBytesPerHour: 8 * 1024 * MiB, minDurationMs: 8_000, minPoints: 20 };
    const [leakSeries] = await rss('challenger');
    const [liveSeries] = await rss('live');
    const leak = memoryGrowth(leakSeries?.points ?? [], options);
    const flat = memoryGrowth(liveSeries?.points ?? [], options);
    // The leak keeps 20 MiB/s = 70 GiB/h (a little less once the allocator's reuse is counted).
    expect(leak.outcome, leak.reason).toBe('fail');
    expect(leak.slopeBytesPerHour).toBeGreaterThan(20 * 1024 * MiB);
    expect(flat.outcome, flat.reason).toBe('pass');
    expect(flat.interval?.upper).toBeLessThan(options.maxBytesPerHour);
    expect(leak.n).toBeGreaterThanOrEqual(20);
  });

  it('the CPU ratio (challenger over live) comes with its interval, above 1 for the heavier challenger', async () => {
    const ratio = resourceRatio(await cpu('challenger'), await cpu('live'), { bucketMs: 1000, minBuckets: 5, baseline: 'live', maxRatio: 1 });
    expect(ratio.n).toBeGreaterThanOrEqual(8);
    expect(ratio.ratio).toBeGreaterThan(1);
    expect(ratio.interval?.lower).toBeLessThan(ratio.ratio as number);
    expect(ratio.interval?.upper).toBeGreaterThan(ratio.ratio as number);
    // 6 ms against 1 ms of work per request (plus what both spend serving it): confidently above 1.
    expect(ratio.outcome, ratio.reason).toBe('fail');
    expect(ratio.warnings[0]).toMatch(/baseline is live/);
  });

  it('resourceVerdicts gives both at once: CPU over live (no secondary here) and memory growth per process of each side', async () => {
    const v = await resourceVerdicts(reader, {
      service: 'pricing',
      challengerId: 'cand',
      window,
      cpu: { bucketMs: 1000, maxRatio: 1 },
      memory: { maxBytesPerHour: 8 * 1024 * MiB, minDurationMs: 8_000, minPoints: 20 },
    });
    expect(v.cpuRatio.overSecondary).toBeNull();
    expect(v.cpuRatio.overLive).toEqual(resourceRatio(await cpu('challenger'), await cpu('live'), { bucketMs: 1000, baseline: 'live', maxRatio: 1 }));
    expect(v.memoryGrowth.challenger.map((g) => [g.target, g.outcome])).toEqual([[leaking.base.replace('http://', '') + '/metrics', 'fail']]);
    expect(v.memoryGrowth.live.map((g) => [g.target, g.outcome])).toEqual([[live.base.replace('http://', '') + '/metrics', 'pass']]);
  });

  it("live's own p99 from its scraped histogram (summed over routes) feeds a live-latency rule", async () => {
    const [p99] = await reader.series({
      service: 'pricing',
      side: 'live',
      metric: 'http_request_duration_seconds',
      kind: 'quantile',
      labels: { quantile: '0.99' },
      window,
    });
    expect(p99?.points.length).toBeGreaterThanOrEqual(20);
    // 1 ms of work per request: p99 between 1 ms and the 100 ms top bucket
    for (const p of p99?.points ?? []) expect(p.v).toBeGreaterThanOrEqual(0.0005);
    const rules = (maxMs: number) => ({
      service: 'pricing',
      challengers: [{ id: 'cand' }],
      windowMs: window.toMs - window.fromMs,
      rules: [{ name: 'live-slow', kind: 'live-latency' as const, maxMs, source: 'metric' as const, metric: 'http_request_duration_seconds' }],
    });
    const at = { now: () => window.toMs };
    const [calm] = await createAlertEvaluator({ config: rules(1000), sources: clickHouseWatchSources(ch), ...at }).evaluateOnce();
    expect(calm).toMatchObject({ condition: 'clear', sample: p99?.points.length });
    expect(calm?.value).toBeGreaterThan(0.5);
    expect(calm?.value).toBeLessThanOrEqual(100);
    const [tight] = await createAlertEvaluator({ config: rules(0.1), sources: clickHouseWatchSources(ch), ...at }).evaluateOnce();
    expect(tight).toMatchObject({ condition: 'breach', transition: 'fired' });
  });

  it('a batch the sink writes twice (a retry after a failed insert) does not double a point', async () => {
    const [before] = await rss('live');
    const sink = createClickHouseSampleSink(ch);
    const again: ResourceSample[] = (before?.points ?? []).slice(0, 5).map((p) => ({
      timeMs: p.t,
      service: 'pricing',
      side: 'live',
      challengerId: '',
      target: before?.target ?? '',
      metric: 'process_resident_memory_bytes',
      kind: 'value',
      labels: {},
      value: p.v,
    }));
    // Background merges would collapse the copies before the raw count sees them: held off while counting.
    await ch.client.command({ query: 'SYSTEM STOP MERGES resource_samples' });
    try {
      await sink.write(again);
      await sink.write(again);
      const [after] = await rss('live');
      expect(after?.points).toEqual(before?.points);
      const raw = await ch.client.query({
        query: "SELECT count() AS n FROM resource_samples WHERE side = 'live' AND metric = 'process_resident_memory_bytes'",
        format: 'JSONEachRow',
      });
      expect(Number((await raw.json<{ n: string }>())[0]?.n)).toBeGreaterThan(before?.points.length ?? 0);
    } finally {
      await ch.client.command({ query: 'SYSTEM START MERGES resource_samples' });
    }
  });
});
