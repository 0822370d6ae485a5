import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DEFAULT_PORT, DashboardConfigError, loadConfig, parseArgv } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
const problems = (env: Record<string, string>, flags: Record<string, string> = {}): string[] => {
  try {
    loadConfig(env, flags, dir);
  } catch (error) {
    if (error instanceof DashboardConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('dashboard configuration', () => {
  it('defaults: loopback, its own port, 1h window, 5s refresh, embedded chDB under the working directory', () => {
    const c = loadConfig({}, {}, dir);
    expect(c).toMatchObject({ host: '127.0.0.1', port: DASHBOARD_DEFAULT_PORT, windowMs: 3_600_000, refreshMs: 5000, criteria: null, clickhouse: { mode: 'embedded', path: join(dir, '.stack/data/chdb') } });
    expect([9465, 8123, 8080, 9464, 9092, 9093, 8081]).not.toContain(DASHBOARD_DEFAULT_PORT);
  });

  it('flags win over the environment; a URL selects server mode with its credentials', () => {
    const c = loadConfig({ DASHBOARD_PORT: '7000', CLICKHOUSE_URL: 'http://a:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p' }, { DASHBOARD_PORT: '0', CLICKHOUSE_DATABASE: 'shadow' }, dir);
    expect(c.port).toBe(0);
    expect(c.clickhouse).toEqual({ mode: 'server', url: 'http://a:8123', username: 'u', password: 'p', database: 'shadow' });
    expect(c.clickhouseDescription).toBe('server http://a:8123 (from CLICKHOUSE_URL)');
    expect(loadConfig({ CLICKHOUSE_URL: 'http://a:8123' }, { CHDB_PATH: 'x' }, dir).clickhouse).toMatchObject({ mode: 'embedded', path: join(dir, 'x') });
  });

  it('names every bad field at once, by flag and variable, with what was given (never a password)', () => {
    const found = problems({ DASHBOARD_PORT: '70000', DASHBOARD_WINDOW: 'forever', DASHBOARD_REFRESH: '0s', CLICKHOUSE_URL: 'ftp://x', CLICKHOUSE_DATABASE: 'a;b', LOG_LEVEL: 'loud' }, { DASHBOARD_CRITERIA: 'missing.yaml' });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^--port \(DASHBOARD_PORT\): .*got "70000"/),
      expect.stringMatching(/^--window \(DASHBOARD_WINDOW\): must be a duration.*got "forever"/),
      expect.stringMatching(/^--refresh \(DASHBOARD_REFRESH\): must be between 1s and 600s/),
      expect.stringMatching(/^--clickhouse-url \(CLICKHOUSE_URL\): must be an http/),
      expect.stringMatching(/^--database \(CLICKHOUSE_DATABASE\): must be a database name/),
      expect.stringMatching(/^--log-level \(LOG_LEVEL\)/),
      expect.stringMatching(/^--criteria \(DASHBOARD_CRITERIA\): cannot read .*missing\.yaml \(not found\)/),
    ]));
    expect(found).toHaveLength(7);
    expect(problems({}, { CLICKHOUSE_URL: 'http://a:1', CHDB_PATH: 'x' })).toEqual([expect.stringMatching(/select different databases/)]);
  });

  it('validates the criteria file at start, naming its bad fields', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'version: 1\nagreement: { min: 0.99 }\n');
    expect(loadConfig({ DASHBOARD_CRITERIA: good }, {}, dir).criteria?.loaded.criteria.agreement?.min).toBe(0.99);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nagreement: { min: 2 }\n');
    expect(problems({ DASHBOARD_CRITERIA: bad })).toEqual([expect.stringMatching(/^--criteria \(DASHBOARD_CRITERIA\): .*agreement\.min/)]);
  });

  it('parseArgv: --flag value and --flag=value; unknown flags and missing values are problems', () => {
    expect(parseArgv(['--port', '0', '--criteria=gate.yaml'])).toEqual({ values: { DASHBOARD_PORT: '0', DASHBOARD_CRITERIA: 'gate.yaml' }, problems: [] });
    const { problems: found } = parseArgv(['--prot', '1', 'stray', '--port', '--window']);
    expect(found).toEqual([expect.stringMatching(/^--prot: unknown option/), expect.stringMatching(/^"stray": unexpected argument/), expect.stringMatching(/^--port \(DASHBOARD_PORT\): needs a value/), expect.stringMatching(/^--window \(DASHBOARD_WINDOW\): needs a value/)]);
  });
});
