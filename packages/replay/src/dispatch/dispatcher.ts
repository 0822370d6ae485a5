// Sends one captured exchange to every configured challenger and returns one ShadowResult per
// challenger that sampled it in. In a historical run every result also carries the exchange's live
// snapshot and the ids of the challengers it was sent to, so the joiner pairs the run from the
// results alone, whenever it reads them (docs/joiner.md "Runs are self-contained"). Per challenger: sampling (deterministic by exchange id), the
// ordering chain for the exchange's key, the token bucket (max rate) and the semaphore (max
// concurrency), in that order, so a request waiting for its turn or a token holds no connection.
import { liveSnapshotOf } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { Semaphore, TokenBucket } from '@shadow/limits';
import { ChallengerClient } from '../challenger/challenger-client.js';
import type { ResolvedChallenger } from '../challenger/options.js';
import type { ReplayLogger } from '../logger.js';
import { errorMessage, silentLogger } from '../logger.js';
import type { OrderingOptions } from '../ordering/key-sequencer.js';
import { KeySequencer, orderingKeyOf } from '../ordering/key-sequencer.js';
import { buildReplayRequest } from '../request/replay-request.js';
import type { ReplaySampler, SamplingControl } from '../sampling/replay-sampler.js';
import { controlSampled } from '../sampling/replay-sampler.js';
import type { ChallengerStats, DispatchContext, DispatcherStats, ReplayHooks } from './types.js';

/** Response headers redacted in results, like the tap's defaults (DEFAULT_REDACTED_HEADERS). */
export const DEFAULT_RESULT_REDACTED_HEADERS: readonly string[] = Object.freeze(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);

export interface DispatcherOptions {
  challengers: readonly ResolvedChallenger[];
  /** @default { mode: 'none' } (concurrent) */
  ordering?: OrderingOptions | undefined;
  /** Sampling applied before every challenger's own. @default none */
  sampler?: ReplaySampler | undefined;
  /** The control topic's rate per service, applied before everything else (live shadowing). @default none */
  samplingControl?: SamplingControl | undefined;
  hooks?: ReplayHooks | undefined;
  /** Response headers whose values become `[REDACTED]` in results. @default DEFAULT_RESULT_REDACTED_HEADERS */
  redactHeaders?: readonly string[] | undefined;
  /** @default 1 */
  attempt?: number | undefined;
  /** @default null (live shadowing) */
  runId?: string | null | undefined;
  /** Called with every result as soon as it exists (metrics). */
  onResult?: ((result: ShadowResult, challenger: ResolvedChallenger) => void) | undefined;
  logger?: ReplayLogger | undefined;
}

interface Lane {
  readonly challenger: ResolvedChallenger;
  readonly client: ChallengerClient;
  readonly bucket: TokenBucket | null;
  readonly semaphore: Semaphore;
  readonly sequencer: KeySequencer;
  readonly stats: ChallengerStats;
}

export class Dispatcher {
  readonly #lanes: Lane[];
  readonly #ordering: OrderingOptions;
  readonly #sampler: ReplaySampler | undefined;
  readonly #samplingControl: SamplingControl | undefined;
  readonly #hooks: ReplayHooks;
  readonly #attempt: number;
  readonly #runId: string | null;
  readonly #onResult: DispatcherOptions['onResult'];
  readonly #logger: ReplayLogger;
  #exchanges = 0;

  constructor(options: DispatcherOptions) {
    const redact = options.redactHeaders ?? DEFAULT_RESULT_REDACTED_HEADERS;
    this.#lanes = options.challengers.map((challenger) => ({
      challenger,
      client: new ChallengerClient(challenger, redact),
      bucket: challenger.maxRatePerSecond === null ? null : new TokenBucket(challenger.maxRatePerSecond, challenger.burst),
      semaphore: new Semaphore(challenger.maxConcurrency),
      sequencer: new KeySequencer(),
      stats: { id: challenger.id, role: challenger.role, sent: 0, succeeded: 0, failed: {}, sampledOut: 0, inFlight: 0 },
    }));
    this.#ordering = options.ordering ?? { mode: 'none' };
    this.#sampler = options.sampler;
    this.#samplingControl = options.samplingControl;
    this.#hooks = options.hooks ?? {};
    this.#attempt = options.attempt ?? 1;
    this.#runId = options.runId ?? null;
    this.#onResult = options.onResult;
    this.#logger = options.logger ?? silentLogger;
  }

  get challengers(): readonly ResolvedChallenger[] {
    return this.#lanes.map((l) => l.challenger);
  }

  stats(): DispatcherStats {
    return { exchanges: this.#exchanges, challengers: this.#lanes.map((l) => ({ ...l.stats, failed: { ...l.stats.failed } })) };
  }

  /** Requests in flight over all challengers. */
  get inFlight(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.stats.inFlight;
    return n;
  }

  /** Replays `exchange` to every challenger that samples it in; never rejects. */
  async dispatch(exchange: CapturedExchange): Promise<ShadowResult[]> {
    this.#exchanges++;
    // A control-topic rate for the exchange's service replaces the configured global sampling.
    const control = this.#samplingControl?.samplingRateOf(exchange.service);
    if (control != null ? !controlSampled(exchange, control.rate) : this.#sampler !== undefined && !this.#sampler.sampled(exchange)) {
      for (const lane of this.#lanes) lane.stats.sampledOut++;
      return [];
    }
    const key = orderingKeyOf(this.#ordering, exchange.requestHeaders);
    const pending: Promise<ShadowResult>[] = [];
    for (const lane of this.#lanes) {
      if (lane.challenger.services !== null && !lane.challenger.services.has(exchange.service)) continue;
      if (!lane.challenger.sampler.sampled(exchange)) {
        lane.stats.sampledOut++;
        continue;
      }
      pending.push(lane.sequencer.run(key, () => this.#replay(lane, exchange)));
    }
    const results = await Promise.all(pending);
    if (this.#runId !== null && results.length > 0) {
      const live = liveSnapshotOf(exchange);
      const runChallengers = results.map((r) => r.challengerId);
      for (const r of results) {
        r.live = live;
        r.runChallengers = runChallengers;
      }
    }
    return results;
  }

  async #replay(lane: Lane, exchange: CapturedExchange): Promise<ShadowResult> {
    const ctx: DispatchContext = { exchange, challenger: lane.challenger, attempt: this.#attempt, runId: this.#runId };
    const sendCtx = { exchangeId: exchange.exchangeId, attempt: this.#attempt, runId: this.#runId };
    let result: ShadowResult;
    if (exchange.requestBodyTruncated) {
      // The tap kept only part of the body: replaying it would send a request live never saw.
      result = lane.client.notSent(
        sendCtx,
        'request_incomplete',
        `captured request body was truncated (${exchange.requestBody.length} of ${exchange.requestBodySize} bytes); not replayed`,
      );
    } else {
      if (lane.bucket !== null) await lane.bucket.take();
      const release = await lane.semaphore.acquire();
      lane.stats.inFlight++;
      try {
        let hookFailed: unknown;
        try {
          await this.#hooks.beforeSend?.(ctx);
        } catch (error) {
          hookFailed = error;
        }
        if (hookFailed === undefined) {
          result = await lane.client.send(buildReplayRequest(exchange, lane.challenger, this.#attempt), sendCtx);
        } else {
          this.#logger.warn(
            { exchangeId: exchange.exchangeId, challenger: lane.challenger.id, err: errorMessage(hookFailed) },
            'replay hook beforeSend failed; not replayed',
          );
          result = lane.client.notSent(sendCtx, 'replay_error', `beforeSend hook failed: ${errorMessage(hookFailed)}`);
        }
        try {
          await this.#hooks.afterSend?.(ctx, result);
        } catch (error) {
          this.#logger.warn({ exchangeId: exchange.exchangeId, challenger: lane.challenger.id, err: errorMessage(error) }, 'replay hook afterSend failed');
        }
      } finally {
        lane.stats.inFlight--;
        release();
      }
    }
    lane.stats.sent++;
    if (result.errorKind === null) lane.stats.succeeded++;
    else lane.stats.failed[result.errorKind] = (lane.stats.failed[result.errorKind] ?? 0) + 1;
    this.#onResult?.(result, lane.challenger);
    return result;
  }

  /** Wakes requests waiting for a rate-limit token (shutdown) and closes the pools once idle. */
  async close(): Promise<void> {
    for (const lane of this.#lanes) lane.bucket?.releaseAll();
    await Promise.all(this.#lanes.map((l) => l.client.close()));
  }
}
