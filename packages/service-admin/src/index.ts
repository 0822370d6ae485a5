export { createAdminServer } from './admin-server.js';
export type { AdminServerOptions, PostHandler } from './admin-server.js';
export { explainListenError, listen, PortInUseError } from './listen.js';
export type { ListenOptions } from './listen.js';
export { runService } from './run-service.js';
export type { RunServiceOptions } from './run-service.js';
