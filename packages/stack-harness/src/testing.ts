// Unique names for everything a test creates (topics, groups, subjects), so tests never share state.
import { randomUUID } from 'node:crypto';

/** A name unique across tests, runs and workers: `${prefix}-<uuid>` (Kafka topic, group, subject). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
