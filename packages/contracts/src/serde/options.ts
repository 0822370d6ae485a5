import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { RecordContract } from '../schema/record-contract.js';

/** Compatibility levels a subject can be pinned to when this package first registers it. */
export const COMPATIBILITY_LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface SchemaRegistryOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://registry:8081` or Apicurio's `.../apis/ccompat/v7`. */
  url: string;
  /** Sent as the client id header. @default 'shadow-contracts' */
  clientId?: string;
  /** HTTP basic auth. @default none */
  auth?: { username: string; password: string };
  /** Per-request timeout; the client has none of its own. @default 10000 */
  timeoutMs?: number;
}

export interface RecordSerdeOptions<T> {
  /** A registry client from createSchemaRegistry (share one per process: it caches schemas by id). */
  registry: SchemaRegistry;
  /** The record contract: writer schema for encode, reader schema for decode. */
  contract: RecordContract<T>;
  /** Registry subject of the writer schema, normally `subjectFor(topic)`. */
  subject: string;
  /**
   * Register the writer schema when the subject does not have it yet. With false, init() only looks
   * it up and fails with CONTRACTS_SCHEMA_NOT_FOUND (for registries where only CI may register).
   * @default true
   */
  autoRegister?: boolean;
  /**
   * Compatibility level set on the subject when this serde registers its first version. A subject
   * that already has a different level makes registration fail with
   * CONTRACTS_SUBJECT_COMPATIBILITY_MISMATCH (a lookup of an already registered schema still works).
   * @default 'BACKWARD'
   */
  compatibility?: CompatibilityLevel;
}
