// A historical replay: the exchanges whose captureTimeMs lies in [from, to), read from the exchanges
// topic, replayed at `speed`, results tagged with the run id.
//
// Reading and dispatching are decoupled. kafkajs fetches all partitions of one broker in one round
// and waits for every batch of the round before fetching again, so an eachBatch that waits (for a
// pacing slot, or for another partition to catch up) would stall the others. Here eachBatch only
// decodes its records into a bounded per-partition buffer (pausing the partition when full) and
// returns; one dispatch loop takes records from the buffers in capture-time order across partitions
// (when pacing or ordering needs it; otherwise from whichever buffer has records), and a flusher
// produces results and commits per partition what Kafka acknowledged.
//
// Progress lives in Kafka, in a consumer group named after the run (`shadow-replay.<runId>`): the
// consumer seeks every partition to its start (the committed offset when the group has one, else the
// window's start offset by timestamp, minus a slack for the gap between capture time and record
// time; records fetched before the seek took effect are dropped by offset). An interrupted run (signal, SIGINT, crash,
// kill -9) is resumed by running again with the same run id: records after the committed offsets are
// read again, so results not yet acknowledged are produced again (at-least-once; same runId and
// attempt, so downstream dedup applies). No state file to lose, and `kafka-consumer-groups
// --describe` shows the progress.
//
// The end of the window is an end offset per partition (offsets by timestamp at `to` + slack, or the
// high watermark when nothing that late exists yet).
//
// The run tells the joiner where it starts and ends (progress topic, one record per exchanges
// partition): run_started with its window and challengers, run_ended with its counts and, per
// partition, the results topic's end offset once its last result was acknowledged. Every result of
// the session on that partition lies below that offset, so the joiner knows when it has landed all
// of them (`shadow report --run-id R --wait`). Each result carries the live exchange it answers
// (Dispatcher), so the joiner pairs the run however old the window is.
import { randomUUID } from 'node:crypto';
import { topicNames, topicPrefixProblem } from '@shadow/contracts';
import type { ReplayProgress, RunProgress, SideEffect } from '@shadow/contracts';
import { Semaphore } from '@shadow/limits';
import type { Consumer } from 'kafkajs';
import { resolveChallengers } from '../challenger/options.js';
import { ALWAYS_ACTIVE } from '../control/kill-switch.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { ReplayError, toReplayError } from '../errors.js';
import { ExchangeDecoder } from '../kafka/exchange-decoder.js';
import { OutputSink, progressTopicProblem } from '../kafka/output-sink.js';
import { errorMessage, silentLogger } from '../logger.js';
import { ReplaySampler } from '../sampling/replay-sampler.js';
import type { ReplaySummary, ReplayWindowOptions } from './options.js';
import { Pacer } from './pacer.js';
import type { Entry } from './partition-buffer.js';
import { PartitionBuffer } from './partition-buffer.js';

export function replayGroupId(runId: string): string {
  return `shadow-replay.${runId}`;
}

const FLUSH_EVERY_MS = 200;

export async function replayWindow(options: ReplayWindowOptions): Promise<ReplaySummary> {
  const logger = options.logger ?? silentLogger;
  const prefixProblem = topicPrefixProblem(options.topicPrefix ?? '');
  if (prefixProblem !== null) throw new ReplayError('REPLAY_INVALID_OPTION', `topicPrefix ${prefixProblem}`);
  const names = topicNames(options.topicPrefix ?? '');
  const topic = options.topic ?? names.exchanges;
  const runId = options.runId ?? randomUUID();
  const { fromMs, toMs, kafka } = options;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `the window must satisfy from < to, got from=${fromMs} to=${toMs}`);
  }
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(runId))
    throw new ReplayError('REPLAY_INVALID_OPTION', `runId may only contain letters, digits, ".", "_" and "-", got ${JSON.stringify(runId)}`);
  const speed = options.speed ?? 'max';
  const slack = options.timestampSlackMs ?? 60_000;
  const flushSize = options.chunkSize ?? 256;
  const maxBuffered = options.maxBufferedPerPartition ?? 5_000;
  const groupId = replayGroupId(runId);
  const ordering = options.ordering ?? { mode: 'none' };
  const challengers = resolveChallengers(options.challengers);
  const maxInFlight = options.maxInFlightExchanges ?? challengers.reduce((n, c) => n + c.maxConcurrency, 0) * 2;
  // Capture-time order across partitions is needed for pacing and ordering; at `max` without
  // ordering any buffer with records will do (no waiting for a lagging partition's fetch).
  const merge = speed !== 'max' || ordering.mode !== 'none';
  const t0 = performance.now();
  const sessionId = randomUUID();
  let progressProblem: string | null | undefined;

  // 1. Plan: start/end offsets per partition, resuming from committed progress when there is some.
  const admin = kafka.admin();
  const buffers = new Map<number, PartitionBuffer>();
  let resumed = false;
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const missing = [topic, names.results, names.sideEffects, names.deadLetter].filter((t) => !existing.includes(t));
    if (missing.length > 0) {
      throw new ReplayError(
        'REPLAY_TOPIC_MISSING',
        `topic(s) ${missing.join(', ')} do not exist; create them first (ensureTopics from @shadow/contracts, or the shadow CLI)`,
      );
    }
    // Never negative: -1 and -2 mean latest and earliest to Kafka.
    progressProblem = await progressTopicProblem(admin, topic, names.progress, new Set(existing));
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, fromMs - slack));
    const ends = await admin.fetchTopicOffsetsByTimestamp(topic, toMs + slack);
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    for (const s of starts) {
      const end = BigInt(ends.find((e) => e.partition === s.partition)?.offset ?? s.offset);
      const done = committed.find((c) => c.partition === s.partition);
      let start = BigInt(s.offset);
      if (done !== undefined && BigInt(done.offset) >= 0n) {
        start = BigInt(done.offset);
        resumed = true;
      }
      buffers.set(s.partition, new PartitionBuffer(s.partition, start, end));
    }
  } catch (error) {
    throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const plan = [...buffers.values()];
  logger.info({ runId, topic, fromMs, toMs, speed, resumed, groupId }, 'historical replay planned');

  const dispatcher = new Dispatcher({
    challengers,
    ordering,
    sampler: options.sampling === undefined ? undefined : new ReplaySampler(options.sampling),
    hooks: options.hooks,
    redactHeaders: options.redactHeaders,
    attempt: options.attempt,
    runId,
    onResult: options.onResult,
    logger,
  });
  const decoder = new ExchangeDecoder(options.registry, topic, `replay:${runId}`);
  const sink = new OutputSink(kafka, options.registry, names);
  if (progressProblem !== null && progressProblem !== undefined) {
    logger.warn({ runId, topic: names.progress }, `replaying without run records: ${progressProblem}`);
    sink.withoutProgress();
  }
  // What run_started and run_ended say about the run (the counts are filled in at the end).
  const runInfo = (state: string, counts: Partial<RunProgress> = {}): RunProgress => ({
    fromMs,
    toMs,
    speed: speed === 'max' ? 'max' : `${speed}x`,
    ordering: ordering.mode === 'header' ? `header:${ordering.header}` : ordering.mode,
    sampling: JSON.stringify(options.sampling ?? {}),
    maxConcurrency: challengers.reduce((n, c) => n + c.maxConcurrency, 0),
    partitions: plan.length,
    state,
    resumed,
    exchanges: 0,
    outsideWindow: 0,
    sampledOut: 0,
    deadLettered: 0,
    resultsEndOffset: -1,
    ...counts,
  });
  const runRecords = (
    kind: 'run_started' | 'run_ended',
    run: (partition: number) => RunProgress,
    perChallenger: (id: string) => { replayed: number; failed: number },
  ): ReplayProgress[] =>
    plan.map((b) => ({
      kind,
      producedTimeMs: Date.now(),
      replayer: groupId,
      partition: b.partition,
      fromOffset: 0,
      toOffset: 0,
      challengers: challengers.map((c) => ({ id: c.id, role: c.role, dispatched: Buffer.alloc(0), ...perChallenger(c.id) })),
      runId,
      sessionId,
      run: run(b.partition),
    }));
  const pacer = speed === 'max' ? null : new Pacer(speed);
  const killSwitch = options.killSwitch ?? ALWAYS_ACTIVE;
  const inFlight = new Semaphore(maxInFlight);
  let total = 0;
  let handled = 0;
  let exchanges = 0;
  let outsideWindow = 0;
  let deadLettered = 0;
  let failure: unknown;
  const interrupted = (): boolean => options.signal?.aborted === true || failure !== undefined;

  // Wake-ups of the dispatch loop: a batch arrived, or an interrupt.
  let wake: () => void = () => undefined;
  const arrived = (): void => wake();
  options.signal?.addEventListener('abort', arrived, { once: true });
  const sleep = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  const progress = (): void => {
    const sent = dispatcher.stats().challengers.reduce((n, c) => n + c.sent, 0);
    options.onProgress?.({ runId, total, handled, sent, elapsedMs: Math.round(performance.now() - t0) });
  };
  const progressTimer = options.onProgress === undefined ? undefined : setInterval(progress, options.progressEveryMs ?? 1_000);
  for (const b of plan) total += Number(b.end > b.start ? b.end - b.start : 0n);

  let consumer: Consumer | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const ready: Entry[] = [];
  const sandboxEffects = (): SideEffect[] => options.takeSandboxEffects?.() ?? [];

  const flush = (): Promise<void> => {
    flushing = flushing
      .then(async () => {
        const batch = ready.splice(0);
        const effects = sandboxEffects();
        if (batch.length === 0 && effects.length === 0) return;
        await sink.send(
          batch.flatMap((e) => e.output?.results ?? []),
          [...batch.flatMap((e) => e.output?.sideEffects ?? []), ...effects],
          batch.flatMap((e) => (e.deadLetter === null ? [] : [e.deadLetter])),
        );
        for (const e of batch) e.flushed = true;
        const commits: { topic: string; partition: number; offset: string }[] = [];
        for (const b of plan) {
          const next = b.advance();
          if (next !== null) commits.push({ topic, partition: b.partition, offset: next.toString() });
        }
        if (commits.length > 0 && consumer !== undefined) await consumer.commitOffsets(commits);
      })
      .catch((error: unknown) => {
        failure ??= error;
        wake();
      });
    return flushing;
  };
  const decode = async (partition: number, entry: Entry): Promise<void> => {
    if (entry.message === null) return;
    const decoded = await decoder.decode(entry.message, topic, partition, topic);
    entry.message = null;
    if (decoded.ok) entry.exchange = decoded.exchange;
    else entry.deadLetter = decoded.deadLetter;
  };
  const complete = (entry: Entry): void => {
    ready.push(entry);
    if (ready.length >= flushSize) void flush();
  };

  try {
    await sink.start();
    await sink.send(
      [],
      [],
      [],
      runRecords(
        'run_started',
        () => runInfo('running'),
        () => ({ replayed: 0, failed: 0 }),
      ),
    );
    const pending = plan.filter((b) => !b.done);
    if (pending.length > 0 && !interrupted()) {
      // A short fetch wait: a partition resumed after a pause is only fetched again once the
      // fetch in progress returns, and the broker holds a fetch for drained partitions up to this long.
      // Paced runs fetch smaller batches: kafkajs parses a fetch response synchronously, and a 1 MB
      // batch holds the event loop past a pacing slot.
      const c = kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        maxBytesPerPartition: speed === 'max' ? 1024 * 1024 : 128 * 1024,
        maxWaitTimeInMs: 100,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
      });
      consumer = c;
      c.on(c.events.CRASH, ({ payload }) => {
        if (!payload.restart) {
          failure ??= payload.error;
          wake();
        }
      });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Decoding is left to the dispatch loop (one record at a time), so a 1 MB batch does not hold
        // the event loop and pacing stays on time.
        eachBatch: async ({ batch, resolveOffset, pause }) => {
          const b = buffers.get(batch.partition);
          if (b === undefined || b.fetchComplete) return;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            // A fetch issued before the seek below took effect starts at the earliest offset.
            if (offset < b.start || offset < b.next) continue;
            if (offset >= b.end) break;
            b.next = offset + 1n;
            b.queued.push({ offset, message, exchange: null, deadLetter: null, output: null, flushed: false });
            // Fetching continues from here; nothing is committed until the results are acknowledged.
            resolveOffset(message.offset);
          }
          if (BigInt(batch.lastOffset()) + 1n >= b.end) b.fetchComplete = true;
          if (b.queued.length >= maxBuffered && !b.fetchComplete) b.resume = pause();
          arrived();
        },
      });
      // kafkajs applies seeks only once the consumer runs; (setOffsets through the admin would join
      // the group a second time, costing the broker's initial rebalance delay).
      for (const b of plan) if (!b.fetchComplete) c.seek({ topic, partition: b.partition, offset: b.start.toString() });

      // 2. The dispatch loop.
      const flushTimer = setInterval(() => void flush(), FLUSH_EVERY_MS);
      try {
        let rr = 0;
        while (!interrupted()) {
          if (killSwitch.state !== 'active') {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          let next: PartitionBuffer | undefined;
          let mustWait = false;
          if (merge) {
            let best = Infinity;
            for (const b of plan) {
              if (b.exhausted) continue;
              const head = b.queued[0];
              if (head === undefined) {
                mustWait = true; // this partition may hold an earlier exchange: wait for its fetch
                break;
              }
              await decode(b.partition, head);
              // Dead letters sort first: they need no slot.
              const t = head.exchange?.captureTimeMs ?? -Infinity;
              if (next === undefined || t < best) {
                next = b;
                best = t;
              }
            }
          } else {
            for (let i = 0; i < plan.length; i++) {
              const b = plan[(rr + i) % plan.length] as PartitionBuffer;
              if (b.queued.length > 0) {
                next = b;
                rr = (rr + i + 1) % plan.length;
                break;
              }
            }
          }
          if (mustWait || next === undefined) {
            if (plan.every((b) => b.exhausted)) break;
            await sleep();
            continue;
          }
          const entry = next.queued.shift() as Entry;
          if (next.resume !== null && next.queued.length < maxBuffered / 2) {
            next.resume();
            next.resume = null;
          }
          next.uncommitted.push(entry);
          handled++;
          await decode(next.partition, entry);
          const ex = entry.exchange;
          if (ex === null) {
            deadLettered++;
            if (entry.deadLetter !== null) options.onDeadLetter?.(entry.deadLetter);
            entry.output = { results: [], sideEffects: [] };
            complete(entry);
            continue;
          }
          if (ex.captureTimeMs < fromMs || ex.captureTimeMs >= toMs) {
            outsideWindow++;
            entry.output = { results: [], sideEffects: [] };
            complete(entry);
            continue;
          }
          if (pacer !== null) {
            await pacer.wait(ex.captureTimeMs, options.signal);
            if (interrupted()) {
              // Not dispatched: back to the queue's head so the commit point stays before it.
              next.uncommitted.pop();
              next.queued.unshift(entry);
              handled--;
              break;
            }
          }
          const release = await inFlight.acquire();
          exchanges++;
          let live: SideEffect[] = [];
          try {
            live = options.liveSideEffects?.(ex) ?? [];
          } catch (error) {
            logger.warn({ exchangeId: ex.exchangeId, err: errorMessage(error) }, 'live side effects not derived');
          }
          void dispatcher.dispatch(ex).then((results) => {
            release();
            entry.output = { results, sideEffects: live };
            complete(entry);
          });
        }
        // Drain: every dispatched exchange completes (answers or times out), then one last flush.
        const drain = await Promise.all(Array.from({ length: maxInFlight }, () => inFlight.acquire()));
        for (const r of drain) r();
        await flush();
        await flushing;
      } finally {
        clearInterval(flushTimer);
      }
    }
    // Every result of this session is acknowledged: tell the joiner where they end, per partition.
    if (failure === undefined && sink.progressEnabled) {
      const stats = dispatcher.stats();
      const counts: Partial<RunProgress> = {
        exchanges,
        outsideWindow,
        deadLettered,
        sampledOut: stats.challengers.reduce((n, c) => Math.max(n, c.sampledOut), 0),
      };
      const ends = await resultsEndOffsets(kafka, names.results);
      const state = plan.every((b) => b.done) ? 'completed' : 'interrupted';
      const sent = new Map(stats.challengers.map((c) => [c.id, { replayed: c.sent, failed: Object.values(c.failed).reduce((a, b) => a + b, 0) }]));
      await sink.send(
        [],
        [],
        [],
        runRecords(
          'run_ended',
          (p) => runInfo(state, { ...counts, resultsEndOffset: ends.get(p) ?? -1 }),
          (id) => sent.get(id) ?? { replayed: 0, failed: 0 },
        ),
      );
    }
  } catch (error) {
    failure ??= error;
  } finally {
    options.signal?.removeEventListener('abort', arrived);
    if (progressTimer !== undefined) clearInterval(progressTimer);
    await consumer?.disconnect().catch(() => undefined);
    await sink.close();
    await dispatcher.close();
  }
  if (failure !== undefined) throw toReplayError(failure, 'REPLAY_KAFKA_FAILED');
  progress();

  const stats = dispatcher.stats();
  const durationMs = Math.round(performance.now() - t0);
  const failed: Record<string, number> = {};
  let sent = 0;
  let succeeded = 0;
  for (const c of stats.challengers) {
    sent += c.sent;
    succeeded += c.succeeded;
    for (const [kind, n] of Object.entries(c.failed)) failed[kind] = (failed[kind] ?? 0) + n;
  }
  const summary: ReplaySummary = {
    runId,
    sessionId,
    topic,
    fromMs,
    toMs,
    completed: plan.every((b) => b.done),
    exchanges,
    sent,
    succeeded,
    failed,
    outsideWindow,
    sampledOut: stats.challengers.reduce((n, c) => Math.max(n, c.sampledOut), 0),
    deadLettered,
    perChallenger: stats.challengers.map((c) => ({ id: c.id, role: c.role, sent: c.sent, succeeded: c.succeeded, failed: c.failed })),
    durationMs,
    achievedRatePerSecond: durationMs > 0 ? Math.round((sent / durationMs) * 1000 * 10) / 10 : 0,
    resumed,
  };
  logger.info({ ...summary }, summary.completed ? 'historical replay completed' : 'historical replay interrupted; run again with the same runId to resume');
  return summary;
}

/** The results topic's end offset per partition (everything acknowledged so far lies below it). */
async function resultsEndOffsets(kafka: ReplayWindowOptions['kafka'], topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
