export { resolveStack } from './resolve.js';
export type { ResolveStackOptions } from './resolve.js';
export { endpointsFromEnv, parseEnvFile, clickhouseFromEnv } from './env.js';
export { findRepoRoot, readLocalStackEnv, startLocalStack, stackDir } from './local.js';
export { dockerEngineAvailable, startContainers, containerImages } from './containers.js';
export { uniqueName, uniqueIdent, perProcessClickHouse } from './testing.js';
export { HarnessError, HarnessErrorCodes } from './errors.js';
export type { HarnessErrorCode } from './errors.js';
export type { StackEndpoints, StackSource, ClickHouseEndpoint, ResolvedStack } from './types.js';
