import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ContractsError } from '../errors.js';
import type { SchemaRegistryOptions } from './options.js';

/**
 * A schema-registry client for RecordSerde. One per process is enough: it caches schemas by id.
 * Network failures are retried by the client a few times (~1 s) before surfacing as
 * CONTRACTS_REGISTRY_UNAVAILABLE.
 */
export function createSchemaRegistry(options: SchemaRegistryOptions): SchemaRegistry {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (error) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `schema registry url "${options.url}" is not a valid URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `schema registry url must use http: or https:, got "${url.protocol}"`);
  }
  return new SchemaRegistry({
    host: options.url.replace(/\/+$/, ''),
    clientId: options.clientId ?? 'shadow-contracts',
    ...(options.auth ? { auth: options.auth } : {}),
  });
}

export type { SchemaRegistry };
