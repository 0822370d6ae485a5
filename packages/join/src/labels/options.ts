import type { ClickHouse } from '@shadow/clickhouse';
import { topicPrefixProblem } from '@shadow/contracts';
import type { SchemaRegistry } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import { JoinError } from '../errors.js';
import type { JoinLogger } from '../logger.js';
import { SILENT_LOGGER } from '../logger.js';
import type { InsertFn } from '../writer/batch-writer.js';

export interface LabelIngesterHooks {
  /** Rows inserted (after the insert, before the commit). */
  onLanded?(rows: number): void;
  /** A record sent to the dead-letter topic; reason is 'undecodable' or 'invalid_label'. */
  onDeadLetter?(topic: string, reason: 'undecodable' | 'invalid_label'): void;
  onRetry?(error: Error, attempt: number): void;
}

export interface LabelIngesterOptions {
  kafka: Kafka;
  registry: SchemaRegistry;
  clickhouse: ClickHouse;
  /** Consumer group of the labels topic, apart from the pair join's group. @default 'shadow-joiner-labels' */
  groupId?: string;
  /** Prefix of every topic name (topicNames(prefix)). @default '' */
  topicPrefix?: string;
  /** Table the rows land in. @default 'labels' */
  table?: string;
  /** Read from the earliest offset when the group has no committed offset. @default true */
  fromBeginning?: boolean;
  /** @default 30000 */
  sessionTimeoutMs?: number;
  /** First back-off after a failed insert; doubles up to retryMaxMs. @default 200 */
  retryInitialMs?: number;
  /** @default 5000 */
  retryMaxMs?: number;
  /** @default silent */
  logger?: JoinLogger;
  hooks?: LabelIngesterHooks;
  /** Replaces the ClickHouse insert (tests). */
  insert?: InsertFn;
}

export type ResolvedLabelIngesterOptions = Readonly<Required<Omit<LabelIngesterOptions, 'insert'>> & { insert: InsertFn | undefined }>;

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function resolveLabelIngesterOptions(o: LabelIngesterOptions): ResolvedLabelIngesterOptions {
  const bad = (field: string, what: string): never => {
    throw new JoinError('JOIN_INVALID_OPTIONS', `labels.${field}: ${what}`);
  };
  if (o.kafka === undefined || o.kafka === null) bad('kafka', 'a kafkajs Kafka instance is required');
  if (o.registry === undefined || o.registry === null) bad('registry', 'a schema registry client (createSchemaRegistry) is required');
  if (o.clickhouse === undefined || o.clickhouse === null) bad('clickhouse', 'a ClickHouse from createClickHouse is required');
  const prefixProblem = topicPrefixProblem(o.topicPrefix ?? '');
  if (prefixProblem !== null) bad('topicPrefix', prefixProblem);
  const resolved = {
    kafka: o.kafka,
    registry: o.registry,
    clickhouse: o.clickhouse,
    groupId: o.groupId ?? 'shadow-joiner-labels',
    topicPrefix: o.topicPrefix ?? '',
    table: o.table ?? 'labels',
    fromBeginning: o.fromBeginning ?? true,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
    retryInitialMs: o.retryInitialMs ?? 200,
    retryMaxMs: o.retryMaxMs ?? 5000,
    logger: o.logger ?? SILENT_LOGGER,
    hooks: o.hooks ?? {},
    insert: o.insert,
  };
  if (resolved.groupId === '') bad('groupId', 'expected a non-empty consumer group id');
  if (!TABLE.test(resolved.table)) bad('table', `expected a table name, got ${JSON.stringify(resolved.table)}`);
  for (const f of ['sessionTimeoutMs', 'retryInitialMs', 'retryMaxMs'] as const) {
    if (!Number.isInteger(resolved[f]) || resolved[f] <= 0) bad(f, `expected a positive integer, got ${String(resolved[f])}`);
  }
  return Object.freeze(resolved);
}
