import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ContractsError } from '../errors.js';
import type { SchemaRegistryOptions } from './options.js';

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

// The client has no request timeout by default: a registry that accepts the connection and never
// answers would hang init() (and everything waiting on it) forever.
function requestTimeout(timeoutMs: number): RegistryMiddleware {
  return () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: timeoutMs });
    },
  });
}

/**
 * A schema-registry client for RecordSerde. One per process is enough: it caches schemas by id.
 * Network failures and requests slower than `timeoutMs` are retried by the client a few times
 * before surfacing as CONTRACTS_REGISTRY_UNAVAILABLE.
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
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `schema registry timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  }
  return new SchemaRegistry({
    host: options.url.replace(/\/+$/, ''),
    clientId: options.clientId ?? 'shadow-contracts',
    ...(options.auth ? { auth: options.auth } : {}),
    middlewares: [requestTimeout(timeoutMs)],
  });
}

export type { SchemaRegistry };
