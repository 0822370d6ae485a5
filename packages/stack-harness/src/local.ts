// The harness's view of the local stack: discovery (the repo root, the stack directory, the env
// file it publishes) is @shadow/local-stack's, which the shipped CLI uses too; this adds what
// only tests do: bring the stack up, and fail loudly where the CLI falls back quietly.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot as findRoot, readLocalStackEnv as readEnv, stackDir } from '@shadow/local-stack';
import { HarnessError } from './errors.js';
import type { StackEndpoints } from './types.js';

export { stackDir };

const run = promisify(execFile);

/** Walks up from `from` to the directory holding pnpm-workspace.yaml (the repo root). */
export function findRepoRoot(from: string = process.cwd()): string {
  const root = findRoot(from);
  if (root === undefined) throw new HarnessError('HARNESS_REPO_ROOT_NOT_FOUND', `no pnpm-workspace.yaml above ${from}; set SHADOW_REPO_ROOT`);
  return root;
}

/** Reads the endpoints a running local stack published in `<stack dir>/env`, or undefined when absent. */
export function readLocalStackEnv(dir: string): StackEndpoints | undefined {
  const endpoints = readEnv(dir);
  return endpoints === undefined ? undefined : { source: 'local', ...endpoints };
}

/**
 * Brings the local stack up (idempotent: a running stack is reused) and returns its endpoints.
 * The first call on a machine downloads the Kafka and registry jars through Maven.
 */
export async function startLocalStack(repoRoot: string, env: Record<string, string | undefined> = process.env): Promise<StackEndpoints> {
  const script = join(repoRoot, 'infra', 'local', 'stack');
  try {
    await run('bash', [script, 'up'], { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new HarnessError('HARNESS_LOCAL_STACK_FAILED', `infra/local/stack up failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
  const endpoints = readLocalStackEnv(stackDir(repoRoot, env));
  if (endpoints === undefined) {
    throw new HarnessError('HARNESS_LOCAL_STACK_FAILED', `infra/local/stack up succeeded but wrote no env file in ${stackDir(repoRoot, env)}`);
  }
  return endpoints;
}
