import { HarnessError } from './errors.js';
import type { ClickHouseEndpoint, StackEndpoints } from './types.js';

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
export function clickhouseFromEnv(env: Record<string, string | undefined>, fallbackPath: string): ClickHouseEndpoint {
  const url = env.CLICKHOUSE_URL;
  if (url !== undefined && url !== '') {
    return {
      mode: 'server',
      url,
      username: env.CLICKHOUSE_USER ?? 'default',
      password: env.CLICKHOUSE_PASSWORD ?? '',
      database: env.CLICKHOUSE_DATABASE ?? 'default',
    };
  }
  return { mode: 'embedded', path: env.CHDB_PATH !== undefined && env.CHDB_PATH !== '' ? env.CHDB_PATH : fallbackPath };
}

/**
 * Endpoints from the process environment when the user points the tests at their own stack.
 * Returns undefined when neither Kafka nor the registry is set; throws when only one of them is,
 * because silently mixing a user's Kafka with another registry would test nothing real.
 */
export function endpointsFromEnv(env: Record<string, string | undefined>, fallbackChdbPath: string): StackEndpoints | undefined {
  const brokers = env.KAFKA_BROKERS;
  const registry = env.SCHEMA_REGISTRY_URL;
  const hasBrokers = brokers !== undefined && brokers !== '';
  const hasRegistry = registry !== undefined && registry !== '';
  if (!hasBrokers && !hasRegistry) return undefined;
  if (!hasBrokers || !hasRegistry) {
    throw new HarnessError(
      'HARNESS_ENV_INCOMPLETE',
      `KAFKA_BROKERS and SCHEMA_REGISTRY_URL must be set together (got ${hasBrokers ? 'KAFKA_BROKERS only' : 'SCHEMA_REGISTRY_URL only'})`,
    );
  }
  return {
    source: 'env',
    kafkaBrokers: (brokers as string).split(',').map((b) => b.trim()).filter((b) => b !== ''),
    schemaRegistryUrl: (registry as string).replace(/\/+$/, ''),
    clickhouse: clickhouseFromEnv(env, fallbackChdbPath),
  };
}
