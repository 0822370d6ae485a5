// The joiner's consumer loop: one consumer group over exchanges, results and side effects with the
// co-partition assigner, records decoded and added to the join state, joined exchanges compared and
// turned into rows, rows batched into ClickHouse, and offsets committed only below what is landed.
//
// Why offsets are safe to commit (see docs/joiner.md): every consumed record gets a slot in its
// topic-partition's PartitionOffsets; a slot is done when the rows it contributed to were
// acknowledged by ClickHouse (or the record was irrelevant). The committed offset is the first slot
// not done, so a crash re-reads exactly the records of open entries and unlanded batches (plus some
// already landed, whose rows collapse in ReplacingMergeTree). A rebalance drops all state and every
// owned partition restarts from its committed offset, by the same argument.
//
// The fourth joined topic, the replayers' progress records (docs/joiner.md "What unmatched means",
// "Runs"): chunk records say which live exchanges a replayer passed and sent to whom (ReplayCoverage),
// so a live exchange without a result is unmatched only when it was expected; run_started lands a
// `runs` row; run_ended waits until every result of the run on its partition has landed (the
// results topic read past the end offset it names, no result of the run still open), then lands the
// partition's drained row, which `shadow report --run-id --wait` waits for. A progress record's
// offset is not committed before what it stands for is done, so a restart reads it again.
import { hostname } from 'node:os';
import {
  capturedExchangeContract,
  checkTopics,
  RecordSerde,
  replayProgressContract,
  shadowResultContract,
  sideEffectContract,
  subjectFor,
  topicNames,
} from '@shadow/contracts';
import type { CapturedExchange, ReplayProgress, ShadowResult, SideEffect } from '@shadow/contracts';
import type { Consumer, EachBatchPayload, Producer } from 'kafkajs';
import { coPartitionAssigner, checkCoPartitioned } from '../assigner/co-partition-assigner.js';
import { sharedComparer } from '../compare/shared-compare.js';
import type { PairComparer } from '../compare/types.js';
import { JoinError, toJoinError } from '../errors.js';
import { SILENT_LOGGER } from '../logger.js';
import type { JoinLogger } from '../logger.js';
import { rowsFor, rowsForAsync } from '../rows/pair-rows.js';
import type { RowOptions } from '../rows/pair-rows.js';
import type { RowSet, RunRow } from '../rows/types.js';
import { ReplayCoverage } from '../state/coverage.js';
import type { JoinedExchange } from '../state/types.js';
import { JoinState } from '../state/join-state.js';
import type { OffsetSlot } from '../state/offset-tracker.js';
import { BatchWriter } from '../writer/batch-writer.js';
import type { LandedBatch } from '../writer/batch-writer.js';
import { resolveJoinerOptions } from './options.js';
import type { JoinerOptions, ResolvedJoinerOptions } from './options.js';

export interface JoinerStats {
  readonly openEntries: number;
  /** Of openEntries, entries of historical runs. */
  readonly openRunEntries: number;
  /** Live replayers' chunk records held (about one join window per partition). */
  readonly progressRecords: number;
  /** run_ended records whose partition is not drained yet (results not all read or landed). */
  readonly pendingRunDrains: number;
  readonly evicted: number;
  readonly late: number;
  readonly duplicates: number;
  readonly unknownChallenger: number;
  readonly bufferedRows: number;
  readonly writerFailing: boolean;
  readonly assigned: number;
  /** With a judge: joined exchanges being compared, and waiting for a turn. */
  readonly judging: number;
  readonly judgeWaiting: number;
}

export interface Joiner {
  /** Checks topics, joins the group and starts consuming. Resolves once consuming started. */
  start(): Promise<void>;
  /** Stops consuming, lands emitted rows, commits and leaves the group. Open entries are left to be re-read. */
  close(): Promise<void>;
  /** True between the first assignment and close(). */
  readonly ready: boolean;
  stats(): JoinerStats;
}

type Role = 'exchanges' | 'results' | 'sideEffects' | 'progress';

/** A run_ended record waiting until every result of its run on its partition has landed. */
interface PendingDrain {
  readonly runId: string;
  readonly partition: number;
  readonly resultsEndOffset: number;
  readonly row: RunRow;
  readonly slot: OffsetSlot;
}

/** The `runs` row of a run record (stage 1: started; 2: ended and drained). */
function runRow(p: ReplayProgress, stage: 1 | 2, now: number): RunRow {
  const run = p.run as NonNullable<ReplayProgress['run']>;
  return {
    run_id: p.runId ?? '',
    session_id: p.sessionId ?? '',
    partition: p.partition,
    stage,
    state: stage === 1 ? 'running' : run.state,
    replayer: p.replayer,
    window_from: run.fromMs,
    window_to: run.toMs,
    speed: run.speed,
    ordering: run.ordering,
    sampling: run.sampling,
    max_concurrency: run.maxConcurrency,
    partitions: run.partitions,
    resumed: run.resumed,
    challengers: p.challengers.map((c) => c.id),
    challenger_roles: p.challengers.map((c) => c.role),
    replayed: p.challengers.map((c) => c.replayed),
    failed: p.challengers.map((c) => c.failed),
    exchanges: run.exchanges,
    outside_window: run.outsideWindow,
    sampled_out: run.sampledOut,
    dead_lettered: run.deadLettered,
    results_end_offset: run.resultsEndOffset,
    produced_time: p.producedTimeMs,
    landed_time: now,
  };
}

/** Why a record went to the dead-letter topic: the `reason` label of the dead-letter metric. */
export type DeadLetterKind = 'undecodable' | 'null_value';

/**
 * Verifies the four joined topics exist with equal partition counts, through @shadow/contracts'
 * checkTopics (JOIN_TOPIC_MISSING / JOIN_PARTITION_MISMATCH carry its sentences, which name the
 * topics, the counts and the fix). Returns the common partition count.
 */
export async function checkJoinedTopics(kafka: JoinerOptions['kafka'], prefix: string): Promise<number> {
  const report = await checkTopics(kafka, { prefix, roles: ['exchanges', 'results', 'sideEffects', 'progress'] });
  if (!report.ok) {
    const missing = report.topics.some((t) => t.action === 'missing');
    throw new JoinError(missing ? 'JOIN_TOPIC_MISSING' : 'JOIN_PARTITION_MISMATCH', `the joined topics are not usable: ${report.problems.join('; ')}`);
  }
  const counts: Record<string, number> = {};
  for (const t of report.topics) counts[t.name] = t.partitions ?? 0;
  return checkCoPartitioned(counts);
}

export function createJoiner(options: JoinerOptions): Joiner {
  return new KafkaJoiner(resolveJoinerOptions(options));
}

class KafkaJoiner implements Joiner {
  readonly #o: ResolvedJoinerOptions;
  readonly #log: JoinLogger;
  readonly #comparer: PairComparer;
  readonly #roles: Map<string, Role>;
  readonly #names: ReturnType<typeof topicNames>;
  readonly #state: JoinState;
  readonly #writer: BatchWriter;
  readonly #serdes: {
    exchanges: RecordSerde<CapturedExchange>;
    results: RecordSerde<ShadowResult>;
    sideEffects: RecordSerde<SideEffect>;
    progress: RecordSerde<ReplayProgress>;
  };
  readonly #coverage = new ReplayCoverage();
  readonly #drains: PendingDrain[] = [];
  /** Committed offset per `topic/partition` when the group was (re)joined: where reading starts. */
  readonly #floors = new Map<string, number>();
  /** Bumped at each (re)join, so a floor fetch of an older assignment is ignored. */
  #generation = 0;
  #consumer: Consumer | undefined;
  #producer: Producer | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #ready = false;
  #draining = false;
  #writerClosed = false;
  #assigned = 0;
  #handlers = 0;
  #handlersIdle: (() => void)[] = [];
  readonly #lastCommitted = new Map<string, number>();
  /** Time consumption spent paused on a full writer; the join clock does not run meanwhile. */
  #pausedMs = 0;
  #pauseStart: number | undefined;
  /** Per `topic/partition`: next offset to read, high watermark at its last batch, newest timestamp read, fetch round of its last batch. */
  readonly #progress = new Map<string, { next: number; high: number; maxTimestamp: number; round: number }>();
  /** Fetch rounds started (FETCH_START). Every batch of round r is handled before round r+1 starts. */
  #round = 0;
  /** With a judge: joined exchanges being compared, those waiting for a turn, and who waits for fewer. */
  #judging = 0;
  readonly #waiting: JoinedExchange[] = [];
  #judgingWaiters: (() => void)[] = [];
  /** A comparison that failed even without its judge (a bug): thrown by the next batch, so the consumer restarts. */
  #fatal: unknown;

  constructor(o: ResolvedJoinerOptions) {
    this.#o = o;
    this.#log = o.logger ?? SILENT_LOGGER;
    this.#comparer = o.comparer ?? sharedComparer();
    this.#names = topicNames(o.topicPrefix);
    this.#roles = new Map<string, Role>([
      [this.#names.exchanges, 'exchanges'],
      [this.#names.results, 'results'],
      [this.#names.sideEffects, 'sideEffects'],
      [this.#names.progress, 'progress'],
    ]);
    this.#state = new JoinState({
      challengers: o.challengers,
      windowMs: o.windowMs,
      sideEffectGraceMs: o.sideEffectGraceMs,
      maxOpenEntries: o.maxOpenEntries,
      recentlyEmitted: Math.max(10_000, o.maxOpenEntries),
      mayExpire: (partition, eventMs, createdTick) => this.#readPast(partition, eventMs + o.windowMs, createdTick),
    });
    this.#writer = new BatchWriter({
      clickhouse: o.clickhouse,
      maxRows: o.batchMaxRows,
      maxBytes: o.batchMaxBytes,
      maxDelayMs: o.batchMaxDelayMs,
      retryInitialMs: o.retryInitialMs,
      retryMaxMs: o.retryMaxMs,
      ...(o.insert === undefined ? {} : { insert: o.insert }),
      logger: this.#log,
      onLanded: (landed) => this.#landed(landed),
      onRetry: (_err, attempt) => o.hooks.onRetry?.(attempt),
    });
    this.#serdes = {
      exchanges: new RecordSerde({ registry: o.registry, contract: capturedExchangeContract, subject: subjectFor(this.#names.exchanges), autoRegister: false }),
      results: new RecordSerde({ registry: o.registry, contract: shadowResultContract, subject: subjectFor(this.#names.results), autoRegister: false }),
      sideEffects: new RecordSerde({ registry: o.registry, contract: sideEffectContract, subject: subjectFor(this.#names.sideEffects), autoRegister: false }),
      progress: new RecordSerde({ registry: o.registry, contract: replayProgressContract, subject: subjectFor(this.#names.progress), autoRegister: false }),
    };
  }

  get ready(): boolean {
    return this.#ready && !this.#draining;
  }

  stats(): JoinerStats {
    const s = this.#state.stats;
    return {
      openEntries: s.open,
      openRunEntries: s.openRuns,
      progressRecords: this.#coverage.size,
      pendingRunDrains: this.#drains.length,
      evicted: s.evicted,
      late: s.late,
      duplicates: s.duplicates,
      unknownChallenger: s.unknownChallenger,
      bufferedRows: this.#writer.bufferedRows,
      writerFailing: this.#writer.failing,
      assigned: this.#assigned,
      judging: this.#judging,
      judgeWaiting: this.#waiting.length,
    };
  }

  async start(): Promise<void> {
    const partitions = await checkJoinedTopics(this.#o.kafka, this.#o.topicPrefix);
    this.#log.info({ partitions, topics: [...this.#roles.keys()], challengers: this.#o.challengers }, 'joined topics checked');
    const consumer = this.#o.kafka.consumer({
      groupId: this.#o.groupId,
      partitionAssigners: [coPartitionAssigner],
      // Every topic-partition must get its share of each fetch (18 x 1 MiB < 64 MiB): the expiry guard
      // reads "no batch in a round" as "fully read".
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      sessionTimeout: this.#o.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.#o.sessionTimeoutMs / 10),
      rebalanceTimeout: 60_000,
    });
    this.#consumer = consumer;
    this.#producer = this.#o.kafka.producer({ allowAutoTopicCreation: false });
    await this.#producer.connect();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Every owned partition restarts from its committed offset after a (re)join, so all state and
      // every row not yet landed are dropped and rebuilt from the re-read records.
      this.#state.reset();
      this.#writer.discard();
      // Comparisons in flight finish but are dropped (#startJudging checks the generation).
      this.#waiting.length = 0;
      this.#lastCommitted.clear();
      this.#progress.clear();
      this.#coverage.reset();
      this.#drains.length = 0;
      this.#floors.clear();
      void this.#fetchFloors(++this.#generation);
      const assignment = e.payload.memberAssignment;
      this.#assigned = Object.values(assignment).reduce((n, ps) => n + ps.length, 0);
      this.#ready = true;
      this.#log.info({ memberId: e.payload.memberId, assignment }, 'joined the group');
    });
    consumer.on(consumer.events.FETCH_START, () => {
      this.#round++;
      this.#state.tick = this.#round;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.#log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#roles.keys()], fromBeginning: this.#o.fromBeginning });
    this.#sweep = setInterval(
      () => {
        this.#drainState();
        this.#settleProgress();
      },
      Math.max(50, Math.min(1000, Math.floor(Math.min(this.#o.windowMs, this.#o.sideEffectGraceMs || this.#o.windowMs) / 4))),
    );
    this.#sweep.unref();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /**
   * The join state's clock: wall time minus the time consumption was paused. While ClickHouse is down
   * and the writer is full nothing is read, so a missing part cannot arrive; entries must not age.
   */
  #now(): number {
    const now = Date.now();
    return now - this.#pausedMs - (this.#pauseStart === undefined ? 0 : now - this.#pauseStart);
  }

  /**
   * Whether an incomplete entry may expire: for every joined topic of its partition, either records
   * newer than its event time + window were read, or a whole fetch round after the entry appeared
   * brought nothing for that topic-partition (it was fully read, so the missing part was never
   * written). Otherwise the part may simply be unread: one topic ahead of another in a backlog.
   */
  #readPast(partition: number, eventMs: number, createdTick: number): boolean {
    const lastComplete = this.#round - 1;
    for (const topic of this.#roles.keys()) {
      const p = this.#progress.get(`${topic}/${partition}`);
      if (p !== undefined && p.maxTimestamp >= eventMs) continue;
      const lastBatch = p?.round ?? -1;
      if (lastComplete > createdTick && lastComplete > lastBatch && (p === undefined || p.next >= p.high)) continue;
      return false;
    }
    return true;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    this.#handlers++;
    try {
      await this.#handleBatch(payload);
    } finally {
      this.#handlers--;
      if (this.#handlers === 0) for (const w of this.#handlersIdle.splice(0)) w();
    }
  }

  async #handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.#fatal !== undefined) {
      const fatal = this.#fatal;
      this.#fatal = undefined;
      throw toJoinError(fatal);
    }
    const { topic, partition } = batch;
    const role = this.#roles.get(topic);
    if (role === undefined) return;
    const state = this.#state;
    const key = `${topic}/${partition}`;
    let progress = this.#progress.get(key);
    if (progress === undefined) {
      progress = { next: 0, high: 0, maxTimestamp: 0, round: 0 };
      this.#progress.set(key, progress);
    }
    progress.high = Number(batch.highWatermark);
    progress.round = this.#round;
    for (const message of batch.messages) {
      if (this.#draining || !isRunning() || isStale()) return;
      const offset = Number(message.offset);
      const now = this.#now();
      const eventMs = Number(message.timestamp);
      if (eventMs > progress.maxTimestamp) progress.maxTimestamp = eventMs;
      if (message.value === null) {
        // A null value (a Kafka tombstone) is never a record of these topics (they are not compacted):
        // it is malformed like an undecodable one, so it is kept and counted, not skipped in silence.
        await this.#deadLetter(
          topic,
          partition,
          message.offset,
          message.key,
          null,
          'null_value',
          `null value (a tombstone) on ${topic}: every record of the joined topics carries an Avro value`,
        );
        state.skip(topic, partition, offset);
      } else {
        try {
          if (role === 'exchanges') state.addExchange(await this.#serdes.exchanges.decode(message.value), topic, partition, offset, now, eventMs);
          else if (role === 'results') state.addResult(await this.#serdes.results.decode(message.value), topic, partition, offset, now, eventMs);
          else if (role === 'sideEffects') state.addSideEffect(await this.#serdes.sideEffects.decode(message.value), topic, partition, offset, now, eventMs);
          else this.#addProgress(await this.#serdes.progress.decode(message.value), topic, partition, offset);
        } catch (err) {
          const error = toJoinError(err);
          if (error.retriable || (error.cause as { retriable?: boolean } | undefined)?.retriable === true) throw error; // registry down: kafkajs retries the batch
          await this.#deadLetter(topic, partition, message.offset, message.key, message.value, 'undecodable', error.message);
          state.skip(topic, partition, offset);
        }
      }
      resolveOffset(message.offset);
      progress.next = offset + 1;
    }
    this.#o.hooks.onLag?.(topic, partition, Number(batch.offsetLagLow()));
    this.#drainState();
    this.#settleProgress();
    if (this.#writer.full) {
      this.#pauseStart = Date.now();
      this.#log.warn({ bufferedRows: this.#writer.bufferedRows }, 'writer full: consumption paused until ClickHouse accepts rows');
      try {
        await this.#writer.waitForCapacity(heartbeat);
      } finally {
        this.#pausedMs += Date.now() - this.#pauseStart;
        this.#pauseStart = undefined;
      }
    }
    if (this.#waiting.length >= this.#o.maxJudgingEntries) {
      // The judges are the bottleneck: stop reading (the join clock stops too) until they catch up.
      this.#pauseStart = Date.now();
      this.#log.warn({ judging: this.#judging, waiting: this.#waiting.length }, 'judges saturated: consumption paused until judgements finish');
      try {
        await this.#waitForJudging(heartbeat, () => this.#waiting.length < this.#o.maxJudgingEntries);
      } finally {
        this.#pausedMs += Date.now() - this.#pauseStart;
        this.#pauseStart = undefined;
      }
    }
    await heartbeat();
  }

  /** Resolves once `done()` holds (checked whenever a judged exchange finishes), ticking `tick` every 3 s. */
  async #waitForJudging(tick: (() => Promise<void>) | undefined, done: () => boolean): Promise<void> {
    while (!done()) {
      const woken = new Promise<void>((resolve) => this.#judgingWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const ticked = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 3000);
      });
      await Promise.race([woken, ticked]);
      clearTimeout(timer);
      if (tick !== undefined) await tick();
    }
  }

  /** `kind` is the metric's reason label (undecodable, null_value); `reason` the header's text. */
  async #deadLetter(
    topic: string,
    partition: number,
    offset: string,
    key: Buffer | null,
    value: Buffer | null,
    kind: DeadLetterKind,
    reason: string,
  ): Promise<void> {
    this.#o.hooks.onDeadLetter?.(topic, kind);
    this.#log.warn({ topic, partition, offset, kind, reason }, `${kind === 'null_value' ? 'null-value' : 'undecodable'} record sent to the dead-letter topic`);
    await this.#producer?.send({
      topic: this.#names.deadLetter,
      messages: [
        {
          key,
          value,
          headers: {
            'shadow-dlq-reason': reason.slice(0, 1000),
            'shadow-dlq-code': kind,
            'shadow-dlq-source': `${topic}/${partition}/${offset}`,
            'shadow-dlq-by': `joiner@${hostname()}`,
          },
        },
      ],
    });
  }

  #rowOptionsOf(): RowOptions {
    return {
      challengers: this.#o.challengers,
      bodySampleRate: this.#o.bodySampleRate,
      maxBodyBytes: this.#o.maxBodyBytes,
      coverage: (joined: { partition: number; exchangeOffset: number | null }, challengerId: string) =>
        joined.exchangeOffset === null ? ('not_replayed' as const) : this.#coverage.classify(joined.partition, joined.exchangeOffset, challengerId),
    };
  }

  #drainState(): void {
    let ready = this.#state.drain(this.#now());
    if (ready.length === 0) return;
    if (this.#comparer.compareExchangeAsync !== undefined) {
      // Only an exchange with live and a result can need a judge; the rest go the sync way.
      const judged = ready.filter((j) => j.exchange !== null && j.results.size > 0);
      if (judged.length > 0) {
        for (const j of judged) this.#waiting.push(j);
        ready = ready.filter((j) => !(j.exchange !== null && j.results.size > 0));
        this.#startJudging();
      }
      if (ready.length === 0) return;
    }
    const now = Date.now();
    const rows: RowSet = { pairs: [], diffs: [], unmatched: [], captures: [], runs: [], bytes: 0 };
    const slots: OffsetSlot[] = [];
    const options = this.#rowOptionsOf();
    for (const joined of ready) {
      const r = rowsFor(joined, this.#comparer, options, now);
      for (const p of r.pairs) rows.pairs.push(p);
      for (const d of r.diffs) rows.diffs.push(d);
      for (const u of r.unmatched) rows.unmatched.push(u);
      for (const c of r.captures) rows.captures.push(c);
      rows.bytes += r.bytes;
      for (const s of joined.slots) slots.push(s);
    }
    this.#writer.add(rows, slots);
  }

  /**
   * Starts comparisons of waiting exchanges up to maxJudgingEntries at once. Their rows reach the
   * writer as each finishes, not in offset order: order does not matter for correctness (a slot is
   * done only when its rows landed, and a partition's committed offset is its first slot not done),
   * and a slow judgement then holds back only its own exchange. A run's drained row waits for them
   * (runPending: their slots are not done). After a rebalance (generation changed) a finished
   * comparison is dropped: its records are read again.
   */
  #startJudging(): void {
    const options = this.#rowOptionsOf();
    while (this.#judging < this.#o.maxJudgingEntries && this.#waiting.length > 0) {
      const joined = this.#waiting.shift() as JoinedExchange;
      const generation = this.#generation;
      this.#judging++;
      void rowsForAsync(joined, this.#comparer, options)
        .catch((err: unknown) => {
          // A judge's failure is a verdict, never a rejection: this is a comparison bug. The pair is
          // still landed, unjudged, from the sync comparison; if that fails too the consumer restarts.
          this.#log.error({ err: toJoinError(err), exchangeId: joined.exchangeId }, 'judged comparison failed; landing the pair without its judgement');
          return rowsFor(joined, this.#comparer, options, Date.now());
        })
        .then((rows) => {
          if (generation === this.#generation && !this.#writerClosed) this.#writer.add(rows, joined.slots);
        })
        .catch((err: unknown) => {
          this.#fatal ??= err;
        })
        .finally(() => {
          this.#judging--;
          this.#o.hooks.onJudging?.({ judging: this.#judging, waiting: this.#waiting.length });
          this.#startJudging();
          for (const w of this.#judgingWaiters.splice(0)) w();
        });
    }
    this.#o.hooks.onJudging?.({ judging: this.#judging, waiting: this.#waiting.length });
  }

  /** A progress record: coverage for live shadowing, a run's start, or a run's end to drain. */
  #addProgress(p: ReplayProgress, topic: string, partition: number, offset: number): void {
    const state = this.#state;
    if (p.partition !== partition) {
      // Co-partitioning is the whole point: a record about another partition cannot be trusted here.
      this.#log.warn(
        { topic, partition, offset, describes: p.partition },
        'progress record written to another partition than the exchanges it describes; skipped',
      );
      state.skip(topic, partition, offset);
      return;
    }
    if (p.kind === 'chunk') {
      this.#coverage.add(p, state.hold(topic, partition, offset));
    } else if ((p.kind === 'run_started' || p.kind === 'run_ended') && p.runId !== null && p.run !== null) {
      if (p.kind === 'run_started') {
        this.#writer.add({ pairs: [], diffs: [], unmatched: [], captures: [], runs: [runRow(p, 1, Date.now())], bytes: 400 }, [
          state.hold(topic, partition, offset),
        ]);
      } else {
        this.#drains.push({
          runId: p.runId,
          partition,
          resultsEndOffset: p.run.resultsEndOffset,
          row: runRow(p, 2, Date.now()),
          slot: state.hold(topic, partition, offset),
        });
      }
    } else {
      state.skip(topic, partition, offset); // a kind this joiner does not know
    }
  }

  /** Where this instance reads `topic`/`partition` next: what it read, else the committed offset at (re)join. */
  #position(topic: string, partition: number): number | undefined {
    const read = this.#progress.get(`${topic}/${partition}`)?.next;
    const floor = this.#floors.get(`${topic}/${partition}`);
    if (read === undefined) return floor;
    return floor === undefined ? read : Math.max(read, floor);
  }

  /**
   * Releases chunk records whose exchanges all landed, and lands the drained row of every run whose
   * results on a partition have all been read and landed; commits what that freed.
   */
  #settleProgress(): void {
    let freed = 0;
    for (const partition of this.#coverage.partitions()) {
      const committed = this.#state.committableOf(this.#names.exchanges, partition) ?? this.#floors.get(`${this.#names.exchanges}/${partition}`);
      if (committed !== undefined) freed += this.#coverage.release(partition, committed);
    }
    for (let i = 0; i < this.#drains.length; ) {
      const d = this.#drains[i] as PendingDrain;
      const end = d.resultsEndOffset;
      if (end > 0) {
        const read = this.#position(this.#names.results, d.partition);
        if (read === undefined || read < end || this.#state.runPending(d.runId, d.partition, end)) {
          i++;
          continue;
        }
      }
      this.#drains.splice(i, 1);
      this.#writer.add({ pairs: [], diffs: [], unmatched: [], captures: [], runs: [{ ...d.row, landed_time: Date.now() }], bytes: 400 }, [d.slot]);
      this.#o.hooks.onRunDrained?.(d.runId, d.partition);
    }
    if (freed > 0) void this.#commit();
  }

  /** The group's committed offsets of the owned topics at (re)join: where reading starts. */
  async #fetchFloors(generation: number): Promise<void> {
    const admin = this.#o.kafka.admin();
    try {
      await admin.connect();
      const topics = [this.#names.exchanges, this.#names.results];
      const fetched = await admin.fetchOffsets({ groupId: this.#o.groupId, topics });
      if (generation !== this.#generation) return;
      for (const t of fetched) {
        for (const p of t.partitions) {
          const offset = Number(p.offset);
          if (offset >= 0) this.#floors.set(`${t.topic}/${p.partition}`, offset);
        }
      }
    } catch (err) {
      // Without floors a drain or a chunk record waits until its partition is read again: late, not wrong.
      this.#log.warn({ err: toJoinError(err) }, 'could not read the committed offsets; progress records settle once their partitions are read');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async #landed(landed: LandedBatch): Promise<void> {
    for (const s of landed.slots) s.done = true;
    this.#o.hooks.onLanded?.({
      pairsByRole: landed.pairsByRole,
      diffs: landed.diffs,
      unmatchedByReason: landed.unmatchedByReason,
      capturesByStatus: landed.capturesByStatus,
      rows: landed.pairs + [...landed.unmatchedByReason.values()].reduce((a, b) => a + b, 0),
      bytes: landed.bytes,
      durationMs: landed.durationMs,
      attempts: landed.attempts,
    });
    this.#settleProgress();
    await this.#commit();
  }

  async #commit(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const offsets = this.#state.committable().filter((o) => this.#lastCommitted.get(`${o.topic}/${o.partition}`) !== o.offset);
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
      for (const o of offsets) this.#lastCommitted.set(`${o.topic}/${o.partition}`, o.offset);
      this.#o.hooks.onCommitted?.(offsets.length);
    } catch (err) {
      // A rebalance in progress refuses the commit; the rows are landed, so re-reading them after the
      // rebalance only produces duplicates that collapse.
      this.#log.warn({ err: toJoinError(err, 'JOIN_COMMIT_FAILED') }, 'offset commit failed; will retry with the next batch');
    }
  }

  async close(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    const consumer = this.#consumer;
    if (consumer !== undefined) {
      consumer.pause([...this.#roles.keys()].map((topic) => ({ topic })));
      if (this.#handlers > 0) await new Promise<void>((resolve) => this.#handlersIdle.push(resolve));
    }
    // Entries that completed are landed; open ones are not written (they are re-read after restart).
    this.#drainState();
    // Judgements in flight (bounded by the judges' deadlines) finish and land with the rest.
    await this.#waitForJudging(undefined, () => this.#judging === 0 && this.#waiting.length === 0);
    await this.#writer.flush();
    await this.#commit();
    this.#writerClosed = true;
    this.#writer.close();
    await consumer?.disconnect();
    await this.#producer?.disconnect();
    this.#ready = false;
  }
}
