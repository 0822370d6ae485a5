// Where a checkout's local stack published its endpoints (`bash infra/local/stack up` writes
// `<stack dir>/env`): the CLI's last fallback for Kafka, the registry and chDB when nothing else
// names them, and what the test harness reads too. Plain file reads: shipping it costs the CLI no
// test tooling. Its own package with no dependencies, so the service shell (which the CLI ships)
// and the test harness (with testcontainers) both build on it without depending on each other.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variables as read (process.env or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

export type LocalClickHouse = { mode: 'embedded'; path: string } | { mode: 'server'; url: string; username: string; password: string; database: string };

export interface LocalStackEndpoints {
  kafkaBrokers: string[];
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  schemaRegistryUrl: string;
  clickhouse: LocalClickHouse;
}

/** The directory holding pnpm-workspace.yaml above `from` (the repo root), or undefined outside a checkout. */
export function findRepoRoot(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `$STACK_DIR`, else `<repo>/.stack`. */
export function stackDir(repoRoot: string, env: Env = process.env): string {
  const dir = env['STACK_DIR'];
  return dir !== undefined && dir !== '' ? resolve(dir) : join(repoRoot, '.stack');
}

/** Parses a KEY=VALUE env file (the format `infra/local/stack up` writes). Lines starting with # are ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value[0] as string)) {
      value = value.slice(1, -1);
    }
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}

/** ClickHouse from env: CLICKHOUSE_URL selects server mode, else CHDB_PATH (or the fallback) is embedded. */
export function clickhouseFromEnv(env: Env, fallbackPath: string): LocalClickHouse {
  const url = env['CLICKHOUSE_URL'];
  if (url !== undefined && url !== '') {
    return {
      mode: 'server',
      url,
      username: env['CLICKHOUSE_USER'] ?? 'default',
      password: env['CLICKHOUSE_PASSWORD'] ?? '',
      database: env['CLICKHOUSE_DATABASE'] ?? 'default',
    };
  }
  const path = env['CHDB_PATH'];
  return { mode: 'embedded', path: path !== undefined && path !== '' ? path : fallbackPath };
}

/** The endpoints a running local stack published in `<dir>/env`, or undefined when absent. */
export function readLocalStackEnv(dir: string): LocalStackEndpoints | undefined {
  const file = join(dir, 'env');
  if (!existsSync(file)) return undefined;
  const vars = parseEnvFile(readFileSync(file, 'utf8'));
  const brokers = vars['KAFKA_BROKERS'];
  const registry = vars['SCHEMA_REGISTRY_URL'];
  if (brokers === undefined || registry === undefined) return undefined;
  return {
    kafkaBrokers: brokers.split(',').filter((b) => b !== ''),
    schemaRegistryUrl: registry.replace(/\/+$/, ''),
    clickhouse: clickhouseFromEnv({ CHDB_PATH: vars['CHDB_PATH'] }, join(dir, 'data', 'chdb')),
  };
}

/** The stack directory seen from `cwd`: its checkout's `.stack` (or `$STACK_DIR`), `$STACK_DIR` outside a checkout, else undefined. */
export function localStackDir(cwd: string, env: Env): string | undefined {
  const root = findRepoRoot(cwd);
  if (root !== undefined) return stackDir(root, env);
  const dir = env['STACK_DIR'];
  return dir === undefined || dir === '' ? undefined : resolve(dir);
}

/**
 * The local stack seen from `cwd` (its checkout's `.stack`, or `$STACK_DIR`), with where it was
 * read; undefined outside a checkout or when the stack is not up.
 */
export function findLocalStack(cwd: string, env: Env): { endpoints: LocalStackEndpoints; dir: string; from: string } | undefined {
  const dir = localStackDir(cwd, env);
  if (dir === undefined) return undefined;
  const endpoints = readLocalStackEnv(dir);
  return endpoints === undefined ? undefined : { endpoints, dir, from: `${dir}/env (local stack)` };
}
