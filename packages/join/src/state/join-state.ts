// Bounded join state for the partitions one instance owns. Entries are keyed by exchange id and hold
// the live exchange, one result per challenger and the side effects. Entries leave in three ways:
// complete (+ the side-effect grace), after the window (incomplete -> unmatched rows), or when the
// open-entry bound is hit (oldest first). Entries live in a Map, which iterates in insertion order,
// so "oldest" is the Map's first key and expiry scans stop at the first entry that is still young.
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { PartitionOffsets } from './offset-tracker.js';
import type { OffsetSlot } from './offset-tracker.js';
import type { EmissionCause, JoinedExchange, JoinStateOptions, JoinStateStats } from './types.js';

interface Entry {
  exchangeId: string;
  partition: number;
  firstSeenMs: number;
  /** Kafka timestamp of the first record (event time for the read-past guard). */
  firstEventMs: number;
  /** `tick` when the entry was created (the joiner counts fetch rounds). */
  createdTick: number;
  exchange: CapturedExchange | null;
  results: Map<string, ShadowResult>;
  sideEffects: SideEffect[];
  slots: OffsetSlot[];
  /** When the entry became complete; emitted at completeAtMs + grace. */
  completeAtMs: number | undefined;
}

export class JoinState {
  readonly #options: JoinStateOptions;
  readonly #challengers: ReadonlySet<string>;
  readonly #entries = new Map<string, Entry>();
  /** Completed entries waiting for the grace period, in completion order. */
  readonly #graceQueue: Entry[] = [];
  readonly #recent = new Set<string>();
  readonly #offsets = new Map<string, PartitionOffsets>();
  readonly #stats: JoinStateStats = { open: 0, evicted: 0, late: 0, unknownChallenger: 0, duplicates: 0 };
  readonly #ready: JoinedExchange[] = [];
  /** An opaque progress counter stamped on new entries and handed to mayExpire (fetch rounds). */
  tick = 0;

  constructor(options: JoinStateOptions) {
    this.#options = options;
    this.#challengers = new Set(options.challengers);
  }

  get stats(): Readonly<JoinStateStats> {
    this.#stats.open = this.#entries.size;
    return this.#stats;
  }

  /** Records the offset of a consumed record and returns its slot (see PartitionOffsets). */
  #slot(topic: string, partition: number, offset: number, done: boolean): OffsetSlot {
    const key = `${topic}\u0000${partition}`;
    let offsets = this.#offsets.get(key);
    if (offsets === undefined) {
      offsets = new PartitionOffsets();
      this.#offsets.set(key, offsets);
    }
    return offsets.add(offset, done);
  }

  /** A record nothing needs (undecodable, irrelevant): its offset may be committed once reached. */
  skip(topic: string, partition: number, offset: number): void {
    this.#slot(topic, partition, offset, true);
  }

  #entryFor(exchangeId: string, partition: number, topic: string, offset: number, now: number, eventMs: number): Entry | undefined {
    if (this.#recent.has(exchangeId)) {
      this.#stats.late++;
      this.skip(topic, partition, offset);
      return undefined;
    }
    let entry = this.#entries.get(exchangeId);
    if (entry === undefined) {
      entry = { exchangeId, partition, firstSeenMs: now, firstEventMs: eventMs, createdTick: this.tick, exchange: null, results: new Map(), sideEffects: [], slots: [], completeAtMs: undefined };
      this.#entries.set(exchangeId, entry);
      if (this.#entries.size > this.#options.maxOpenEntries) this.#evictOldest();
    }
    entry.slots.push(this.#slot(topic, partition, offset, false));
    return entry;
  }

  addExchange(exchange: CapturedExchange, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    const entry = this.#entryFor(exchange.exchangeId, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    if (entry.exchange !== null) {
      // The tap may publish an exchange twice (a retried batch); the first copy is kept.
      this.#stats.duplicates++;
      return;
    }
    entry.exchange = exchange;
    this.#checkComplete(entry, now);
  }

  addResult(result: ShadowResult, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    if (!this.#challengers.has(result.challengerId)) {
      this.#stats.unknownChallenger++;
      this.skip(topic, partition, offset);
      return;
    }
    const entry = this.#entryFor(result.exchangeId, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    if (entry.results.has(result.challengerId)) {
      this.#stats.duplicates++;
      return;
    }
    entry.results.set(result.challengerId, result);
    this.#checkComplete(entry, now);
  }

  addSideEffect(effect: SideEffect, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    const entry = this.#entryFor(effect.exchangeId, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    entry.sideEffects.push(effect);
  }

  #checkComplete(entry: Entry, now: number): void {
    if (entry.completeAtMs !== undefined || entry.exchange === null) return;
    if (entry.results.size < this.#challengers.size) return;
    entry.completeAtMs = now;
    if (this.#options.sideEffectGraceMs <= 0) this.#emit(entry, 'complete');
    else this.#graceQueue.push(entry);
  }

  #emit(entry: Entry, cause: EmissionCause): void {
    if (!this.#entries.delete(entry.exchangeId)) return;
    this.#recent.add(entry.exchangeId);
    if (this.#recent.size > this.#options.recentlyEmitted) {
      const oldest = this.#recent.values().next();
      if (!oldest.done) this.#recent.delete(oldest.value);
    }
    this.#ready.push({
      exchangeId: entry.exchangeId,
      partition: entry.partition,
      cause,
      firstSeenMs: entry.firstSeenMs,
      exchange: entry.exchange,
      results: entry.results,
      sideEffects: entry.sideEffects,
      slots: entry.slots,
    });
  }

  #evictOldest(): void {
    const oldest = this.#entries.values().next();
    if (oldest.done) return;
    this.#stats.evicted++;
    const entry = oldest.value;
    this.#emit(entry, entry.completeAtMs !== undefined ? 'complete' : 'capacity');
  }

  /**
   * Returns the entries ready to land: completed ones past the grace period and incomplete ones past
   * the window, plus anything emitted while records were added.
   */
  drain(now: number): JoinedExchange[] {
    const grace = this.#options.sideEffectGraceMs;
    let i = 0;
    while (i < this.#graceQueue.length) {
      const entry = this.#graceQueue[i] as Entry;
      if ((entry.completeAtMs as number) + grace > now) break;
      this.#emit(entry, 'complete');
      i++;
    }
    if (i > 0) this.#graceQueue.splice(0, i);
    const window = this.#options.windowMs;
    const guard = this.#options.mayExpire;
    for (const entry of this.#entries.values()) {
      if (entry.firstSeenMs + window > now) break;
      if (entry.completeAtMs !== undefined) continue;
      // A missing part may simply not be read yet (consumption paused, or one topic behind another):
      // the guard holds the entry until its partition's topics are read past it.
      if (guard !== undefined && !guard(entry.partition, entry.firstEventMs, entry.createdTick)) continue;
      this.#emit(entry, 'window');
    }
    return this.#ready.splice(0, this.#ready.length);
  }

  /** Committable offset per `topic`/`partition` (see PartitionOffsets). */
  committable(): { topic: string; partition: number; offset: number }[] {
    const out: { topic: string; partition: number; offset: number }[] = [];
    for (const [key, offsets] of this.#offsets) {
      const offset = offsets.committable();
      if (offset === undefined) continue;
      const sep = key.indexOf('\u0000');
      out.push({ topic: key.slice(0, sep), partition: Number(key.slice(sep + 1)), offset });
    }
    return out;
  }

  /** Forgets everything (after a rebalance every owned partition is re-read from its committed offset). */
  reset(): void {
    this.#entries.clear();
    this.#graceQueue.length = 0;
    this.#offsets.clear();
    this.#ready.length = 0;
    // Emitted rows not yet in ClickHouse are discarded with the state, so their records must join again.
    this.#recent.clear();
  }
}
