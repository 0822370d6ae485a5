// Issue 14, "done means": the suite still passes with the clock set 90 days ahead. The tests that
// seed pairs and read them back by time (the CLI's report/gate/query/migrate, the joiner's endpoint,
// the historical replay, the analysis store and measurements) run again in a nested vitest whose
// processes, CLI children included, see Date 90 days later (shift-clock.mjs, preloaded through
// NODE_OPTIONS). A fixture pinned to a calendar date, or code that assumes one, fails there.
//
// The engine keeps the real clock: libfaketime made embedded chDB 25x slower here and shifted only
// part of its time sources (today() and TTL merges, not now()), so it cannot run this suite. What the
// engine does with old rows is proved on its own clock: packages/clickhouse/test/retention.test.ts
// and services/cli/test/historical-replay.test.ts land rows captured 40 and 400 days back and force
// every TTL. (The retention test itself is not in the shifted run: it compares landing times with
// the engine's now(), which does not move.)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DAY = 86_400_000;
const SHIFT_DAYS = 90;
const PRELOAD = join(import.meta.dirname, 'shift-clock.mjs');
const DATE_SENSITIVE = [
  'services/cli/test/analysis-commands.test.ts',
  'services/cli/test/joiner-endpoint.test.ts',
  'services/cli/test/historical-replay.test.ts',
  'packages/analysis/test/clickhouse-pair-store.test.ts',
  'packages/analysis/test/business-accuracy.test.ts',
  'packages/analysis/src/measurements/from-pairs.test.ts',
  'packages/analysis/src/gate/evaluate.test.ts',
  'packages/analysis/src/gate/audit.test.ts',
  'packages/analysis/src/report/build.test.ts',
  'packages/join/src/rows/pair-rows.test.ts',
];

interface VitestJson {
  startTime: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string }[];
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 1_100_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out: `${stdout}\n${stderr}` }),
    );
  });
}

/** This process's environment without the outer vitest's own variables, with the clock shifted. */
function shiftedEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TINYPOOL|CI$|NODE_OPTIONS$)/.test(key)));
  return { ...env, SHADOW_CLOCK_SHIFT_DAYS: String(SHIFT_DAYS), NODE_OPTIONS: `--import=${PRELOAD}` };
}

it(`the date-sensitive tests pass with the clock ${SHIFT_DAYS} days ahead`, async () => {
  // The preload moves Date, and only by the shift.
  const probe = await run(['-e', 'console.log(Date.now(), new Date().getTime())'], shiftedEnv());
  expect(probe.code, probe.out).toBe(0);
  for (const seen of probe.out.trim().split(/\s+/).map(Number)) expect(Math.abs(seen - (Date.now() + SHIFT_DAYS * DAY))).toBeLessThan(60_000);

  const dir = await mkdtemp(join(tmpdir(), 'shadow-clock-ahead-'));
  try {
    const reportFile = join(dir, 'vitest.json');
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const nested = await run([vitest, 'run', ...DATE_SENSITIVE, '--reporter=json', `--outputFile=${reportFile}`], shiftedEnv());
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as VitestJson;
    const failed = report.testResults.filter((r) => r.status !== 'passed').map((r) => r.name);
    expect(failed, nested.out.slice(-4000)).toEqual([]);
    expect(nested.code, nested.out.slice(-4000)).toBe(0);
    expect(report.numFailedTests).toBe(0);
    // Every file ran (none filtered away), and the nested run's own clock was the shifted one.
    expect(report.testResults.map((r) => r.name.slice(ROOT.length + 1)).sort()).toEqual([...DATE_SENSITIVE].sort());
    expect(report.numPassedTests).toBeGreaterThan(60);
    expect(Math.abs(report.startTime - (Date.now() + SHIFT_DAYS * DAY))).toBeLessThan(DAY);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 1_200_000);
