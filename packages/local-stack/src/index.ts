export { clickhouseFromEnv, findLocalStack, findRepoRoot, localStackDir, parseEnvFile, readLocalStackEnv, stackDir } from './local-stack.js';
export type { Env, LocalClickHouse, LocalStackEndpoints } from './local-stack.js';
