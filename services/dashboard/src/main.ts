#!/usr/bin/env node
// Entry point: `node dist/main.js [--port 9480] [--criteria gate.yaml] [--clickhouse-url URL] ...`
// (flags over environment variables, docs/dashboard.md). Bad settings exit 2 naming every one;
// a failure to start (port taken, ClickHouse unreachable) exits 1; SIGTERM/SIGINT stop it.
import { runService } from '@shadow/service-admin';
import { DASHBOARD_OPTIONS } from './command.js';
import { DashboardConfigError, loadConfig, parseArgv } from './config/config.js';
import { startDashboard } from './dashboard.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  const width = Math.max(...DASHBOARD_OPTIONS.map((o) => `${o.flag} <${o.value}>`.length));
  process.stdout.write(`usage: shadow-dashboard [options]\n\n${DASHBOARD_OPTIONS.map((o) => `  ${`${o.flag} <${o.value}>`.padEnd(width)}  ${o.description}`).join('\n')}\n`);
  process.exit(0);
}

await runService({
  name: 'dashboard',
  load: () => {
    const { values, problems } = parseArgv(argv);
    try {
      const config = loadConfig(process.env, values);
      if (problems.length > 0) throw new DashboardConfigError(problems);
      return config;
    } catch (error) {
      if (error instanceof DashboardConfigError && problems.length > 0 && error.problems !== problems) throw new DashboardConfigError([...problems, ...error.problems]);
      throw error;
    }
  },
  isConfigError: (err) => err instanceof DashboardConfigError,
  logLevel: (config) => config.logLevel,
  start: (config, logger) => startDashboard(config, logger),
});
