// Bounded join state for the partitions one instance owns. Entries hold the live exchange, one
// result per challenger and the side effects. Entries leave in three ways: complete (+ the
// side-effect grace), after the window (incomplete -> unmatched rows), or when the open-entry bound
// is hit (oldest first). Entries live in a Map, which iterates in insertion order, so "oldest" is
// the Map's first key and expiry scans stop at the first entry that is still young.
//
// Two kinds of entries, never mixed (docs/joiner.md "Runs are self-contained"):
// - live shadowing, keyed by exchange id: the exchange from the exchanges topic, the results with no
//   run id, complete when every configured challenger answered;
// - a historical run, keyed by (run id, exchange id): created by the run's results, which carry the
//   live snapshot and the challengers the exchange was sent to, complete when each of those
//   answered. It never waits for, nor touches, the live entry of the same exchange, so a run pairs
//   whenever it is read, however long ago the exchange was captured and expired live, and a second
//   run of the same window pairs again under its own id.
// Late records (an entry already emitted) are recognised by the same key.
import { exchangeOfSnapshot } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { PartitionOffsets } from './offset-tracker.js';
import type { OffsetSlot } from './offset-tracker.js';
import type { EmissionCause, JoinedExchange, JoinStateOptions, JoinStateStats } from './types.js';

interface Entry {
  key: string;
  exchangeId: string;
  runId: string | null;
  partition: number;
  firstSeenMs: number;
  /** Kafka timestamp of the first record (event time for the read-past guard). */
  firstEventMs: number;
  /** `tick` when the entry was created (the joiner counts fetch rounds). */
  createdTick: number;
  exchange: CapturedExchange | null;
  exchangeOffset: number | null;
  /** A run's entry: who the exchange was sent to (its results' runChallengers); null for live shadowing. */
  expected: Set<string> | null;
  results: Map<string, ShadowResult>;
  sideEffects: SideEffect[];
  slots: OffsetSlot[];
  /** When the entry became complete; emitted at completeAtMs + grace. */
  completeAtMs: number | undefined;
}

/** The key of a run's entry; live entries are keyed by the exchange id alone. */
function runKey(runId: string, exchangeId: string): string {
  return `${runId}\u0000${exchangeId}`;
}

/** A run's result that carries what its entry needs (a replayer without it is joined like live). */
function runOf(result: ShadowResult): string | null {
  return result.runId !== null && result.runId !== undefined && result.runId !== '' && result.live !== undefined && result.live !== null ? result.runId : null;
}

const ROLE_ORDER = (role: string): number => (role === 'secondary' ? 0 : 1);

export class JoinState {
  readonly #options: JoinStateOptions;
  readonly #challengers: ReadonlySet<string>;
  readonly #entries = new Map<string, Entry>();
  /** Completed entries waiting for the grace period, in completion order. */
  readonly #graceQueue: Entry[] = [];
  readonly #recent = new Set<string>();
  readonly #offsets = new Map<string, PartitionOffsets>();
  /** Slots of a run's results per `run\0partition`, until they are done (landed): what a run's drain waits for. */
  readonly #runSlots = new Map<string, OffsetSlot[]>();
  readonly #stats: JoinStateStats = { open: 0, openRuns: 0, evicted: 0, late: 0, unknownChallenger: 0, duplicates: 0 };
  #openRuns = 0;
  readonly #ready: JoinedExchange[] = [];
  /** An opaque progress counter stamped on new entries and handed to mayExpire (fetch rounds). */
  tick = 0;

  constructor(options: JoinStateOptions) {
    this.#options = options;
    this.#challengers = new Set(options.challengers);
  }

  get stats(): Readonly<JoinStateStats> {
    this.#stats.open = this.#entries.size;
    this.#stats.openRuns = this.#openRuns;
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

  /**
   * A record whose fate another component decides (a progress record): its slot, not done; the
   * offset is not committed past it until the holder marks it done.
   */
  hold(topic: string, partition: number, offset: number): OffsetSlot {
    return this.#slot(topic, partition, offset, false);
  }

  #entryFor(
    key: string,
    exchangeId: string,
    runId: string | null,
    partition: number,
    topic: string,
    offset: number,
    now: number,
    eventMs: number,
  ): Entry | undefined {
    if (this.#recent.has(key)) {
      this.#stats.late++;
      this.skip(topic, partition, offset);
      return undefined;
    }
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {
        key,
        exchangeId,
        runId,
        partition,
        firstSeenMs: now,
        firstEventMs: eventMs,
        createdTick: this.tick,
        exchange: null,
        exchangeOffset: null,
        expected: runId === null ? null : new Set(),
        results: new Map(),
        sideEffects: [],
        slots: [],
        completeAtMs: undefined,
      };
      this.#entries.set(key, entry);
      if (runId !== null) this.#openRuns++;
      if (this.#entries.size > this.#options.maxOpenEntries) this.#evictOldest();
    }
    entry.slots.push(this.#slot(topic, partition, offset, false));
    return entry;
  }

  addExchange(exchange: CapturedExchange, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    const entry = this.#entryFor(exchange.exchangeId, exchange.exchangeId, null, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    if (entry.exchange !== null) {
      // The tap may publish an exchange twice (a retried batch); the first copy is kept.
      this.#stats.duplicates++;
      return;
    }
    entry.exchange = exchange;
    entry.exchangeOffset = offset;
    this.#checkComplete(entry, now);
  }

  addResult(result: ShadowResult, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    const runId = runOf(result);
    if (runId === null && !this.#challengers.has(result.challengerId)) {
      this.#stats.unknownChallenger++;
      this.skip(topic, partition, offset);
      return;
    }
    const key = runId === null ? result.exchangeId : runKey(runId, result.exchangeId);
    const entry = this.#entryFor(key, result.exchangeId, runId, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    if (runId !== null) {
      // The drain of the run's partition waits until this record's rows have landed.
      const slots = this.#runSlots.get(`${runId}\u0000${partition}`);
      const slot = entry.slots[entry.slots.length - 1] as OffsetSlot;
      if (slots === undefined) this.#runSlots.set(`${runId}\u0000${partition}`, [slot]);
      else {
        slots.push(slot);
        // Landed slots are dropped as the list grows, so a run nobody drains (no run_ended record:
        // an old replayer, a crashed run) holds only its open records.
        if (slots.length % 4096 === 0)
          this.#runSlots.set(
            `${runId}\u0000${partition}`,
            slots.filter((s) => !s.done),
          );
      }
    }
    if (entry.results.has(result.challengerId)) {
      this.#stats.duplicates++;
      return;
    }
    entry.results.set(result.challengerId, result);
    if (runId !== null) {
      entry.expected?.add(result.challengerId);
      for (const id of result.runChallengers ?? []) entry.expected?.add(id);
      if (entry.exchange === null && result.live !== undefined && result.live !== null) entry.exchange = exchangeOfSnapshot(result.exchangeId, result.live);
    }
    this.#checkComplete(entry, now);
  }

  addSideEffect(effect: SideEffect, topic: string, partition: number, offset: number, now: number, eventMs = now): void {
    const runId = effect.runId !== null && effect.runId !== undefined && effect.runId !== '' ? effect.runId : null;
    const key = runId === null ? effect.exchangeId : runKey(runId, effect.exchangeId);
    const entry = this.#entryFor(key, effect.exchangeId, runId, partition, topic, offset, now, eventMs);
    if (entry === undefined) return;
    entry.sideEffects.push(effect);
  }

  #checkComplete(entry: Entry, now: number): void {
    if (entry.completeAtMs !== undefined || entry.exchange === null) return;
    if (entry.expected === null) {
      if (entry.results.size < this.#challengers.size) return;
    } else {
      for (const id of entry.expected) if (!entry.results.has(id)) return;
    }
    entry.completeAtMs = now;
    if (this.#options.sideEffectGraceMs <= 0) this.#emit(entry, 'complete');
    else this.#graceQueue.push(entry);
  }

  #emit(entry: Entry, cause: EmissionCause): void {
    if (!this.#entries.delete(entry.key)) return;
    if (entry.runId !== null) this.#openRuns--;
    this.#recent.add(entry.key);
    if (this.#recent.size > this.#options.recentlyEmitted) {
      const oldest = this.#recent.values().next();
      if (!oldest.done) this.#recent.delete(oldest.value);
    }
    const challengers =
      entry.expected === null
        ? this.#options.challengers
        : // Secondaries first: their answers are the noise baseline the candidates are judged against.
          [...entry.expected].sort(
            (a, b) => ROLE_ORDER(entry.results.get(a)?.challengerRole ?? '') - ROLE_ORDER(entry.results.get(b)?.challengerRole ?? '') || a.localeCompare(b),
          );
    this.#ready.push({
      exchangeId: entry.exchangeId,
      runId: entry.runId,
      partition: entry.partition,
      exchangeOffset: entry.exchangeOffset,
      challengers,
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

  /** Committable offset of one topic-partition; undefined before its first record since the last reset. */
  committableOf(topic: string, partition: number): number | undefined {
    return this.#offsets.get(`${topic}\u0000${partition}`)?.committable();
  }

  /**
   * Whether a result of `runId` read from `partition` below `belowOffset` has not landed yet (its
   * entry is open, or its rows are in a batch ClickHouse has not acknowledged).
   */
  runPending(runId: string, partition: number, belowOffset: number): boolean {
    const key = `${runId}\u0000${partition}`;
    const slots = this.#runSlots.get(key);
    if (slots === undefined) return false;
    const open = slots.filter((s) => !s.done);
    if (open.length === 0) this.#runSlots.delete(key);
    else if (open.length < slots.length) this.#runSlots.set(key, open);
    return open.some((s) => s.offset < belowOffset);
  }

  /** Drops the run slot lists whose records have all landed (called now and then: memory only). */
  pruneRunSlots(): void {
    for (const [key, slots] of this.#runSlots) if (slots.every((s) => s.done)) this.#runSlots.delete(key);
  }

  /** Forgets everything (after a rebalance every owned partition is re-read from its committed offset). */
  reset(): void {
    this.#entries.clear();
    this.#openRuns = 0;
    this.#graceQueue.length = 0;
    this.#offsets.clear();
    this.#runSlots.clear();
    this.#ready.length = 0;
    // Emitted rows not yet in ClickHouse are discarded with the state, so their records must join again.
    this.#recent.clear();
  }
}
