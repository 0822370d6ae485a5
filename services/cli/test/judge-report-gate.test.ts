// `shadow report` and `shadow gate` read what the judges decided (docs/judge.md), through the built
// CLI as a child process on a real embedded chDB directory whose pairs carry the judge_* columns
// (migration 65), each stored twice as a re-delivered batch lands: the report shows agreement
// before and after the judge, the verdicts, the skips and example reasons; the gate passes or
// fails agreementAfterJudge while `agreement` stays the number before the judge. Fixture times are
// computed from Date.now().
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

/**
 * 40 pairs of "cand" on GET /summary/:id: 20 identical (no judge needed), 12 the judge called equal
 * (6 of them audited on the secondary: equal), 4 different, 2 errors (timeout), 2 skipped (budget).
 * Before the judge 20 / 40 agree; after it 32 / 38 (the skipped two are out of the trials).
 */
function rows(): Record<string, unknown>[] {
  return Array.from({ length: 40 }, (_, i) => {
    const verdict = i < 20 ? '' : i < 32 ? 'equal' : i < 36 ? 'different' : i < 38 ? 'error' : 'not_run';
    const agrees = verdict === '' || verdict === 'equal';
    return {
      exchange_id: `ex-${String(i).padStart(3, '0')}`,
      challenger_id: 'cand',
      challenger_name: 'summariser-v2',
      challenger_role: 'candidate',
      run_id: '',
      attempt: 1,
      capture_time: T + i * 1000,
      joined_time: T + i * 1000 + 500,
      route: '/summary/:id',
      method: 'GET',
      path: `/summary/${i}`,
      live_status: 200,
      shadow_status: 200,
      live_latency_us: 10_000,
      shadow_latency_us: 11_000,
      status_match: true,
      headers_match: true,
      body_match: agrees,
      side_effects_match: true,
      agree: agrees,
      real_agree: agrees,
      diff_paths: agrees ? [] : ['$.summary'],
      noisy_paths: [],
      comparator: verdict === '' || verdict === 'not_run' ? 'json' : 'judge',
      judge_id: verdict === '' ? '' : 'summary',
      judge_path: verdict === '' ? '' : '$.summary',
      judge_verdict: verdict,
      judge_kind: verdict === 'error' ? 'timeout' : verdict === 'not_run' ? 'budget' : '',
      judge_reason:
        verdict === 'equal'
          ? 'same facts'
          : verdict === 'different'
            ? 'figures differ'
            : verdict === 'error'
              ? 'timeout: 30000 ms'
              : verdict === 'not_run'
                ? 'budget'
                : '',
      judge_latency_ms: verdict === '' || verdict === 'not_run' ? 0 : 200 + i,
      judge_cached: verdict === 'equal' && i % 2 === 1,
      judge_tokens: verdict === 'equal' || verdict === 'different' ? 90 : 0,
      judge_audit_secondary_verdict: verdict === 'equal' && i < 26 ? 'equal' : '',
    };
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-judge-'));
  chdb = join(dir, 'chdb');
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    await ch.client.command({ query: 'SYSTEM STOP MERGES pairs' });
    for (let copy = 0; copy < 2; copy++) await ch.client.insert({ table: 'pairs', values: rows(), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
  const criteria = (after: number) =>
    [
      'version: 1',
      'sample: { minPairs: 30 }',
      'agreement: { min: 0.4, judgeOn: estimate }',
      `agreementAfterJudge: { min: ${after}, judgeOn: estimate }`,
      'judge: { maxErrorRate: 0.5, minJudged: 10 }',
      '',
    ].join('\n');
  await writeFile(join(dir, 'after-80.yaml'), criteria(0.8));
  await writeFile(join(dir, 'after-90.yaml'), criteria(0.9));
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Verdict {
  verdict: string;
  results: { criterion: string; scope: string; outcome: string; measured: number; reason: string }[];
}

describe('shadow report and gate on judged pairs (CLI child process, real chDB)', () => {
  it('report: agreement before the judge, after it, the verdicts, the skips and example reasons', async () => {
    const text = await shadow(['report', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/agreement 50\.00% \[/);
    expect(text.stdout).toContain('Judge (overall)');
    expect(text.stdout).toMatch(/agreement after the judge 84\.21% \[/);
    expect(text.stdout).toContain('20 pairs needed a judge (summary): equal 12, different 4, error 2 (timeout 2)');
    expect(text.stdout).toContain('not judged: budget 2');
    expect(text.stdout).toMatch(/live vs the secondary called different in 0\.00% .* of 6 audits/);
    expect(text.stdout).toMatch(/same facts\s+.*12/);

    const json = await shadow(['report', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      overall: {
        agreement: { successes: number; trials: number };
        judge: { agreementAfter: { successes: number; trials: number }; cachedShare: number; tokens: number };
      };
    };
    expect(report.overall.agreement).toMatchObject({ successes: 20, trials: 40 });
    expect(report.overall.judge).toMatchObject({ agreementAfter: { successes: 32, trials: 38 }, tokens: 16 * 90 });
    expect(report.overall.judge.cachedShare).toBeCloseTo(6 / 18, 10);
  }, 240_000);

  it('gate: agreementAfterJudge 0.8 passes (exit 0) and 0.9 fails (exit 1); agreement is judged before the judge', async () => {
    const pass = await shadow([
      'gate',
      '--criteria',
      'after-80.yaml',
      '--challenger',
      'cand',
      ...WINDOW,
      '--chdb-path',
      chdb,
      '--format',
      'json',
      '--no-audit',
    ]);
    expect(pass.code, pass.stderr).toBe(0);
    const passed = JSON.parse(pass.stdout) as Verdict;
    const overall = (c: string, v: Verdict) => v.results.find((r) => r.criterion === c && r.scope === 'overall');
    expect(overall('agreement', passed)).toMatchObject({ outcome: 'pass', measured: 0.5 });
    expect(overall('agreementAfterJudge', passed)).toMatchObject({ outcome: 'pass', measured: 32 / 38 });
    expect(overall('judge.minJudged', passed)).toMatchObject({ outcome: 'pass', measured: 18 });
    expect(overall('judge.maxErrorRate', passed)).toMatchObject({ outcome: 'pass', measured: 2 / 18 });

    const fail = await shadow(['gate', '--criteria', 'after-90.yaml', '--challenger', 'cand', ...WINDOW, '--chdb-path', chdb, '--no-audit']);
    expect(fail.code, fail.stderr).toBe(1);
    expect(fail.stdout).toMatch(/overall agreementAfterJudge: agreement after the judge 84\.21% .*: estimate 84\.21% < 90\.00%/);
  }, 240_000);
});
