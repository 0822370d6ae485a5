export { createAdminServer } from './admin-server.js';
export type { AdminServerOptions, PostHandler } from './admin-server.js';
