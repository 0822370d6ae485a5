// The unit of work of the live consumer: a run of consecutive messages of one partition. Decode (bad records -> dead letters), dispatch every exchange to every
// challenger, wait for all results, produce results + side effects + dead letters, wait for Kafka's
// acknowledgement, and only then commit the offset after the chunk's last message. A crash anywhere
// before the commit replays the chunk (at-least-once); results are idempotent downstream by
// (exchangeId, challengerId, attempt).
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
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
      ctx.logger.warn({ topic: ctx.topic, partition: ctx.partition, offset: message.offset, code: decoded.deadLetter.code },
        'undecodable record sent to the dead-letter topic');
      outcome.deadLettered++;
    } else {
      pending.push(ctx.dispatcher.dispatch(decoded.exchange));
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
  let results: ShadowResult[];
  try {
    results = (await Promise.all(pending)).flat();
  } finally {
    clearInterval(timer);
  }
  const effects = [...liveEffects, ...(ctx.takeSandboxEffects?.() ?? [])];
  await ctx.sink.send(results, effects, deadLetters);
  outcome.results = results.length;
  if (lastHandled !== undefined) await ctx.commit((BigInt(lastHandled.offset) + 1n).toString());
  return outcome;
}
