import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseEnvFile, clickhouseFromEnv } from './env.js';
import { HarnessError } from './errors.js';
import type { StackEndpoints } from './types.js';

const run = promisify(execFile);

/** Walks up from `from` to the directory holding pnpm-workspace.yaml (the repo root). */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new HarnessError('HARNESS_REPO_ROOT_NOT_FOUND', `no pnpm-workspace.yaml above ${from}; set SHADOW_REPO_ROOT`);
    }
    dir = parent;
  }
}

export function stackDir(repoRoot: string, env: Record<string, string | undefined> = process.env): string {
  return env.STACK_DIR !== undefined && env.STACK_DIR !== '' ? resolve(env.STACK_DIR) : join(repoRoot, '.stack');
}

/** Reads the endpoints a running local stack published in `<stack dir>/env`, or undefined when absent. */
export function readLocalStackEnv(dir: string): StackEndpoints | undefined {
  const file = join(dir, 'env');
  if (!existsSync(file)) return undefined;
  const vars = parseEnvFile(readFileSync(file, 'utf8'));
  const brokers = vars.KAFKA_BROKERS;
  const registry = vars.SCHEMA_REGISTRY_URL;
  if (brokers === undefined || registry === undefined) return undefined;
  return {
    source: 'local',
    kafkaBrokers: brokers.split(',').filter((b) => b !== ''),
    schemaRegistryUrl: registry.replace(/\/+$/, ''),
    clickhouse: clickhouseFromEnv({ CHDB_PATH: vars.CHDB_PATH }, join(dir, 'data', 'chdb')),
  };
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
