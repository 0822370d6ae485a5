import { HarnessError } from './errors.js';
import { clickhouseFromEnv, parseEnvFile } from '@shadow/local-stack';
import type { StackEndpoints } from './types.js';

export { clickhouseFromEnv, parseEnvFile };

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
    kafkaBrokers: (brokers as string)
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== ''),
    schemaRegistryUrl: (registry as string).replace(/\/+$/, ''),
    clickhouse: clickhouseFromEnv(env, fallbackChdbPath),
  };
}
