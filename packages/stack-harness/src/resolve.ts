import { join } from 'node:path';
import { dockerEngineAvailable, startContainers } from './containers.js';
import { endpointsFromEnv } from './env.js';
import { findRepoRoot, startLocalStack, stackDir } from './local.js';
import type { ResolvedStack } from './types.js';

export interface ResolveStackOptions {
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default the directory holding pnpm-workspace.yaml above the cwd (or SHADOW_REPO_ROOT) */
  repoRoot?: string;
  /** Skip the Docker probe (e.g. SHADOW_STACK=local). @default from SHADOW_STACK */
  prefer?: 'env' | 'testcontainers' | 'local';
}

/**
 * One way for every integration test to get a stack, in this order:
 * 1. KAFKA_BROKERS + SCHEMA_REGISTRY_URL set: the user's own endpoints (CLICKHOUSE_URL optional);
 * 2. a Docker engine answers: testcontainers;
 * 3. otherwise the local stack from infra/local (started if needed, reused if running).
 * SHADOW_STACK=local|testcontainers forces a path.
 */
export async function resolveStack(options: ResolveStackOptions = {}): Promise<ResolvedStack> {
  const env = options.env ?? process.env;
  const repoRoot = options.repoRoot ?? (env.SHADOW_REPO_ROOT !== undefined && env.SHADOW_REPO_ROOT !== '' ? env.SHADOW_REPO_ROOT : findRepoRoot());
  const prefer = options.prefer ?? (env.SHADOW_STACK as ResolveStackOptions['prefer']);
  const noop = async (): Promise<void> => {};

  if (prefer === undefined || prefer === 'env') {
    const fromEnv = endpointsFromEnv(env, join(stackDir(repoRoot, env), 'data', 'chdb'));
    if (fromEnv !== undefined) return { endpoints: fromEnv, stop: noop };
  }
  if (prefer === 'testcontainers' || (prefer === undefined && (await dockerEngineAvailable()))) {
    return startContainers();
  }
  return { endpoints: await startLocalStack(repoRoot, env), stop: noop };
}
