// Exit codes and messages of report, gate and query against a running joiner's read-only endpoint
// (the real joiner service in this process: real Kafka and registry, embedded chDB it owns), through
// the built CLI as a child process. A successful gate prints no error: the audit row goes straight
// to the endpoint's audit route, no refused SQL insert first. Refused credentials and a database the
// endpoint does not have are exit 2 with one line. Fixture times are computed from Date.now().
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createQueryEndpoint } from '@shadow/clickhouse';
import { ensureTopics } from '@shadow/contracts';
import { loadConfig, startJoinerService } from '@shadow/joiner';
import type { JoinerService } from '@shadow/joiner';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/dist/main.js');
const T = Date.now() - 3 * 3_600_000;
const WINDOW = ['--since', new Date(T).toISOString(), '--until', new Date(T + 3_600_000).toISOString()];
const CREDENTIALS = { CLICKHOUSE_USER: 'analyst', CLICKHOUSE_PASSWORD: 'pw-analyst' };

let dir: string;
let service: JoinerService;
let url: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function shadow(args: string[], env: Record<string, string> = CREDENTIALS): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir, USER: 'ci-test', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** stderr holds no client log line, no stack and no error wording. */
function clean(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at |\[ERROR\]|Caused by|error/im);
}

/** Exactly one `shadow:` line and nothing else but the connection line; returns it. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(
    lines.filter((l) => !l.startsWith('shadow: ') && !l.startsWith('clickhouse: ')),
    r.stderr,
  ).toEqual([]);
  expect(r.stderr).not.toMatch(/^\s+at |\[ERROR\]|Caused by/m);
  const failures = lines.filter((l) => l.startsWith('shadow: '));
  expect(failures, r.stderr).toHaveLength(1);
  return failures[0] as string;
}

/** 30 pairs of "cand" on GET /items/:id, 3 of which differ on $.price. */
function pairs(): Record<string, unknown>[] {
  return Array.from({ length: 30 }, (_, i) => {
    const differs = i % 10 === 4;
    return {
      exchange_id: `ec-${String(i).padStart(3, '0')}`,
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

async function gateRunIds(): Promise<string[]> {
  const rs = await service.clickhouse.client.query({ query: 'SELECT run_id FROM gate_runs ORDER BY at', format: 'JSONEachRow' });
  return (await rs.json<{ run_id: string }>()).map((r) => r.run_id);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-exit-endpoint-'));
  const prefix = `${uniqueName('cli-exit')}.`;
  const report = await ensureTopics(kafkaClient(uniqueName('cli-exit')), { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: uniqueName('cli-exit-g'),
    JOINER_CHALLENGERS: 'cand',
    JOINER_ADMIN_PORT: '0',
    JOINER_QUERY_PORT: '0',
    JOINER_QUERY_USER: CREDENTIALS.CLICKHOUSE_USER,
    JOINER_QUERY_PASSWORD: CREDENTIALS.CLICKHOUSE_PASSWORD,
    JOINER_LABELS: 'off',
    JOINER_SESSION_TIMEOUT_MS: '8000',
  });
  service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'chdb') } });
  url = service.queryEndpoint?.url ?? '';
  expect(url).toMatch(/^http:/);
  await service.clickhouse.client.insert({ table: 'pairs', values: pairs(), format: 'JSONEachRow' });
  await writeFile(join(dir, 'pass.yaml'), ['version: 1', 'sample: { minPairs: 20, routeMinPairs: 5 }', 'agreement: { min: 0.6 }', ''].join('\n'));
  await writeFile(join(dir, 'fail.yaml'), ['version: 1', 'sample: { minPairs: 20, routeMinPairs: 5 }', 'agreement: { min: 0.99 }', ''].join('\n'));
}, 180_000);

afterAll(async () => {
  await service?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the CLI against a running joiner's read-only endpoint: exit codes and messages", () => {
  it('a passing and a failing gate print no error (no refused SQL insert, no stack) and record their audit rows through the route', async () => {
    const before = await gateRunIds();
    const pass = await shadow(['gate', '--criteria', 'pass.yaml', '--challenger', 'cand', ...WINDOW, '--clickhouse-url', url]);
    expect(pass.code, pass.stderr).toBe(0);
    clean(pass.stderr);
    const passId = /^gate run (\S+) recorded in gate_runs through the endpoint's audit route /m.exec(pass.stderr)?.[1];
    expect(passId, pass.stderr).toBeDefined();
    const fail = await shadow(['gate', '--criteria', 'fail.yaml', '--challenger', 'cand', ...WINDOW, '--clickhouse-url', url]);
    expect(fail.code, fail.stderr).toBe(1);
    clean(fail.stderr);
    const failId = /^gate run (\S+) recorded in gate_runs through the endpoint's audit route /m.exec(fail.stderr)?.[1];
    expect(await gateRunIds()).toEqual([...before, passId, failId]);
    // The endpoint's own count: no query was refused on the way (the old path tried INSERT first).
    const refusedBefore = service.queryEndpoint?.stats().refused;
    const again = await shadow(['gate', '--criteria', 'pass.yaml', '--challenger', 'cand', ...WINDOW, '--clickhouse-url', url]);
    expect(again.code, again.stderr).toBe(0);
    expect(service.queryEndpoint?.stats().refused).toBe(refusedBefore);
  }, 240_000);

  it('an endpoint without the audit route (a plain server answers 404 there) gets the SQL insert; refused, it is one warning line and the verdict stands', async () => {
    await using bare = await createQueryEndpoint({ clickhouse: service.clickhouse, port: 0 });
    const r = await shadow(['gate', '--criteria', 'fail.yaml', '--challenger', 'cand', ...WINDOW, '--clickhouse-url', bare.url]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at |\[ERROR\]|Caused by/m);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('clickhouse: '));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: gate run \S+ NOT recorded in gate_runs: .*read-only endpoint without the audit route/);
  }, 120_000);

  it.each([
    ['gate', ['gate', '--criteria', 'pass.yaml', '--challenger', 'cand', ...WINDOW]],
    ['report', ['report', '--challenger', 'cand', ...WINDOW]],
    ['query', ['query', 'SELECT count() FROM pairs']],
  ])(
    '%s: credentials the endpoint refuses are exit 2, one line naming the user and the variables to set',
    async (_name, args) => {
      const r = await shadow([...args, '--clickhouse-url', url], { CLICKHOUSE_USER: 'analyst', CLICKHOUSE_PASSWORD: 'wrong' });
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(
        /^shadow: ClickHouse refused the credentials \(user "analyst"\), server http:.*: set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD to an account it accepts$/,
      );
    },
    120_000,
  );

  it.each([
    ['gate', ['gate', '--criteria', 'pass.yaml', '--challenger', 'cand', ...WINDOW]],
    ['report', ['report', '--challenger', 'cand', ...WINDOW]],
    ['query', ['query', 'SELECT count() FROM pairs']],
  ])(
    '%s: a database the endpoint does not serve is exit 2, one line naming it',
    async (_name, args) => {
      const r = await shadow([...args, '--clickhouse-url', url, '--database', 'shadow_typo']);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(/shadow_typo/);
    },
    120_000,
  );

  it("the joiner's own chDB directory opened directly is exit 2, one line naming the owner and the endpoint to use instead", async () => {
    for (const args of [
      ['gate', '--criteria', 'pass.yaml', '--challenger', 'cand', ...WINDOW],
      ['report', '--challenger', 'cand', ...WINDOW],
      ['query', 'SELECT 1'],
    ]) {
      const r = await shadow([...args, '--chdb-path', join(dir, 'chdb')]);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toBe(
        `shadow: cannot open ClickHouse, embedded chDB ${join(dir, 'chdb')} (from --chdb-path): another process (PID ${process.pid}) has it open; if it is a joiner, query its read-only endpoint instead: --clickhouse-url http://127.0.0.1:8123 (its JOINER_QUERY_PORT)`,
      );
    }
  }, 120_000);

  it('report through the endpoint with 0 pairs for the run is exit 2; with pairs 0', async () => {
    const none = await shadow(['report', '--challenger', 'cand', '--run-id', 'no-such-run', '--clickhouse-url', url]);
    expect(none.code, none.stderr).toBe(2);
    expect(oneLine(none)).toMatch(/^shadow: no pairs of challenger cand in run no-such-run/);
    const some = await shadow(['report', '--challenger', 'cand', ...WINDOW, '--clickhouse-url', url, '--format', 'json']);
    expect(some.code, some.stderr).toBe(0);
    expect((JSON.parse(some.stdout) as { overall: { pairs: number } }).overall.pairs).toBe(30);
  }, 120_000);
});
