// `shadow gate | report | query` against a running joiner in embedded mode, the whole way: the real
// joiner service (in this process, real Kafka + registry, embedded chDB it owns) serves its
// read-only endpoint; the CLI runs as a child process (as CI runs it) with --clickhouse-url. The
// gate's audit row lands in gate_runs through the endpoint's audit route, while the SQL interface
// still refuses INSERT.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTopics } from '@shadow/contracts';
import { loadConfig, startJoinerService } from '@shadow/joiner';
import type { JoinerService } from '@shadow/joiner';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/src/main.ts');
// A day back from the clock, never a calendar date (the tables expire rows; see analysis-commands.test.ts).
const T = Date.now() - 86_400_000;
const window = ['--since', new Date(T).toISOString(), '--until', new Date(T + 3_600_000).toISOString()];

// The endpoint is configured with credentials; the CLI passes them from the environment.
const CREDENTIALS = { CLICKHOUSE_USER: 'analyst', CLICKHOUSE_PASSWORD: 'pw-analyst' };
const AUTH = `Basic ${Buffer.from('analyst:pw-analyst').toString('base64')}`;

let dir: string;
let service: JoinerService;
let url: string;

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
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, USER: 'ci-test', ...CREDENTIALS, ...clockShift() },
        timeout: 120_000,
      },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** 30 pairs of challenger "cand" on GET /items/:id, 3 of which differ on $.price. */
function pairs(): Record<string, unknown>[] {
  return Array.from({ length: 30 }, (_, i) => {
    const differs = i % 10 === 4;
    return {
      exchange_id: `jx-${String(i).padStart(3, '0')}`,
      challenger_id: 'cand',
      challenger_name: 'pricing-v2',
      challenger_role: 'candidate',
      run_id: '',
      attempt: 1,
      capture_time: T + i * 1000,
      joined_time: T + i * 1000 + 500,
      route: '/items/:id',
      method: 'GET',
      path: `/items/${i}`,
      live_status: 200,
      shadow_status: 200,
      live_latency_us: (10 + i) * 1000,
      shadow_latency_us: (10 + i) * 1000,
      status_match: true,
      headers_match: true,
      body_match: !differs,
      side_effects_match: true,
      agree: !differs,
      real_agree: !differs,
      diff_paths: differs ? ['$.price'] : [],
      noisy_paths: [],
    };
  });
}

async function gateRuns(): Promise<{ run_id: string; verdict: string; exit_code: number; by: string; challenger_id: string }[]> {
  const rs = await service.clickhouse.client.query({
    query: 'SELECT run_id, verdict, exit_code, by, challenger_id FROM gate_runs ORDER BY at',
    format: 'JSONEachRow',
  });
  return rs.json();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-joiner-endpoint-'));
  const prefix = `${uniqueName('cli-endpoint')}.`;
  const report = await ensureTopics(kafkaClient(uniqueName('cli-endpoint')), { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: uniqueName('cli-endpoint-g'),
    JOINER_CHALLENGERS: 'cand',
    JOINER_ADMIN_PORT: '0',
    JOINER_QUERY_PORT: '0',
    JOINER_QUERY_USER: CREDENTIALS.CLICKHOUSE_USER,
    JOINER_QUERY_PASSWORD: CREDENTIALS.CLICKHOUSE_PASSWORD,
    JOINER_LABELS: 'off',
    JOINER_SESSION_TIMEOUT_MS: '8000',
  });
  service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'chdb') } });
  expect(service.queryEndpoint).toBeDefined();
  url = service.queryEndpoint?.url ?? '';
  await service.clickhouse.client.insert({ table: 'pairs', values: pairs(), format: 'JSONEachRow' });
  const criteria = (agreement: string) => ['version: 1', 'sample: { minPairs: 20, routeMinPairs: 5 }', `agreement: { min: ${agreement} }`, ''].join('\n');
  await writeFile(join(dir, 'pass.yaml'), criteria('0.6'));
  await writeFile(join(dir, 'fail.yaml'), criteria('0.99'));
}, 120_000);

afterAll(async () => {
  await service?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the CLI against a running joiner's query endpoint (embedded chDB owned by the joiner)", () => {
  it('gate exits with the verdict and its audit row lands in gate_runs through the endpoint; the SQL interface still refuses INSERT', async () => {
    const pass = await shadow('gate', '--criteria', join(dir, 'pass.yaml'), '--challenger', 'cand', ...window, '--clickhouse-url', url, '--by', 'release-bot');
    expect(pass.code, pass.stderr).toBe(0);
    const passId = /gate run (\S+) recorded in gate_runs through the endpoint's audit route/.exec(pass.stderr)?.[1];
    expect(passId, pass.stderr).toBeDefined();
    // 27 of 30 agree: the Wilson lower bound (about 0.74) is below 0.99
    const fail = await shadow('gate', '--criteria', join(dir, 'fail.yaml'), '--challenger', 'cand', ...window, '--clickhouse-url', url, '--by', 'release-bot');
    expect(fail.code, fail.stderr).toBe(1);
    expect(fail.stderr).toMatch(/recorded in gate_runs through the endpoint's audit route/);
    const trail = await gateRuns();
    expect(trail.map((r) => [r.verdict, r.exit_code, r.by, r.challenger_id])).toEqual([
      ['pass', 0, 'release-bot', 'cand'],
      ['fail', 1, 'release-bot', 'cand'],
    ]);
    expect(trail[0]?.run_id).toBe(passId);

    // Analysts (and `shadow query`) read the trail through the same endpoint, and cannot write.
    const read = await shadow('query', 'SELECT verdict FROM gate_runs ORDER BY at', '--format', 'json', '--clickhouse-url', url);
    expect(read.code, read.stderr).toBe(0);
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { verdict: string }).verdict),
    ).toEqual(['pass', 'fail']);
    const insert = await shadow('query', "INSERT INTO gate_runs (run_id, verdict) VALUES ('forged', 'pass')", '--clickhouse-url', url);
    expect(insert.code).not.toBe(0);
    const direct = await fetch(`${url}/?query=${encodeURIComponent("INSERT INTO gate_runs (run_id, verdict) VALUES ('forged', 'pass')")}`, {
      method: 'POST',
      headers: { authorization: AUTH },
    });
    expect(direct.status).not.toBe(200);
    expect(await gateRuns()).toHaveLength(2);

    // The audit route takes the endpoint's credentials only, and validates what it stores.
    const bad = await fetch(`${url}/shadow/gate-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: AUTH },
      body: JSON.stringify({ runId: 'x', verdict: 'maybe' }),
    });
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${url}/shadow/gate-runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(403);
    expect(((await bad.json()) as { error: string }).error).toMatch(/verdict/);
    expect(await gateRuns()).toHaveLength(2);
  }, 240_000);

  it("report reads the joiner's pairs through the endpoint", async () => {
    const r = await shadow('report', '--challenger', 'cand', ...window, '--clickhouse-url', url, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { overall: { pairs: number } };
    expect(report.overall.pairs).toBe(30);
  }, 120_000);
});
