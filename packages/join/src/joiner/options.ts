import type { ClickHouse } from '@shadow/clickhouse';
import { topicPrefixProblem } from '@shadow/contracts';
import type { SchemaRegistry } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import { JoinError } from '../errors.js';
import type { PairComparer } from '../compare/types.js';
import type { JoinLogger } from '../logger.js';
import type { InsertFn } from '../writer/batch-writer.js';

/** Events the service turns into metrics (libraries do not import prom-client). */
export interface JoinerHooks {
  /**
   * A batch landed: its pair rows by challenger role, diff rows, unmatched rows by reason, live
   * exchanges by what became of them per challenger (replayed, no_result, sampled_out, not_replayed).
   */
  onLanded?: (e: {
    pairsByRole: ReadonlyMap<string, number>;
    diffs: number;
    unmatchedByReason: ReadonlyMap<string, number>;
    capturesByStatus: ReadonlyMap<string, number>;
    rows: number;
    bytes: number;
    durationMs: number;
    attempts: number;
  }) => void;
  /** Every result of a historical run on one partition has landed (its drained `runs` row is queued). */
  onRunDrained?: (runId: string, partition: number) => void;
  onRetry?: (attempt: number) => void;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /** Joined exchanges being compared with a judge, and waiting to be (sampled when the count changes). */
  onJudging?: (e: { readonly judging: number; readonly waiting: number }) => void;
  /** A record sent to the dead-letter topic; reason is 'undecodable' or 'null_value' (a tombstone). */
  onDeadLetter?: (topic: string, reason: string) => void;
  onCommitted?: (offsets: number) => void;
}

export interface JoinerOptions {
  readonly kafka: Kafka;
  /** Schema registry client (createSchemaRegistry). */
  readonly registry: SchemaRegistry;
  readonly clickhouse: ClickHouse;
  /** Consumer group id. @default 'shadow-joiner' */
  readonly groupId?: string;
  /** Topic prefix (topicNames(prefix)). @default '' */
  readonly topicPrefix?: string;
  /**
   * challengerIds a live exchange waits for (candidates and secondaries). Required, non-empty. A
   * historical run's entry waits for the challengers its results name instead (any id).
   */
  readonly challengers: readonly string[];
  /** Incomplete entries become unmatched after this long. @default 30000 */
  readonly windowMs?: number;
  /** Complete entries wait this long for trailing side effects. @default 2000 */
  readonly sideEffectGraceMs?: number;
  /** Bound on open entries (oldest expire first, counted). @default 200000 */
  readonly maxOpenEntries?: number;
  /** Pair + unmatched rows per batch; up to three batches are held (memory bound). @default 10000 */
  readonly batchMaxRows?: number;
  /** @default 16 MiB */
  readonly batchMaxBytes?: number;
  /** @default 1000 */
  readonly batchMaxDelayMs?: number;
  /** @default 200 */
  readonly retryInitialMs?: number;
  /** @default 5000 */
  readonly retryMaxMs?: number;
  /** Fraction of agreeing pairs whose bodies are stored. @default 0.01 */
  readonly bodySampleRate?: number;
  /** Stored bodies are cut at this many bytes. @default 65536 */
  readonly maxBodyBytes?: number;
  /** Kafka session timeout: how long a dead instance keeps its partitions. @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** Where a new group starts. @default true (earliest) */
  readonly fromBeginning?: boolean;
  /** @default sharedComparer() (@shadow/compare with its default options) */
  readonly comparer?: PairComparer;
  /**
   * With a judge (the comparer has compareExchangeAsync): joined exchanges compared at once. More
   * wait in the joiner (not yet sent to a judge, so not yet on a judge's clock); consumption pauses
   * while this many are being compared and as many more wait. Keep it at most the judges' maxQueue,
   * or a judge refuses the excess as not_run (overloaded). @default 256
   */
  readonly maxJudgingEntries?: number;
  /** Replaces the ClickHouse insert (tests inject failures at the writer boundary). */
  readonly insert?: InsertFn;
  /** @default silent */
  readonly logger?: JoinLogger;
  readonly hooks?: JoinerHooks;
}

export interface ResolvedJoinerOptions extends Required<Omit<JoinerOptions, 'comparer' | 'insert' | 'logger' | 'hooks'>> {
  readonly comparer: PairComparer | undefined;
  readonly insert: InsertFn | undefined;
  readonly logger: JoinLogger | undefined;
  readonly hooks: JoinerHooks;
}

function bad(field: string, expected: string, got: unknown): JoinError {
  return new JoinError('JOIN_INVALID_OPTIONS', `Invalid joiner option "${field}": expected ${expected}; got ${JSON.stringify(got)}`);
}

function positiveInt(field: string, value: unknown, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw bad(field, `an integer >= ${min}`, v);
  return v;
}

/** Applies defaults and validates; throws JOIN_INVALID_OPTIONS naming the field. */
export function resolveJoinerOptions(o: JoinerOptions): ResolvedJoinerOptions {
  if (!Array.isArray(o.challengers) || o.challengers.length === 0 || o.challengers.some((c) => typeof c !== 'string' || c === '')) {
    throw bad('challengers', 'a non-empty list of challenger ids', o.challengers);
  }
  const rate = o.bodySampleRate ?? 0.01;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw bad('bodySampleRate', 'a number in 0..1', rate);
  const prefixProblem = topicPrefixProblem(o.topicPrefix ?? '');
  if (prefixProblem !== null) throw new JoinError('JOIN_INVALID_OPTIONS', `Invalid joiner option "topicPrefix": ${prefixProblem}`);
  return Object.freeze({
    kafka: o.kafka,
    registry: o.registry,
    clickhouse: o.clickhouse,
    groupId: o.groupId ?? 'shadow-joiner',
    topicPrefix: o.topicPrefix ?? '',
    challengers: Object.freeze([...new Set(o.challengers)]),
    windowMs: positiveInt('windowMs', o.windowMs, 30_000),
    sideEffectGraceMs: positiveInt('sideEffectGraceMs', o.sideEffectGraceMs, 2000, 0),
    maxOpenEntries: positiveInt('maxOpenEntries', o.maxOpenEntries, 200_000),
    batchMaxRows: positiveInt('batchMaxRows', o.batchMaxRows, 10_000),
    batchMaxBytes: positiveInt('batchMaxBytes', o.batchMaxBytes, 16 * 1024 * 1024),
    batchMaxDelayMs: positiveInt('batchMaxDelayMs', o.batchMaxDelayMs, 1000),
    retryInitialMs: positiveInt('retryInitialMs', o.retryInitialMs, 200),
    retryMaxMs: positiveInt('retryMaxMs', o.retryMaxMs, 5000),
    bodySampleRate: rate,
    maxBodyBytes: positiveInt('maxBodyBytes', o.maxBodyBytes, 65_536, 0),
    sessionTimeoutMs: positiveInt('sessionTimeoutMs', o.sessionTimeoutMs, 30_000, 6000),
    fromBeginning: o.fromBeginning ?? true,
    comparer: o.comparer,
    maxJudgingEntries: positiveInt('maxJudgingEntries', o.maxJudgingEntries, 256),
    insert: o.insert,
    logger: o.logger,
    hooks: o.hooks ?? {},
  });
}
