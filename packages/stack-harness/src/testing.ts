// Small helpers every integration test uses: unique names and per-process chDB paths.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseEndpoint } from './types.js';

/** A name unique across tests, runs and workers: `${prefix}-<uuid>` (Kafka topic, group, subject). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A unique identifier usable as a ClickHouse database/table name (no dashes). */
export function uniqueIdent(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/**
 * chDB allows one engine per process on one path, and vitest runs test files in several
 * processes: each process gets its own directory under the stack's chDB root.
 */
export function perProcessClickHouse(endpoint: ClickHouseEndpoint): ClickHouseEndpoint {
  if (endpoint.mode !== 'embedded') return endpoint;
  const path = join(endpoint.path, `proc-${process.pid}`);
  mkdirSync(path, { recursive: true });
  return { mode: 'embedded', path };
}
