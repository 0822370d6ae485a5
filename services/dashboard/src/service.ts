// The dashboard as the service shell runs it from its bin: config (file, variables, the bin's
// flags), start, stop on SIGTERM/SIGINT. `shadow dashboard` runs dashboardCommand instead, which
// prints the URL for a person at a terminal.
import type { ServiceDefinition } from '@shadow/service-admin';
import type { DashboardConfig } from './config/config.js';
import { dashboardConfig } from './config/config.js';
import { startDashboard } from './dashboard.js';

export const dashboardService: ServiceDefinition<DashboardConfig> = Object.freeze({
  name: 'dashboard',
  description: 'the dashboard: verdicts, agreement and latency over time, differing paths, pairs side by side (docs/dashboard.md)',
  config: dashboardConfig,
  logLevel: (config: DashboardConfig) => config.logLevel,
  start: (config: DashboardConfig, logger: Parameters<typeof startDashboard>[1]) => startDashboard(config, logger),
});
