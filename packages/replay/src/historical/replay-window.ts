// A historical replay: the exchanges whose captureTimeMs lies in [from, to), read from the exchanges
// topic, replayed at `speed`, results tagged with the run id.
//
// Progress lives in Kafka, in a consumer group named after the run (`shadow-replay.<runId>`): on the
// first run its offsets are set to the window's start offsets (offsets by timestamp, minus a slack
// for the gap between capture time and record time); every chunk commits after its results are
// acknowledged. An interrupted run (signal, SIGINT, crash, kill -9) is resumed by running again with
// the same run id: the group's committed offsets say where it stopped; chunks not committed are
// replayed again (at-least-once, same runId and attempt, so downstream dedup applies). No state file
// to lose or to share between machines, and `kafka-consumer-groups --describe` shows the progress.
//
// The end of the window is an end offset per partition (offsets by timestamp at `to` + slack, or the
// high watermark when nothing that late exists yet); a partition is done when its end offset is
// reached, and the run ends when every partition is done.
import { randomUUID } from 'node:crypto';
import { topicNames } from '@shadow/contracts';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { resolveChallengers } from '../challenger/options.js';
import { ALWAYS_ACTIVE, waitWhilePaused } from '../control/kill-switch.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { ReplayError, toReplayError } from '../errors.js';
import { processChunk } from '../kafka/chunk-processor.js';
import { ExchangeDecoder } from '../kafka/exchange-decoder.js';
import { OutputSink } from '../kafka/output-sink.js';
import { silentLogger } from '../logger.js';
import { ReplaySampler } from '../sampling/replay-sampler.js';
import type { ReplaySummary, ReplayWindowOptions } from './options.js';
import { Pacer } from './pacer.js';

export function replayGroupId(runId: string): string {
  return `shadow-replay.${runId}`;
}

interface PartitionPlan {
  partition: number;
  start: bigint;
  end: bigint;
}

export async function replayWindow(options: ReplayWindowOptions): Promise<ReplaySummary> {
  const logger = options.logger ?? silentLogger;
  const names = topicNames(options.topicPrefix ?? '');
  const topic = options.topic ?? names.exchanges;
  const runId = options.runId ?? randomUUID();
  const { fromMs, toMs, kafka } = options;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `the window must satisfy from < to, got from=${fromMs} to=${toMs}`);
  }
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(runId)) throw new ReplayError('REPLAY_INVALID_OPTION', `runId may only contain letters, digits, ".", "_" and "-", got ${JSON.stringify(runId)}`);
  const speed = options.speed ?? 'max';
  const slack = options.timestampSlackMs ?? 60_000;
  const chunkSize = options.chunkSize ?? 256;
  const groupId = replayGroupId(runId);
  const t0 = performance.now();

  // 1. Plan: start/end offsets per partition, resuming from committed progress when there is some.
  const admin = kafka.admin();
  const plans: PartitionPlan[] = [];
  let resumed = false;
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const missing = [topic, names.results, names.sideEffects, names.deadLetter].filter((t) => !existing.includes(t));
    if (missing.length > 0) {
      throw new ReplayError('REPLAY_TOPIC_MISSING', `topic(s) ${missing.join(', ')} do not exist; create them first (ensureTopics from @shadow/contracts, or the shadow CLI)`);
    }
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, fromMs - slack);
    const ends = await admin.fetchTopicOffsetsByTimestamp(topic, toMs + slack);
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    const toSet: { partition: number; offset: string }[] = [];
    for (const s of starts) {
      const end = BigInt(ends.find((e) => e.partition === s.partition)?.offset ?? s.offset);
      const done = committed.find((c) => c.partition === s.partition);
      let start = BigInt(s.offset);
      if (done !== undefined && BigInt(done.offset) >= 0n) {
        start = BigInt(done.offset);
        resumed = true;
      } else {
        toSet.push({ partition: s.partition, offset: s.offset });
      }
      plans.push({ partition: s.partition, start, end });
    }
    if (toSet.length > 0) await admin.setOffsets({ groupId, topic, partitions: toSet });
  } catch (error) {
    throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const total = plans.reduce((n, p) => n + Number(p.end > p.start ? p.end - p.start : 0n), 0);
  const pendingPartitions = new Set(plans.filter((p) => p.end > p.start).map((p) => p.partition));
  logger.info({ runId, topic, fromMs, toMs, speed, resumed, total, partitions: plans.map((p) => ({ partition: p.partition, start: String(p.start), end: String(p.end) })) }, 'historical replay planned');

  const dispatcher = new Dispatcher({
    challengers: resolveChallengers(options.challengers),
    ordering: options.ordering,
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
  const pacer = speed === 'max' ? null : new Pacer(speed);
  const killSwitch = options.killSwitch ?? ALWAYS_ACTIVE;
  let handled = 0;
  let exchanges = 0;
  let outsideWindow = 0;
  let deadLettered = 0;
  const interrupted = (): boolean => options.signal?.aborted === true;

  const progress = (): void => {
    const sent = dispatcher.stats().challengers.reduce((n, c) => n + c.sent, 0);
    options.onProgress?.({ runId, total, handled, sent, elapsedMs: Math.round(performance.now() - t0) });
  };
  const progressTimer = options.onProgress === undefined ? undefined : setInterval(progress, options.progressEveryMs ?? 1_000);

  let consumer: Consumer | undefined;
  try {
    if (pendingPartitions.size > 0 && !interrupted()) {
      await sink.start();
      let finish: () => void = () => undefined;
      let fail: (error: unknown) => void = () => undefined;
      const finished = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
      const onAbort = (): void => finish();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const c = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 1024 * 1024, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
      consumer = c;
      c.on(c.events.CRASH, ({ payload }) => {
        if (!payload.restart) fail(payload.error);
      });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      const endOf = new Map(plans.map((p) => [p.partition, p.end]));
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Every partition in its own slot: 1x pacing needs all of them moving on the shared clock.
        partitionsConsumedConcurrently: Math.max(1, plans.length),
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          const end = endOf.get(batch.partition) ?? 0n;
          if (!pendingPartitions.has(batch.partition)) return;
          const inRange: KafkaMessage[] = batch.messages.filter((m) => BigInt(m.offset) < end);
          for (let i = 0; i < inRange.length; i += chunkSize) {
            if (interrupted() || !isRunning() || isStale()) return;
            await waitWhilePaused(killSwitch, () => interrupted() || !isRunning(), heartbeat);
            const outcome = await processChunk(inRange.slice(i, i + chunkSize), {
              topic: batch.topic,
              expectedTopic: topic,
              partition: batch.partition,
              decoder,
              dispatcher,
              sink,
              liveSideEffects: options.liveSideEffects,
              takeSandboxEffects: options.takeSandboxEffects,
              admit: (exchange) => {
                if (exchange.captureTimeMs >= fromMs && exchange.captureTimeMs < toMs) return 'dispatch';
                outsideWindow++;
                return 'skip';
              },
              beforeDispatch: pacer === null ? undefined : (exchange) => pacer.wait(exchange.captureTimeMs),
              stopped: interrupted,
              heartbeat,
              commit: (offset) => c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]),
              onDeadLetter: (d) => {
                deadLettered++;
                options.onDeadLetter?.(d);
              },
              logger,
            });
            handled += outcome.handled;
            exchanges += outcome.dispatched;
          }
          // The window's end on this partition: everything before `end` is handled (and committed).
          const last = inRange.at(-1);
          if (!interrupted() && (BigInt(batch.lastOffset()) + 1n >= end || (last !== undefined && BigInt(last.offset) + 1n >= end))) {
            pendingPartitions.delete(batch.partition);
            if (pendingPartitions.size === 0) finish();
          }
        },
      });
      await finished;
      options.signal?.removeEventListener('abort', onAbort);
    }
  } catch (error) {
    throw toReplayError(error, 'REPLAY_KAFKA_FAILED');
  } finally {
    if (progressTimer !== undefined) clearInterval(progressTimer);
    // disconnect() lets the eachBatch in flight finish its chunk (produce + commit) first.
    await consumer?.disconnect().catch(() => undefined);
    await sink.close();
    await dispatcher.close();
  }
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
    topic,
    fromMs,
    toMs,
    completed: pendingPartitions.size === 0,
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
