// The unit of work of the live consumer: a run of consecutive messages of one partition. Decode (bad records -> dead letters), dispatch every exchange to every
// challenger, wait for all results, produce results + side effects + dead letters, wait for Kafka's
// acknowledgement, and only then commit the offset after the chunk's last message. A crash anywhere
// before the commit replays the chunk (at-least-once); results are idempotent downstream by
// (exchangeId, challengerId, attempt).
//
// The chunk's progress record goes in the same produce request, after the results: which offsets of
// this partition the replayer passed and, per challenger, which of them it sent (a bitmap). With it
// the joiner tells "a result is missing" (a replayer sent it) from "nothing replayed it" (no
// replayer passed it, or it was sampled out), so an unmatched row means expected and missing.
import { dispatchedBitmap, markDispatched } from '@shadow/contracts';
import type { CapturedExchange, ReplayProgress, ShadowResult, SideEffect } from '@shadow/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ReplayLogger } from '../logger.js';
import { errorMessage } from '../logger.js';
import type { DeadLetter, ExchangeDecoder } from './exchange-decoder.js';
import type { OutputSink } from './output-sink.js';

export interface ChunkContext {
  topic: string;
  expectedTopic: string;
  partition: number;
  decoder: ExchangeDecoder;
  dispatcher: Dispatcher;
  sink: OutputSink;
  /** Side effects the live service made (liveSideEffectsOf), published with the chunk. */
  liveSideEffects?: ((exchange: CapturedExchange) => SideEffect[]) | undefined;
  /** Side effects the sandbox reported since the last chunk (taken, not peeked). */
  takeSandboxEffects?: (() => SideEffect[]) | undefined;
  heartbeat: () => Promise<void>;
  commit: (nextOffset: string) => Promise<void>;
  onDeadLetter?: ((deadLetter: DeadLetter) => void) | undefined;
  /** The replayer's consumer group, named in the chunk's progress record. */
  replayer: string;
  logger: ReplayLogger;
}

export interface ChunkOutcome {
  /** Messages handled (dispatched or dead-lettered). */
  handled: number;
  dispatched: number;
  deadLettered: number;
  results: number;
}

const HEARTBEAT_EVERY_MS = 2_000;

export async function processChunk(messages: readonly KafkaMessage[], ctx: ChunkContext): Promise<ChunkOutcome> {
  const outcome: ChunkOutcome = { handled: 0, dispatched: 0, deadLettered: 0, results: 0 };
  if (messages.length === 0) return outcome;
  const deadLetters: DeadLetter[] = [];
  const liveEffects: SideEffect[] = [];
  const pending: Promise<ShadowResult[]>[] = [];
  /** Offset of each dispatched exchange, parallel to `pending`. */
  const pendingOffsets: bigint[] = [];
  let lastHandled: KafkaMessage | undefined;
  let beat = Date.now();
  const maybeHeartbeat = async (): Promise<void> => {
    if (Date.now() - beat >= HEARTBEAT_EVERY_MS) {
      beat = Date.now();
      await ctx.heartbeat();
    }
  };
  for (const message of messages) {
    const decoded = await ctx.decoder.decode(message, ctx.topic, ctx.partition, ctx.expectedTopic);
    if (!decoded.ok) {
      deadLetters.push(decoded.deadLetter);
      ctx.onDeadLetter?.(decoded.deadLetter);
      ctx.logger.warn(
        { topic: ctx.topic, partition: ctx.partition, offset: message.offset, code: decoded.deadLetter.code },
        'undecodable record sent to the dead-letter topic',
      );
      outcome.deadLettered++;
    } else {
      pending.push(ctx.dispatcher.dispatch(decoded.exchange));
      pendingOffsets.push(BigInt(message.offset));
      if (ctx.liveSideEffects !== undefined) {
        try {
          liveEffects.push(...ctx.liveSideEffects(decoded.exchange));
        } catch (error) {
          ctx.logger.warn({ exchangeId: decoded.exchange.exchangeId, err: errorMessage(error) }, 'live side effects not derived');
        }
      }
      outcome.dispatched++;
    }
    lastHandled = message;
    outcome.handled++;
    await maybeHeartbeat();
  }
  // Keep the group membership alive while slow challengers answer.
  const timer = setInterval(() => {
    ctx.heartbeat().catch(() => undefined);
  }, HEARTBEAT_EVERY_MS);
  let perExchange: ShadowResult[][];
  try {
    perExchange = await Promise.all(pending);
  } finally {
    clearInterval(timer);
  }
  const results = perExchange.flat();
  const effects = [...liveEffects, ...(ctx.takeSandboxEffects?.() ?? [])];
  const first = messages[0] as KafkaMessage;
  const last = (lastHandled ?? first) as KafkaMessage;
  const progress = progressOf(ctx, BigInt(first.offset), BigInt(last.offset) + 1n, pendingOffsets, perExchange);
  await ctx.sink.send(results, effects, deadLetters, [progress]);
  outcome.results = results.length;
  if (lastHandled !== undefined) await ctx.commit((BigInt(lastHandled.offset) + 1n).toString());
  return outcome;
}

/** The chunk's progress record: offsets [from, to) of the partition passed, and who got what. */
function progressOf(ctx: ChunkContext, from: bigint, to: bigint, offsets: readonly bigint[], perExchange: readonly ShadowResult[][]): ReplayProgress {
  const size = Number(to - from);
  const challengers = ctx.dispatcher.challengers.map((c) => ({ id: c.id, role: c.role, dispatched: dispatchedBitmap(size), replayed: 0, failed: 0 }));
  const byId = new Map(challengers.map((c) => [c.id, c]));
  perExchange.forEach((results, i) => {
    const index = Number((offsets[i] as bigint) - from);
    for (const r of results) {
      const c = byId.get(r.challengerId);
      if (c === undefined) continue;
      markDispatched(c.dispatched, index);
      c.replayed++;
      if (r.errorKind !== null) c.failed++;
    }
  });
  return {
    kind: 'chunk',
    producedTimeMs: Date.now(),
    replayer: ctx.replayer,
    partition: ctx.partition,
    fromOffset: Number(from),
    toOffset: Number(to),
    challengers,
    runId: null,
    sessionId: null,
    run: null,
  };
}
