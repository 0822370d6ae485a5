// Where the Kafka brokers come from, in order: `--brokers`, `KAFKA_BROKERS`, the env file the local
// stack writes on `up` (`$STACK_DIR/env`, default `<repo>/.stack/env`, found by walking up from
// the working directory to the workspace root). The first that yields brokers wins, and the
// command prints which one it used, so a command never talks to a cluster the user did not expect
// without saying so.
import { localStackDir, readLocalStackEnv } from '@shadow/local-stack';
import { Kafka, logLevel } from 'kafkajs';
import type { CliIo } from './io.js';
import { CliError, EXIT } from './io.js';

export interface BrokerSource {
  readonly brokers: readonly string[];
  /** `--brokers`, `KAFKA_BROKERS` or the path of the local stack's env file. */
  readonly from: string;
}

const BROKER = /^[A-Za-z0-9._-]+:\d{1,5}$/;

function parseBrokers(text: string, from: string): BrokerSource {
  const brokers = text
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const bad = brokers.find((b) => !BROKER.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new CliError(`${from} must be a comma-separated list of host:port, got "${text}"`, EXIT.usage);
  }
  return { brokers, from };
}

export function resolveBrokers(flag: string | undefined, io: CliIo): BrokerSource {
  if (flag !== undefined) return parseBrokers(flag, '--brokers');
  const env = io.env['KAFKA_BROKERS'];
  if (env !== undefined && env !== '') return parseBrokers(env, 'KAFKA_BROKERS');
  const dir = localStackDir(io.cwd, io.env);
  const local = dir === undefined ? undefined : readLocalStackEnv(dir);
  if (local !== undefined && local.kafkaBrokers.length > 0) return { brokers: local.kafkaBrokers, from: `${dir}/env (local stack)` };
  throw new CliError('no Kafka brokers: pass --brokers host:port[,host:port], set KAFKA_BROKERS, or start the local stack (npm run stack up)', EXIT.usage);
}

export function kafkaFor(source: BrokerSource, timeoutMs: number): Kafka {
  return new Kafka({
    clientId: 'shadow-cli',
    brokers: [...source.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 5_000),
    requestTimeout: timeoutMs,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
}

/** The schema registry: `--schema-registry-url`, else `SCHEMA_REGISTRY_URL`, else the local stack's env file. */
export function resolveRegistry(flag: string | undefined, io: CliIo): { url: string; from: string } {
  const check = (url: string, from: string): { url: string; from: string } => {
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol))
      throw new CliError(`${from} must be an http:// or https:// URL, got "${url}"`, EXIT.usage);
    return { url, from };
  };
  if (flag !== undefined) return check(flag, '--schema-registry-url');
  const env = io.env['SCHEMA_REGISTRY_URL'];
  if (env !== undefined && env !== '') return check(env, 'SCHEMA_REGISTRY_URL');
  const dir = localStackDir(io.cwd, io.env);
  const local = dir === undefined ? undefined : readLocalStackEnv(dir);
  if (local !== undefined) return { url: local.schemaRegistryUrl, from: `${dir}/env (local stack)` };
  throw new CliError('no schema registry: pass --schema-registry-url, set SCHEMA_REGISTRY_URL, or start the local stack (npm run stack up)', EXIT.usage);
}
