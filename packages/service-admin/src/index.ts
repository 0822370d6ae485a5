export { createAdminServer } from './admin-server.js';
export type { AdminServerOptions, PostHandler } from './admin-server.js';
export { runService } from './run-service.js';
export type { RunServiceOptions } from './run-service.js';
