import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { timeFlag } from '../options.js';
import { resolveConnection, resolveWindow } from './clickhouse-flags.js';
import { gateRunner } from './gate.js';
import { formatTable } from './query.js';

const io = (env: Record<string, string> = {}, cwd = '/'): CliIo => ({ out: () => undefined, err: () => undefined, env, cwd });
const NOW = Date.UTC(2026, 10, 3, 12);

describe('ClickHouse connection of the analysis commands', () => {
  it('takes --clickhouse-url, then --chdb-path, then CLICKHOUSE_URL, then CHDB_PATH', () => {
    const env = { CLICKHOUSE_URL: 'http://ch:8123', CHDB_PATH: '/data/chdb', CLICKHOUSE_USER: 'analyst', CLICKHOUSE_PASSWORD: 'pw' };
    expect(resolveConnection({ clickhouseUrl: 'http://endpoint:8124' }, io(env))).toMatchObject({
      options: { mode: 'server', url: 'http://endpoint:8124', username: 'analyst' },
      ownsEngine: false,
    });
    expect(resolveConnection({ chdbPath: '/mine' }, io(env))).toMatchObject({ options: { mode: 'embedded', path: '/mine' }, ownsEngine: true });
    expect(resolveConnection({}, io(env)).description).toBe('server http://ch:8123 (from CLICKHOUSE_URL)');
    expect(resolveConnection({ database: 'shadow' }, io({ CHDB_PATH: '/data/chdb' }))).toMatchObject({
      options: { mode: 'embedded', path: '/data/chdb', database: 'shadow' },
    });
  });

  it('falls back to the local stack directory inside the repository, and says so', () => {
    const c = resolveConnection({}, io({}, process.cwd()));
    expect(c.description).toMatch(/embedded chDB .*\.stack\/data\/chdb \(from the local stack\)/);
  });
});

describe('window flags', () => {
  it('reads a duration back from now, an ISO time with a zone or epoch s/ms; refuses "72" and "foo 2020" (Date.parse reads them as years)', () => {
    const parse = timeFlag(() => NOW);
    expect(parse('48h')).toBe(NOW - 48 * 3_600_000);
    expect(parse('1h30m')).toBe(NOW - 90 * 60_000);
    expect(parse('2026-11-01T00:00:00Z')).toBe(Date.UTC(2026, 10, 1));
    expect(parse(String(Date.UTC(2026, 10, 1)))).toBe(Date.UTC(2026, 10, 1));
    expect(parse(String(Date.UTC(2026, 10, 1) / 1000))).toBe(Date.UTC(2026, 10, 1));
    for (const bad of ['last tuesday', '72', '1', 'foo 2020', '2026-11-01T00:00:00'])
      expect(() => parse(bad), bad).toThrow(/expected a duration back from now/);
  });

  it('ends the window now by default and refuses an empty or inverted one', () => {
    expect(resolveWindow({ since: NOW - 1000 }, NOW)).toEqual({ window: { fromMs: NOW - 1000, toMs: NOW } });
    expect(resolveWindow({ runId: 'r1' }, NOW)).toEqual({ runId: 'r1' });
    expect(() => resolveWindow({}, NOW)).toThrow(/say which pairs/);
    expect(() => resolveWindow({ since: NOW, until: NOW - 1 }, NOW)).toThrow(/must be before --until/);
  });
});

describe('gate runner (audit "by")', () => {
  it('names the CI job when there is one', () => {
    expect(gateRunner('release-bot', {})).toBe('release-bot');
    expect(gateRunner(undefined, { GITHUB_RUN_ID: '42', GITHUB_ACTOR: 'ana', GITHUB_REPOSITORY: 'org/app', GITHUB_SERVER_URL: 'https://github.com' })).toBe(
      'ana https://github.com/org/app/actions/runs/42',
    );
    expect(gateRunner(undefined, { CI_JOB_URL: 'https://gitlab.example/app/-/jobs/7', GITLAB_USER_LOGIN: 'bo' })).toBe(
      'bo https://gitlab.example/app/-/jobs/7',
    );
    expect(gateRunner(undefined, {})).toMatch(/^.+@.+$/);
  });
});

describe('query table output', () => {
  it('aligns columns, numbers to the right, and counts rows', () => {
    expect(
      formatTable(
        ['route', 'pairs'],
        [
          ['/users/:id', '40'],
          ['/orders', '5'],
        ],
      ).split('\n'),
    ).toEqual(['route       pairs', '----------  -----', '/users/:id     40', '/orders         5', '(2 rows)']);
  });
});
