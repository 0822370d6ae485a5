// `sideEffects.maxUnexpected` counts pairs, as documented, through the built CLI as a child process
// on a real embedded chDB directory: a pair whose write went to another path (live-only /v1 plus
// candidate-only /v2 in side_effects_detail) is ONE pair with an unexpected side-effect difference,
// not two. Fixture times are computed from Date.now().
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/dist/main.js');
const T = Date.now() - 2 * 3_600_000;
const WINDOW = ['--since', new Date(T).toISOString(), '--until', new Date(T + 3_600_000).toISOString()];
const MOVED = ['missing_in_candidate http POST ledger:80/v1/entries', 'extra_in_candidate http POST ledger:80/v2/entries'];

let dir: string;
let chdb: string;

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

/** 20 agreeing pairs of "cand"; ex-moved also wrote to /v2 where live wrote to /v1. Stored twice (a re-delivered batch). */
function rows(): Record<string, unknown>[] {
  return Array.from({ length: 20 }, (_, i) => {
    const moved = i === 7;
    return {
      exchange_id: moved ? 'ex-moved' : `ex-${String(i).padStart(3, '0')}`,
      challenger_id: 'cand',
      challenger_name: 'ledger-v2',
      challenger_role: 'candidate',
      run_id: '',
      attempt: 1,
      capture_time: T + i * 1000,
      joined_time: T + i * 1000 + 500,
      route: '/entries',
      method: 'POST',
      path: '/entries',
      live_status: 201,
      shadow_status: 201,
      live_latency_us: 10_000,
      shadow_latency_us: 10_000,
      status_match: true,
      headers_match: true,
      body_match: true,
      side_effects_match: !moved,
      agree: !moved,
      real_agree: !moved,
      diff_paths: moved ? MOVED.map((d) => `effect:${d.slice(d.indexOf(' ') + 1)}`) : [],
      noisy_paths: [],
      side_effects_detail: moved ? MOVED.join('; ') : '',
    };
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-side-effects-'));
  chdb = join(dir, 'chdb');
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    await ch.client.command({ query: 'SYSTEM STOP MERGES pairs' });
    for (let copy = 0; copy < 2; copy++) await ch.client.insert({ table: 'pairs', values: rows(), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
  for (const max of [0, 1])
    await writeFile(join(dir, `max-${max}.yaml`), ['version: 1', 'sample: { minPairs: 10 }', `sideEffects: { maxUnexpected: ${max} }`, ''].join('\n'));
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Verdict {
  verdict: string;
  results: { criterion: string; scope: string; outcome: string; measured: number; reason: string }[];
}

describe('gate sideEffects.maxUnexpected counts pairs (CLI child process, real chDB)', () => {
  it('a pair with a missing and an extra write counts 1: maxUnexpected 1 passes (exit 0), 0 fails (exit 1) measuring 1', async () => {
    const one = await shadow(['gate', '--criteria', 'max-1.yaml', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb, '--format', 'json', '--no-audit']);
    expect(one.code, one.stderr).toBe(0);
    const passed = JSON.parse(one.stdout) as Verdict;
    expect(passed.results.find((r) => r.criterion === 'sideEffects' && r.scope === 'overall')).toMatchObject({ outcome: 'pass', measured: 1 });

    const zero = await shadow(['gate', '--criteria', 'max-0.yaml', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb, '--format', 'json', '--no-audit']);
    expect(zero.code, zero.stderr).toBe(1);
    const failed = JSON.parse(zero.stdout) as Verdict;
    const overall = failed.results.find((r) => r.criterion === 'sideEffects' && r.scope === 'overall');
    expect(overall).toMatchObject({ outcome: 'fail', measured: 1 });
    expect(overall?.reason).toMatch(
      /^1 pair with an unexpected side-effect difference > 0: POST ledger:80\/v\d\/entries \((live|candidate)-only, 1 pairs, e\.g\. ex-moved\); POST ledger:80\/v\d\/entries/,
    );
  }, 240_000);

  it('the report still lists both differences, one pair each', async () => {
    const r = await shadow(['report', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      overall: { pairs: number; sideEffects: { candidateOnly: { path: string; pairs: number }[]; liveOnly: { path: string; pairs: number }[] } };
    };
    expect(report.overall.pairs).toBe(20);
    expect(report.overall.sideEffects.candidateOnly.map((e) => [e.path, e.pairs])).toEqual([['/v2/entries', 1]]);
    expect(report.overall.sideEffects.liveOnly.map((e) => [e.path, e.pairs])).toEqual([['/v1/entries', 1]]);
  }, 120_000);
});
