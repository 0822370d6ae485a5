// What live replayers said they did, so a live exchange without a result is unmatched only when a
// replayer was expected to replay it (docs/joiner.md "What unmatched means"). The replayer writes a
// progress record per chunk (ReplayProgress, kind chunk) to the partition number of the exchanges
// it describes: the offsets it passed and, per challenger, a bitmap of the exchanges it sent.
//
// For one exchange (partition, offset) and one challenger:
// - expected: a record covering the offset has the challenger's bit set: a result is owed;
// - sampled_out: records cover it, none sent it to this challenger (sampling, its services);
// - not_replayed: no record covers it (no replayer running, paused, or lagging past the window).
//
// A record is kept while an exchange it covers may still be emitted: until the exchanges topic's
// committable offset of its partition passed its range (every exchange in it landed). Its offset
// slot stays open until then, so a joiner restarted in between reads it again. Memory: the records
// of about one join window per partition (32 bytes per challenger per 256-record chunk).
import { isDispatched } from '@shadow/contracts';
import type { ReplayProgress } from '@shadow/contracts';
import type { OffsetSlot } from './offset-tracker.js';

export type Coverage = 'expected' | 'sampled_out' | 'not_replayed';

interface Covered {
  readonly from: number;
  readonly to: number;
  /** challengerId -> dispatched bitmap over [from, to) */
  readonly sent: ReadonlyMap<string, Uint8Array>;
  readonly slot: OffsetSlot;
}

export class ReplayCoverage {
  /** partition -> records, in arrival order (a replayer writes a partition's chunks in offset order). */
  readonly #byPartition = new Map<number, Covered[]>();

  /** Adds a chunk record read at `slot`; the slot is marked done by `release`. */
  add(record: ReplayProgress, slot: OffsetSlot): void {
    let list = this.#byPartition.get(record.partition);
    if (list === undefined) {
      list = [];
      this.#byPartition.set(record.partition, list);
    }
    list.push({ from: record.fromOffset, to: record.toOffset, sent: new Map(record.challengers.map((c) => [c.id, c.dispatched])), slot });
  }

  /** What a missing result of `challengerId` for the exchange at `partition`/`offset` means. */
  classify(partition: number, offset: number, challengerId: string): Coverage {
    const list = this.#byPartition.get(partition);
    if (list === undefined) return 'not_replayed';
    let seen = false;
    // Several records can cover one offset (a replayer group re-read a chunk after a rebalance): one
    // that sent it is enough.
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i] as Covered;
      if (offset < c.from || offset >= c.to) continue;
      const bits = c.sent.get(challengerId);
      if (bits === undefined) continue;
      if (isDispatched(bits, offset - c.from)) return 'expected';
      seen = true;
    }
    return seen ? 'sampled_out' : 'not_replayed';
  }

  /**
   * Forgets the records of `partition` whose whole range lies below `committed` (the exchanges
   * topic's committable offset: every exchange below it landed) and marks their slots done.
   * Returns how many were released.
   */
  release(partition: number, committed: number): number {
    const list = this.#byPartition.get(partition);
    if (list === undefined) return 0;
    const keep: Covered[] = [];
    for (const c of list) {
      if (c.to <= committed) c.slot.done = true;
      else keep.push(c);
    }
    const released = list.length - keep.length;
    if (keep.length === 0) this.#byPartition.delete(partition);
    else if (released > 0) this.#byPartition.set(partition, keep);
    return released;
  }

  /** Partitions holding records. */
  partitions(): number[] {
    return [...this.#byPartition.keys()];
  }

  /** Records held, all partitions. */
  get size(): number {
    let n = 0;
    for (const list of this.#byPartition.values()) n += list.length;
    return n;
  }

  /** Forgets everything (rebalance: the records are read again from the committed offsets). */
  reset(): void {
    this.#byPartition.clear();
  }
}
