export { createQueryEndpoint } from './query-endpoint.js';
export { DEFAULT_QUERY_ENDPOINT_LIMITS, resolveQueryEndpointOptions } from './options.js';
export type { QueryEndpointLimits, QueryEndpointOptions, QueryEndpointRoute, ResolvedQueryEndpointOptions } from './options.js';
export type { QueryEndpoint, QueryEndpointStats } from './types.js';
export { BLOCKED_TABLE_FUNCTIONS, BLOCKED_TABLE_FUNCTION_PREFIXES, PROTECTED_SETTINGS, READ_ONLY_STATEMENTS, checkReadOnlyQuery } from './sql-guard.js';
export type { GuardVerdict } from './sql-guard.js';
export type { ServerException } from './server-exception.js';
