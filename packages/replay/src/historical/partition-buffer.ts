// Per-partition state of a historical replay: decoded records waiting to be dispatched (bounded;
// the partition is paused in the consumer when full) and records handed out but not yet committed,
// in offset order. The commit point only moves over records whose results Kafka acknowledged, so an
// interrupted or crashed run resumes at the first record that might not have its results.
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter } from '../kafka/exchange-decoder.js';

export interface Entry {
  readonly offset: bigint;
  /** The raw record until it is decoded (decoding happens when the entry reaches the head, spread over time). */
  message: KafkaMessage | null;
  exchange: CapturedExchange | null;
  deadLetter: DeadLetter | null;
  /** Results + side effects once known; null while the dispatch is in flight. */
  output: { results: ShadowResult[]; sideEffects: SideEffect[] } | null;
  flushed: boolean;
}

export class PartitionBuffer {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
  /** Waiting for dispatch, offset order. */
  readonly queued: Entry[] = [];
  /** Handed out, not yet committed, offset order. */
  readonly uncommitted: Entry[] = [];
  /** Every record before `end` has been fetched into `queued`. */
  fetchComplete: boolean;
  resume: (() => void) | null = null;
  /** Next offset expected from the fetcher (records below it were already buffered). */
  next: bigint;
  #committedThrough: bigint;

  constructor(partition: number, start: bigint, end: bigint) {
    this.partition = partition;
    this.start = start;
    this.end = end;
    this.fetchComplete = start >= end;
    this.#committedThrough = start;
    this.next = start;
  }

  get exhausted(): boolean {
    return this.fetchComplete && this.queued.length === 0;
  }

  get done(): boolean {
    return this.exhausted && this.uncommitted.length === 0;
  }

  /** Moves the commit point over the flushed prefix; returns the new next-offset to commit, or null if unchanged. */
  advance(): bigint | null {
    let moved = false;
    while (this.uncommitted.length > 0 && (this.uncommitted[0] as Entry).flushed) {
      this.#committedThrough = (this.uncommitted.shift() as Entry).offset + 1n;
      moved = true;
    }
    return moved ? this.#committedThrough : null;
  }
}
