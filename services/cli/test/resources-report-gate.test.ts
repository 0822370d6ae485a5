// The resource criteria and the report's Resources section end to end: three real services (child
// processes with prom-client's default metrics: live, a steady secondary, a candidate that leaks
// 20 MiB/s and burns 6 ms of CPU per request against 1 ms), scraped by @shadow/watch's real scraper
// into an embedded chDB directory, pairs of the candidate and the secondary landed in the same
// window, then `shadow gate` and `shadow report` through the built CLI as child processes.
// Fixture times come from Date.now().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import { createClickHouseSampleSink, createScraper } from '@shadow/watch';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/dist/main.js');
const SERVICE = join(ROOT, 'packages/watch/test/support/service.mjs');
const GiB = 1024 ** 3;

let dir: string;
let chdb: string;
let window: string[] = [];
const children: ChildProcess[] = [];

async function startService(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [SERVICE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening (\d+)/.exec(out);
      if (m !== null) done(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`service exited with ${code} before listening`)));
  });
  return `http://127.0.0.1:${port}`;
}

async function traffic(base: string, untilMs: number): Promise<void> {
  while (Date.now() < untilMs) {
    const r = await fetch(`${base}/work`);
    await r.arrayBuffer();
    await sleep(20);
  }
}

function shadow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir, USER: 'ci-test' }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** 30 agreeing pairs each of the candidate and the secondary (same exchanges), spread over the window; "quiet" has pairs and no scrapes. */
function pairs(fromMs: number, toMs: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [id, role] of [
    ['cand', 'candidate'],
    ['sec', 'secondary'],
    ['quiet', 'candidate'],
  ] as const) {
    for (let i = 0; i < 30; i++) {
      const t = fromMs + Math.floor(((toMs - fromMs) * i) / 30);
      out.push({
        exchange_id: `ex-${i}`,
        challenger_id: id,
        challenger_name: id,
        challenger_role: role,
        run_id: '',
        attempt: 1,
        service: 'pricing',
        capture_time: t,
        joined_time: t + 100,
        route: '/work',
        method: 'GET',
        path: '/work',
        live_status: 200,
        shadow_status: 200,
        live_latency_us: 1000,
        shadow_latency_us: 1000,
        status_match: true,
        headers_match: true,
        body_match: true,
        side_effects_match: true,
        agree: true,
        real_agree: true,
        diff_paths: [],
        noisy_paths: [],
      });
    }
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-resources-'));
  chdb = join(dir, 'chdb');
  const [live, sec, cand] = await Promise.all([
    startService({ WORK_MS: '1' }),
    startService({ WORK_MS: '1' }),
    startService({ WORK_MS: '6', LEAK_BYTES_PER_TICK: String(2 * 1024 * 1024) }),
  ]);
  // Start-up growth (modules, first JIT) is not what a run watches: let all three settle first.
  const warm = Date.now() + 1500;
  await Promise.all([traffic(live, warm), traffic(sec, warm), traffic(cand, warm)]);
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    const scraper = createScraper({
      config: {
        intervalMs: 250,
        timeoutMs: 240,
        targets: [
          { url: `${live}/metrics`, side: 'live', service: 'pricing' },
          { url: `${sec}/metrics`, side: 'challenger', service: 'pricing', challengerId: 'sec' },
          { url: `${cand}/metrics`, side: 'challenger', service: 'pricing', challengerId: 'cand' },
        ],
      },
      sink: createClickHouseSampleSink(ch),
    });
    const fromMs = Date.now();
    scraper.start();
    const until = fromMs + 12_000;
    await Promise.all([traffic(live, until), traffic(sec, until), traffic(cand, until)]);
    await scraper.close();
    const toMs = Date.now() + 1;
    window = ['--since', new Date(fromMs).toISOString(), '--until', new Date(toMs).toISOString()];
    await ch.client.insert({ table: 'pairs', values: pairs(fromMs, toMs - 1), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
  for (const c of children) c.kill('SIGTERM');
  const criteria = (name: string, resources: string) =>
    writeFile(join(dir, name), ['version: 1', 'sample: { minPairs: 10 }', `resources: ${resources}`, ''].join('\n'));
  // 12 s of fresh processes: the steady one still settles (about 0.7 GiB/h measured in
  // packages/watch/test/resources.test.ts), the leak keeps about 70 GiB/h: a bound between the two.
  const memory = `maxBytesPerHour: ${8 * GiB}, minDuration: 8s, minPoints: 15`;
  await criteria('memory.yaml', `{ memoryGrowth: { ${memory} } }`);
  await criteria('cpu-tight.yaml', '{ cpuRatio: { max: 1.0, bucket: 1s } }');
  await criteria('cpu-loose.yaml', '{ cpuRatio: { max: 50, bucket: 1s } }');
  await criteria('cpu-live.yaml', '{ cpuRatio: { max: 50, bucket: 1s, against: live } }');
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Verdict {
  verdict: string;
  reasons: string[];
  warnings: string[];
  results: { criterion: string; scope: string; outcome: string; measured: number | null; judged: number | null; n: number; reason: string }[];
}

const gate = async (criteria: string, challenger: string) => {
  const r = await shadow(['gate', '--criteria', criteria, '--challenger', challenger, ...window, '--chdb-path', chdb, '--format', 'json', '--no-audit']);
  return { ...r, verdict: r.stdout === '' ? null : (JSON.parse(r.stdout) as Verdict) };
};
const resourceResults = (v: Verdict | null) => (v?.results ?? []).filter((r) => r.criterion.startsWith('resources.'));

describe('resource criteria through shadow gate (real scraper, real prom-client processes, chDB)', () => {
  it('memoryGrowth: the leaking candidate fails (exit 1), the steady secondary passes (exit 0)', async () => {
    const leak = await gate('memory.yaml', 'cand');
    expect(leak.code, leak.verdict?.reasons.join('\n')).toBe(1);
    const [lr] = resourceResults(leak.verdict);
    expect(lr).toMatchObject({ criterion: 'resources.memoryGrowth', outcome: 'fail' });
    expect(lr?.scope).toMatch(/^challenger 127\.0\.0\.1:\d+\/metrics$/);
    expect(lr?.measured).toBeGreaterThan(20 * GiB);
    expect(lr?.n).toBeGreaterThanOrEqual(15);
    const steady = await gate('memory.yaml', 'sec');
    expect(steady.code, steady.verdict?.reasons.join('\n')).toBe(0);
    expect(resourceResults(steady.verdict).map((r) => r.outcome)).toEqual(['pass']);
    expect(resourceResults(steady.verdict)[0]?.judged).toBeLessThan(8 * GiB);
  }, 120_000);

  it('cpuRatio over the secondary (the default with one): 6 ms against 1 ms per request fails max 1 and passes max 50', async () => {
    const tight = await gate('cpu-tight.yaml', 'cand');
    expect(tight.code, tight.stderr).toBe(1);
    const [t] = resourceResults(tight.verdict);
    expect(t).toMatchObject({ criterion: 'resources.cpuRatio', outcome: 'fail' });
    expect(t?.reason).toMatch(/^CPU ratio over the secondary \d+\.\d{3}x \(95% CI/);
    expect(t?.measured).toBeGreaterThan(1);
    expect(t?.n).toBeGreaterThanOrEqual(8);
    const loose = await gate('cpu-loose.yaml', 'cand');
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.verdict?.warnings.join('\n') ?? '').not.toMatch(/baseline is live/);
    const live = await gate('cpu-live.yaml', 'cand');
    expect(live.code, live.stderr).toBe(0);
    expect(resourceResults(live.verdict)[0]?.reason).toMatch(/^CPU ratio over the live /);
    expect(live.verdict?.warnings.join('\n')).toMatch(/resources\.cpuRatio: baseline is live/);
  }, 120_000);

  it('a challenger nobody scraped is not measured: insufficient, exit 2, saying so', async () => {
    const r = await gate('memory.yaml', 'quiet');
    expect(r.code, r.stderr).toBe(2);
    expect(r.verdict?.verdict).toBe('insufficient');
    expect(r.verdict?.reasons.join('\n')).toMatch(/resources not measured/);
  }, 120_000);
});

describe('the report: a Resources section per challenger', () => {
  it('text: CPU over the secondary and over live with intervals and the warning, memory growth per process', async () => {
    const r = await shadow(['report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--resource-bucket', '1s', '--resource-min-span', '8s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Resources/);
    expect(r.stdout).toMatch(/service pricing, samples .* CPU in paired buckets of 1s/);
    expect(r.stdout).toMatch(/CPU candidate \/ secondary: \d+\.\d{3}x \(95% CI \d+\.\d{3}x \.\. \d+\.\d{3}x, \d+ paired buckets; mean CPU/);
    expect(r.stdout).toMatch(/CPU candidate \/ live: \d+\.\d{3}x/);
    expect(r.stdout).toMatch(/warning \(CPU over live\): baseline is live/);
    expect(r.stdout).toMatch(/candidate\s+127\.0\.0\.1:\d+\/metrics\s+\d+\.\d\d GiB\/h/);
    expect(r.stdout).toMatch(/live\s+127\.0\.0\.1:\d+\/metrics\s+-?\d+/);
  }, 120_000);

  it('json: resources with both ratios and each process; a short span is reported as not measured with why', async () => {
    const r = await shadow(['report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      resources: {
        cpuRatio: { overSecondary: { n: number; reason: string } };
        memoryGrowth: { challenger: { slopeBytesPerHour: number | null; reason: string }[] };
      };
    };
    // default buckets of 60 s and a 10 min minimum span: 12 s of samples measure neither
    expect(report.resources.cpuRatio.overSecondary.reason).toMatch(/paired 60 s buckets \(need 5\)/);
    expect(report.resources.memoryGrowth.challenger[0]?.slopeBytesPerHour).toBeNull();
    expect(report.resources.memoryGrowth.challenger[0]?.reason).toMatch(/s of samples \(need 600 s\)/);
    const text = await shadow(['report', '--challenger', 'cand', ...window, '--chdb-path', chdb, '--format', 'markdown']);
    expect(text.stdout).toMatch(/insufficient: \d+ s of samples \(need 600 s\)/);
  }, 120_000);
});
