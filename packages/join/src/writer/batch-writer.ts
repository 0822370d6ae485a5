// Batches rows for ClickHouse and lands them at least once. A batch is sealed by rows,
// bytes or age; sealed batches are inserted (up to maxInFlight at once; pairs, pair_diffs, unmatched,
// capture_events, runs), retried
// with capped exponential backoff for as long as ClickHouse refuses them, and only an acknowledged
// batch hands its offset slots back (onLanded), so the joiner never commits past unlanded data.
// While a batch is retrying, new rows keep filling the next one up to maxBufferedRows; then
// waitForCapacity() blocks the consumer's batch handler, which is how consumption pauses.
import type { ClickHouse } from '@shadow/clickhouse';
import { JoinError, toJoinError } from '../errors.js';
import type { JoinLogger } from '../logger.js';
import type { RowSet, UnmatchedRow } from '../rows/types.js';
import type { OffsetSlot } from '../state/offset-tracker.js';

/** Inserts rows into one table; the default goes through @clickhouse/client. Tests wrap it to fail. */
export type InsertFn = (table: string, rows: readonly object[]) => Promise<void>;

/**
 * The default insert. On embedded chDB the rows go as one JSONCompactEachRow Buffer (a JSON array of
 * values per row, the column names once) that the engine reads in place; about a third of the CPU of
 * @clickhouse/client's JSONEachRow path, which writes every key of every row and copies the payload
 * twice (docs/benchmarks.md, issue 20). On a server, @clickhouse/client.
 */
export function rowsInserter(clickhouse: ClickHouse): InsertFn {
  const { client, insertRaw } = clickhouse;
  if (insertRaw !== undefined) {
    return async (table, rows) => {
      const columns = Object.keys(rows[0] ?? {});
      const body = compactRows(rows as readonly Record<string, unknown>[], columns);
      if (body === undefined) await insertRaw(table, Buffer.from(JSON.stringify(rows)), 'JSONEachRow');
      else await insertRaw(table, body, 'JSONCompactEachRow', columns);
    };
  }
  return async (table, rows) => {
    await client.insert({ table, values: rows as object[], format: 'JSONEachRow' });
  };
}

/**
 * One line per row, the values in `columns` order; undefined when a row has other keys than the
 * first or an undefined value (rows of one table come from one builder, so this is a guard: JSONEachRow,
 * which leaves such columns at their defaults, then carries the batch).
 */
function compactRows(rows: readonly Record<string, unknown>[], columns: readonly string[]): Buffer | undefined {
  const lines = new Array<string>(rows.length);
  const values = new Array<unknown>(columns.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    let own = 0;
    for (const _ in row) own++;
    if (own !== columns.length) return undefined;
    for (let c = 0; c < columns.length; c++) {
      const name = columns[c] as string;
      const value = row[name];
      if (value === undefined) return undefined;
      values[c] = value;
    }
    lines[i] = JSON.stringify(values);
  }
  return Buffer.from(lines.join('\n'));
}

export interface BatchWriterOptions {
  readonly clickhouse: ClickHouse;
  /** Seal a batch at this many pair + unmatched rows. @default 20000 */
  readonly maxRows?: number;
  /** Seal a batch at this many estimated JSON bytes. @default 16 MiB */
  readonly maxBytes?: number;
  /** Seal a batch this long after its first row. @default 1000 */
  readonly maxDelayMs?: number;
  /** Rows held (sealed + open) before waitForCapacity blocks. @default (maxInFlight + 1) * maxRows */
  readonly maxBufferedRows?: number;
  /** Sealed batches inserted concurrently. @default 2 */
  readonly maxInFlight?: number;
  /** First retry delay; doubles up to retryMaxMs. @default 200 */
  readonly retryInitialMs?: number;
  /** @default 5000 */
  readonly retryMaxMs?: number;
  /** Table names. @default pairs, pair_diffs, unmatched, capture_events, runs */
  readonly tables?: { pairs: string; pairDiffs: string; unmatched: string; captureEvents: string; runs: string };
  /** Replaces the insert call (failure injection in tests). */
  readonly insert?: InsertFn;
  readonly logger: JoinLogger;
  /** A batch was acknowledged; its slots may now be marked done and offsets committed. */
  readonly onLanded: (landed: LandedBatch) => void | Promise<void>;
  /** An insert attempt failed and will be retried. */
  readonly onRetry?: (error: JoinError, attempt: number) => void;
}

export interface LandedBatch {
  readonly slots: readonly OffsetSlot[];
  readonly pairs: number;
  /** Pair rows by challenger role (candidate, secondary, ...). */
  readonly pairsByRole: ReadonlyMap<string, number>;
  readonly diffs: number;
  /** Unmatched rows written, by reason (after dropping keys a pair already covers). */
  readonly unmatchedByReason: ReadonlyMap<string, number>;
  /** Live exchanges' capture rows by status (replayed, no_result, sampled_out, not_replayed). */
  readonly capturesByStatus: ReadonlyMap<string, number>;
  /** Run rows landed (stage 1 started, 2 drained). */
  readonly runsByStage: ReadonlyMap<number, number>;
  readonly bytes: number;
  readonly durationMs: number;
  readonly attempts: number;
}

interface Batch {
  rows: RowSet;
  slots: OffsetSlot[];
  openedAt: number;
}

const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export class BatchWriter {
  readonly #o: Required<Omit<BatchWriterOptions, 'onRetry' | 'insert'>> & { onRetry: BatchWriterOptions['onRetry'] | undefined };
  readonly #insert: InsertFn;
  #open: Batch | undefined;
  readonly #sealed: Batch[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #inFlight = new Set<Batch>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #epoch = 0;
  #capacityWaiters: (() => void)[] = [];
  #failing = false;

  constructor(options: BatchWriterOptions) {
    const maxRows = options.maxRows ?? 20_000;
    this.#o = {
      clickhouse: options.clickhouse,
      maxRows,
      maxBytes: options.maxBytes ?? 16 * 1024 * 1024,
      maxDelayMs: options.maxDelayMs ?? 1000,
      maxBufferedRows: options.maxBufferedRows ?? ((options.maxInFlight ?? 2) + 1) * maxRows,
      maxInFlight: options.maxInFlight ?? 2,
      retryInitialMs: options.retryInitialMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 5000,
      tables: options.tables ?? { pairs: 'pairs', pairDiffs: 'pair_diffs', unmatched: 'unmatched', captureEvents: 'capture_events', runs: 'runs' },
      logger: options.logger,
      onLanded: options.onLanded,
      onRetry: options.onRetry,
    };
    this.#insert = options.insert ?? rowsInserter(options.clickhouse);
  }

  /** Rows held, sealed and open. */
  get bufferedRows(): number {
    let n = this.#open === undefined ? 0 : rowCount(this.#open.rows);
    for (const b of this.#sealed) n += rowCount(b.rows);
    return n;
  }

  /** Estimated bytes held, sealed and open. */
  get bufferedBytes(): number {
    let n = this.#open === undefined ? 0 : this.#open.rows.bytes;
    for (const b of this.#sealed) n += b.rows.bytes;
    return n;
  }

  /**
   * Rows or bytes at their bound: (maxInFlight + 1) batches' worth. The bytes bound holds what the
   * row count does not see (capture rows: with no replayer running, batches hold nothing else).
   */
  #atBound(): boolean {
    return this.bufferedRows >= this.#o.maxBufferedRows || this.bufferedBytes >= (this.#o.maxInFlight + 1) * this.#o.maxBytes;
  }

  /** True when waitForCapacity would block. */
  get full(): boolean {
    return this.#atBound() && !this.#closed;
  }

  /** True while the head batch has failed at least once and not yet landed. */
  get failing(): boolean {
    return this.#failing;
  }

  /** Adds the rows of joined exchanges and the slots they depend on. */
  add(rows: RowSet, slots: readonly OffsetSlot[]): void {
    if (this.#closed) throw new JoinError('JOIN_CLOSED', 'the batch writer is closed');
    let batch = this.#open;
    if (batch === undefined) {
      batch = { rows: { pairs: [], diffs: [], unmatched: [], captures: [], runs: [], bytes: 0 }, slots: [], openedAt: Date.now() };
      this.#open = batch;
      this.#timer = setTimeout(() => this.#seal(), this.#o.maxDelayMs);
      this.#timer.unref();
    }
    for (const r of rows.pairs) batch.rows.pairs.push(r);
    for (const r of rows.diffs) batch.rows.diffs.push(r);
    for (const r of rows.unmatched) batch.rows.unmatched.push(r);
    for (const r of rows.captures) batch.rows.captures.push(r);
    for (const r of rows.runs) batch.rows.runs.push(r);
    batch.rows.bytes += rows.bytes;
    for (const s of slots) batch.slots.push(s);
    if (rowCount(batch.rows) >= this.#o.maxRows || batch.rows.bytes >= this.#o.maxBytes) this.#seal();
  }

  /** Records whose rows are empty still need their slots released in order. */
  addSlots(slots: readonly OffsetSlot[]): void {
    this.add({ pairs: [], diffs: [], unmatched: [], captures: [], runs: [], bytes: 0 }, slots);
  }

  #seal(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#open;
    if (batch === undefined) return;
    this.#open = undefined;
    this.#sealed.push(batch);
    this.#pump();
  }

  #pump(): void {
    // Up to maxInFlight sealed batches land concurrently (chDB and a server both run inserts in
    // parallel). Order does not matter for correctness: a batch hands back its own slots, and a
    // partition's offset only moves over slots that are all done.
    while (this.#inFlight.size < this.#o.maxInFlight && this.#inFlight.size < this.#sealed.length) {
      const batch = this.#sealed.find((b) => !this.#inFlight.has(b));
      if (batch === undefined) return;
      this.#inFlight.add(batch);
      const epoch = this.#epoch;
      const done = this.#landOne(batch, epoch).finally(() => {
        this.#inFlight.delete(batch);
        this.#running.delete(done);
        if (!this.#closed) this.#pump();
      });
      this.#running.add(done);
    }
  }

  async #landOne(batch: Batch, epoch: number): Promise<void> {
    const landed = await this.#land(batch, epoch);
    if (epoch !== this.#epoch) return; // discarded meanwhile: the sealed list was replaced
    const i = this.#sealed.indexOf(batch);
    if (i >= 0) this.#sealed.splice(i, 1);
    this.#wakeCapacity();
    if (landed !== undefined) await this.#o.onLanded(landed);
  }

  async #land(batch: Batch, epoch: number): Promise<LandedBatch | undefined> {
    const started = performance.now();
    let delay = this.#o.retryInitialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const unmatched = await this.#withoutPaired(batch.rows.unmatched);
        const { tables } = this.#o;
        // The tables are independent; a failure of any retries all (copies collapse, counts are distinct).
        const { rows } = batch;
        await Promise.all([
          rows.pairs.length > 0 ? this.#insert(tables.pairs, rows.pairs) : undefined,
          rows.diffs.length > 0 ? this.#insert(tables.pairDiffs, rows.diffs) : undefined,
          unmatched.length > 0 ? this.#insert(tables.unmatched, unmatched) : undefined,
          rows.captures.length > 0 ? this.#insert(tables.captureEvents, rows.captures) : undefined,
          rows.runs.length > 0 ? this.#insert(tables.runs, rows.runs) : undefined,
        ]);
        this.#failing = false;
        const byReason = new Map<string, number>();
        for (const u of unmatched) byReason.set(u.reason, (byReason.get(u.reason) ?? 0) + 1);
        const pairsByRole = new Map<string, number>();
        for (const p of batch.rows.pairs) pairsByRole.set(p.challenger_role, (pairsByRole.get(p.challenger_role) ?? 0) + 1);
        const capturesByStatus = new Map<string, number>();
        for (const c of batch.rows.captures) capturesByStatus.set(c.status, (capturesByStatus.get(c.status) ?? 0) + 1);
        const runsByStage = new Map<number, number>();
        for (const r of batch.rows.runs) runsByStage.set(r.stage, (runsByStage.get(r.stage) ?? 0) + 1);
        return {
          slots: batch.slots,
          pairs: batch.rows.pairs.length,
          pairsByRole,
          diffs: batch.rows.diffs.length,
          unmatchedByReason: byReason,
          capturesByStatus,
          runsByStage,
          bytes: batch.rows.bytes,
          durationMs: performance.now() - started,
          attempts: attempt,
        };
      } catch (err) {
        const error = toJoinError(err, 'JOIN_INSERT_FAILED');
        this.#failing = true;
        if (this.#closed || epoch !== this.#epoch) return undefined;
        this.#o.logger.warn({ err: error, attempt, retryInMs: delay, rows: rowCount(batch.rows) }, 'clickhouse insert failed; retrying');
        this.#o.onRetry?.(error, attempt);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.#o.retryMaxMs);
        if (this.#closed || epoch !== this.#epoch) return undefined;
      }
    }
  }

  /**
   * Drops unmatched rows whose (exchange, challenger, run) already has a pair in ClickHouse. After a
   * restart the committed offsets of the joined topics are independent, so a pair landed before the
   * crash can have some of its records re-read without the others; those would otherwise expire as
   * a spurious "unmatched". Unmatched rows are rare, so one lookup per batch that has any is cheap.
   */
  async #withoutPaired(rows: readonly UnmatchedRow[]): Promise<UnmatchedRow[]> {
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => r.exchange_id))];
    const found = new Set<string>();
    const client = this.#o.clickhouse.client;
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids
        .slice(i, i + 5000)
        .map(quote)
        .join(',');
      const rs = await client.query({
        query: `SELECT exchange_id, challenger_id, run_id FROM ${this.#o.tables.pairs} WHERE exchange_id IN (${chunk})`,
        format: 'JSONEachRow',
      });
      for (const r of await rs.json<{ exchange_id: string; challenger_id: string; run_id: string }>()) {
        found.add(`${r.exchange_id}\u0000${r.challenger_id}\u0000${r.run_id}`);
      }
    }
    return rows.filter((r) => !found.has(`${r.exchange_id}\u0000${r.challenger_id}\u0000${r.run_id}`));
  }

  #wakeCapacity(): void {
    if (this.#atBound()) return;
    const waiters = this.#capacityWaiters;
    this.#capacityWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Resolves once fewer than maxBufferedRows (and maxInFlight + 1 batches' bytes) are held. `tick` runs every `tickMs` while waiting (the
   * consumer's heartbeat, so the group keeps the member while ClickHouse is down).
   */
  async waitForCapacity(tick?: () => Promise<void>, tickMs = 3000): Promise<void> {
    while (this.#atBound() && !this.#closed) {
      const woken = new Promise<void>((resolve) => this.#capacityWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const ticked = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, tickMs);
      });
      await Promise.race([woken, ticked]);
      clearTimeout(timer);
      if (tick !== undefined) await tick();
    }
  }

  /** Seals the open batch and resolves when everything held has landed. */
  async flush(): Promise<void> {
    this.#seal();
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /**
   * Forgets every row not yet landed (after a rebalance the records are re-read from the committed
   * offsets). An insert in flight finishes, but its batch is not reported as landed.
   */
  discard(): void {
    this.#epoch++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#open = undefined;
    this.#sealed.length = 0;
    this.#inFlight.clear();
    this.#failing = false;
    this.#wakeCapacity();
  }

  /** Stops retrying and drops what is held (call flush() first to land it). */
  close(): void {
    this.#closed = true;
    this.discard();
  }
}

/**
 * Rows that size a batch: pairs, unmatched and runs. Capture rows (one per live exchange and
 * challenger, a few dozen bytes, into a Null table) only count in the byte estimate, so batches
 * seal at the same cadence as before they existed.
 */
function rowCount(rows: RowSet): number {
  return rows.pairs.length + rows.unmatched.length + rows.runs.length;
}
