// @shadow/dashboard: the dashboard service (docs/dashboard.md). Its read queries live in
// @shadow/analysis (explore); this package is config, HTTP server, the page and wiring.
export { dashboardCommand, dashboardLoadOptions, DASHBOARD_OPTIONS, flagsFromAttributes } from './command.js';
export type { DashboardCommand, DashboardCommandIo, DashboardCommandOption, DashboardFlags, DashboardRunOptions } from './command.js';
export {
  ConfigError,
  configSchema,
  DASHBOARD_DEFAULT_PORT,
  dashboardConfig,
  DashboardConfigError,
  FLAGS,
  keyOfFlag,
  loadConfig,
  MAX_WINDOW_MS,
} from './config/config.js';
export type { ConfigKey, DashboardConfig } from './config/config.js';
export { DashboardStartError, startDashboard } from './dashboard.js';
export type { Dashboard, StartDashboardOptions } from './dashboard.js';
export { dashboardService } from './service.js';
