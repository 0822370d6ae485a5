#!/usr/bin/env node
// Entry point: `node dist/main.js [--port 9480] [--criteria gate.yaml] [--clickhouse-url URL] ...`
// (flags over variables over a DASHBOARD_CONFIG file, docs/dashboard.md). Bad settings exit 2
// naming every one; a failure to start (port taken, ClickHouse unreachable) exits 1; SIGTERM/SIGINT
// stop it.
import { commandHelp, ConfigError, loadConfig, parseCommandArgv, processIo, serve } from '@shadow/service-admin';
import { dashboardCommand, dashboardLoadOptions } from './command.js';
import type { DashboardFlags } from './command.js';
import { dashboardConfig } from './config/config.js';
import { dashboardService } from './service.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(commandHelp(dashboardCommand, 'shadow-dashboard [options]'));
  process.exit(0);
}

const io = processIo();
const { options, problems } = parseCommandArgv(dashboardCommand, argv);
const load = dashboardLoadOptions(options as DashboardFlags, io);
if (problems.length > 0) {
  // Every problem at once: the command line's and the settings'.
  let more: readonly string[] = [];
  try {
    loadConfig(dashboardConfig, load);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    more = error.problems;
  }
  io.err(new ConfigError('dashboard', [...problems, ...more]).message);
  process.exit(2);
}
const { env: _env, cwd: _cwd, ...serveOptions } = load;
process.exit(await serve(dashboardService, serveOptions, io));
