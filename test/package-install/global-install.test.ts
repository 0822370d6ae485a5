// `shadow` installed the way an operator installs a tool (issue 17): the CLI is packed
// (services/cli/scripts/pack-global.mjs: the @shadow/* packages bundled, every other package an
// ordinary dependency), installed with plain `npm install -g` into an empty prefix, and run from a
// directory outside the repository in a clean environment (no workspace, no NODE_OPTIONS, no
// variables of ours). It must answer --version and --help, and reach the real stack: `shadow status`
// reads the kill switch and `shadow topics check` the topics.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stack } from '@shadow/stack-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

let work: string;
let prefix: string;
let away: string;

/** A clean shell's environment: the global prefix's bin and the system's, nothing of this process. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${join(prefix, 'bin')}:${resolve(process.execPath, '..')}:/usr/bin:/bin`, HOME: work, ...extra };
}

async function shadow(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(join(prefix, 'bin', 'shadow'), args, { cwd: away, env: cleanEnv(extra), timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'shadow-global-'));
  prefix = join(work, 'prefix');
  away = join(work, 'elsewhere');
  await run('mkdir', ['-p', away]);
  const { stdout } = await run(process.execPath, [join(ROOT, 'services/cli/scripts/pack-global.mjs')], {
    cwd: ROOT,
    timeout: 300_000,
    maxBuffer: 8 * 1024 * 1024,
  });
  const tarball = stdout.trim().split('\n').pop() ?? '';
  expect(existsSync(tarball), tarball).toBe(true);
  // Plain npm, as an operator runs it; the npm cache makes later runs offline.
  // npm keeps its own settings (registry, CA) in the user's environment: the install gets it, minus ours.
  const npmEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NODE_OPTIONS|SHADOW_|KAFKA_|SCHEMA_REGISTRY|CLICKHOUSE_|CHDB_|STACK_DIR)/.test(k)),
  );
  await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], {
    cwd: away,
    env: npmEnv,
    timeout: 600_000,
  });
}, 900_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm install -g of the packed CLI, run outside the repository', () => {
  it('the tarball depends on no workspace package', () => {
    const manifest = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/@shadow/cli/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@shadow/'))).toEqual([]);
    expect(Object.values(manifest.dependencies).filter((v) => v.startsWith('workspace:'))).toEqual([]);
  });

  it('shadow --version prints the version and the commit it was packed from', async () => {
    const r = await shadow(['--version']);
    expect(r.code, r.stderr).toBe(0);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'services/cli/package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toMatch(new RegExp(`^shadow ${version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{12}\\)$`));
  });

  it('shadow report --help and shadow show --help answer', async () => {
    const report = await shadow(['report', '--help']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('Usage: shadow report [options]');
    const show = await shadow(['show', '--help']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Usage: shadow show [options] <exchange-id>');
  });

  it('outside a checkout, a command without endpoints says what to pass', async () => {
    const r = await shadow(['status', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no Kafka brokers: pass --brokers');
    const stackCommand = await shadow(['stack', 'status']);
    expect(stackCommand.code).toBe(2);
    expect(stackCommand.stderr).toContain('SHADOW_REPO_ROOT');
  });

  it('reaches the real stack: topics check and the kill switch', async () => {
    const brokers = stack().kafkaBrokers.join(',');
    const topics = await shadow(['topics', 'check', '--brokers', brokers, '--prefix', 'no-such-prefix-global.', '--json']);
    // Nothing under that prefix: exit 1 naming the missing topics, read from the real broker.
    expect(topics.code).toBe(1);
    expect(topics.stdout).toContain('no-such-prefix-global.shadow.exchanges.v1');
    const status = await shadow(['status', '--brokers', brokers, '--group', 'shadow-joiner', '--format', 'json'], { CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { killSwitch: { topic: string }; groups: { groupId: string }[]; challengers: { error?: string } };
    expect(s.killSwitch.topic).toBe('shadow.control.v1');
    expect(s.groups.map((g) => g.groupId)).toEqual(['shadow-joiner']);
    expect(s.challengers.error).toContain('cannot reach ClickHouse');
  });
});
