import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseCommandArgv, undocumentedSettings } from '@shadow/service-admin';
import { dashboardCommand } from '../command.js';
import { DASHBOARD_DEFAULT_PORT, dashboardConfig, DashboardConfigError, loadConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
const problems = (env: Record<string, string>, flags: Record<string, string> = {}): readonly string[] => {
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
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: DASHBOARD_DEFAULT_PORT,
      windowMs: 3_600_000,
      refreshMs: 5000,
      criteria: null,
      clickhouse: { mode: 'embedded', path: join(dir, '.stack/data/chdb') },
    });
    expect([9465, 8123, 8080, 9464, 9092, 9093, 8081]).not.toContain(DASHBOARD_DEFAULT_PORT);
  });

  it('flags win over the environment; a URL selects server mode with its credentials', () => {
    const c = loadConfig(
      { DASHBOARD_PORT: '7000', CLICKHOUSE_URL: 'http://a:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p' },
      { DASHBOARD_PORT: '0', CLICKHOUSE_DATABASE: 'shadow' },
      dir,
    );
    expect(c.port).toBe(0);
    expect(c.clickhouse).toEqual({ mode: 'server', url: 'http://a:8123', username: 'u', password: 'p', database: 'shadow' });
    expect(c.clickhouseDescription).toBe('server http://a:8123 (from CLICKHOUSE_URL)');
    // A chDB path given as a flag wins over a URL from the environment; a URL wins at the same level.
    expect(loadConfig({ CLICKHOUSE_URL: 'http://a:8123' }, { CHDB_PATH: 'x' }, dir).clickhouse).toMatchObject({ mode: 'embedded', path: join(dir, 'x') });
  });

  it('names every bad field at once, by flag and variable, with what was given (never a password)', () => {
    const found = problems(
      {
        DASHBOARD_PORT: '70000',
        DASHBOARD_WINDOW: 'forever',
        DASHBOARD_REFRESH: '0s',
        CLICKHOUSE_URL: 'ftp://x',
        CLICKHOUSE_DATABASE: 'a;b',
        LOG_LEVEL: 'loud',
      },
      { DASHBOARD_CRITERIA: 'missing.yaml' },
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DASHBOARD_PORT \(port\): .*got "70000"/),
        expect.stringMatching(/^DASHBOARD_WINDOW \(window\): must be a duration.*got "forever"/),
        expect.stringMatching(/^DASHBOARD_REFRESH \(refresh\): must be between 1s and 600s/),
        expect.stringMatching(/^CLICKHOUSE_URL \(clickhouse\.url\): must be an http/),
        expect.stringMatching(/^CLICKHOUSE_DATABASE \(clickhouse\.database\): must be a database name/),
        expect.stringMatching(/^LOG_LEVEL \(logLevel\)/),
        expect.stringMatching(/^--criteria \(criteria\): cannot read .*missing\.yaml \(not found\)/),
      ]),
    );
    expect(found).toHaveLength(7);
    expect(problems({}, { CLICKHOUSE_URL: 'http://a:1', CHDB_PATH: 'x' })).toEqual([expect.stringMatching(/select different databases/)]);
  });

  it('validates the criteria file at start, naming its bad fields', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'version: 1\nagreement: { min: 0.99 }\n');
    expect(loadConfig({ DASHBOARD_CRITERIA: good }, {}, dir).criteria?.loaded.criteria.agreement?.min).toBe(0.99);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nagreement: { min: 2 }\n');
    expect(problems({ DASHBOARD_CRITERIA: bad })).toEqual([expect.stringMatching(/^DASHBOARD_CRITERIA \(criteria\): .*agreement\.min/)]);
  });

  it("the bin's argv: --flag value and --flag=value keyed by the setting's variable; unknown flags and missing values are problems", () => {
    expect(parseCommandArgv(dashboardCommand, ['--port', '0', '--criteria=gate.yaml'])).toEqual({
      options: { DASHBOARD_PORT: '0', DASHBOARD_CRITERIA: 'gate.yaml' },
      problems: [],
    });
    const { problems: found } = parseCommandArgv(dashboardCommand, ['--prot', '1', 'stray', '--port', '--window']);
    expect(found).toEqual([
      expect.stringMatching(/^--prot: unknown option/),
      expect.stringMatching(/^"stray": unexpected argument/),
      expect.stringMatching(/^--port: needs a value/),
      expect.stringMatching(/^--window: needs a value/),
    ]);
  });

  it('a settings file (DASHBOARD_CONFIG) under variables under flags', () => {
    const file = join(dir, 'dashboard.yaml');
    writeFileSync(file, 'port: 7001\nwindow: 2h\nclickhouse: { url: "http://file:8123", database: shadow }\n');
    const c = loadConfig({ DASHBOARD_CONFIG: file, DASHBOARD_WINDOW: '3h' }, { CHDB_PATH: 'x' }, dir);
    expect(c).toMatchObject({ port: 7001, windowMs: 3 * 3_600_000, clickhouse: { mode: 'embedded', path: join(dir, 'x'), database: 'shadow' } });
    writeFileSync(file, 'prot: 1\n');
    expect(problems({ DASHBOARD_CONFIG: file })).toEqual([expect.stringMatching(/^prot: unknown field/)]);
  });

  it('docs/dashboard.md has a row for every setting: its variable and its file key', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/dashboard.md'), 'utf8');
    expect(undocumentedSettings(dashboardConfig.settings, doc)).toEqual([]);
  });
});
