/**
 * Which exchange a challenger's outbound call belongs to. The replayer registers every replay
 * (`expect`) before sending it and settles it when answered; a call is attributed, in order, by
 * its `x-shadow-exchange-id` header, by its `traceparent` trace-id (derived from the exchange id,
 * so an OpenTelemetry-instrumented challenger propagates it with no code), or, when exactly one
 * replay of that challenger is in flight, to that one (with none in flight, to the one replay
 * still within its grace period, if there is exactly one).
 *
 * Settled replays expire lazily (checked on each call against an injected clock) instead of with
 * one timer each: no timers to clear, and tests need no fake timers. Memory is bounded by
 * `maxExchanges`: at the bound the oldest settled replay goes first, else the oldest in flight
 * (counted as evicted). A forgotten replay leaves a small trace (attempt, run id, next sequence)
 * in a bounded map, so a late call that names it by header keeps a coherent attempt and sequence.
 */
import { traceIdFor, traceIdOf } from '@shadow/contracts';
import { RecordedCalls } from '../recording/recorded-calls.js';
import type { ExpectedExchange } from '../types.js';

export interface Registration {
  readonly exchangeId: string;
  readonly challengerId: string;
  readonly attempt: number;
  readonly runId: string | null;
  readonly traceId: string;
  readonly recorded: RecordedCalls;
  /** Next SideEffect.sequence for (exchange, challenger, attempt). */
  sequence: number;
  settled: boolean;
  /** Epoch ms after which a settled registration is forgotten. */
  expiresAt: number;
}

export type AttributionVia = 'header' | 'traceparent' | 'single-in-flight';

export type Attribution =
  | { readonly kind: 'registered'; readonly registration: Registration; readonly via: AttributionVia; readonly sequence: number }
  /** Named by header but not registered (never, or no longer): published under that id. */
  | { readonly kind: 'unregistered'; readonly exchangeId: string; readonly attempt: number; readonly runId: string | null; readonly sequence: number }
  | { readonly kind: 'unattributed'; readonly sequence: number };

export interface CallIdentity {
  /** Value of `x-shadow-exchange-id` (or the e-mail's `X-Shadow-Exchange-Id`). */
  exchangeIdHeader: string | undefined;
  traceparent: string | undefined;
}

export interface ExchangeRegistryOptions {
  maxExchanges: number;
  graceMs: number;
  reuseExhausted: boolean;
  /** @default Date.now */
  now?: () => number;
}

interface ChallengerState {
  readonly byExchange: Map<string, Registration>;
  readonly byTrace: Map<string, Registration>;
  readonly inFlight: Set<Registration>;
  readonly graced: Set<Registration>;
  unattributedSequence: number;
}

interface Forgotten {
  attempt: number;
  runId: string | null;
  sequence: number;
}

const MAX_FORGOTTEN = 10_000;
const VALID_ID = /^[\x21-\x7e]{1,256}$/;

export class ExchangeRegistry {
  readonly #options: Required<ExchangeRegistryOptions>;
  readonly #challengers = new Map<string, ChallengerState>();
  /** Every registration in registration order (key: challenger \0 exchange). */
  readonly #all = new Map<string, Registration>();
  /** Settled registrations in settle order (may hold stale entries; checked against #all). */
  readonly #settledQueue: Registration[] = [];
  #settledHead = 0;
  readonly #forgotten = new Map<string, Forgotten>();
  #evicted = 0;

  constructor(options: ExchangeRegistryOptions, challengerIds: readonly string[]) {
    this.#options = { now: Date.now, ...options };
    for (const id of challengerIds) {
      this.#challengers.set(id, { byExchange: new Map(), byTrace: new Map(), inFlight: new Set(), graced: new Set(), unattributedSequence: 0 });
    }
  }

  get evicted(): number {
    return this.#evicted;
  }

  counts(): { registered: number; inFlight: number } {
    this.#sweep();
    let inFlight = 0;
    for (const state of this.#challengers.values()) inFlight += state.inFlight.size;
    return { registered: this.#all.size, inFlight };
  }

  hasChallenger(challengerId: string): boolean {
    return this.#challengers.has(challengerId);
  }

  /** Registers a replay; a new attempt of the same (exchange, challenger) replaces the previous one. */
  expect(exchange: ExpectedExchange): Registration {
    const state = this.#state(exchange.challengerId);
    this.#sweep();
    const key = `${exchange.challengerId}\u0000${exchange.exchangeId}`;
    const previous = this.#all.get(key);
    if (previous !== undefined) this.#remove(previous, false);
    while (this.#all.size >= this.#options.maxExchanges) this.#evictOne();
    const registration: Registration = {
      exchangeId: exchange.exchangeId,
      challengerId: exchange.challengerId,
      attempt: exchange.attempt,
      runId: exchange.runId,
      traceId: traceIdFor(exchange.exchangeId),
      recorded: new RecordedCalls(exchange.recorded, this.#options.reuseExhausted),
      sequence: 0,
      settled: false,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    this.#all.set(key, registration);
    state.byExchange.set(registration.exchangeId, registration);
    state.byTrace.set(registration.traceId, registration);
    state.inFlight.add(registration);
    return registration;
  }

  /** Marks a replay answered; unknown or older attempts are ignored (a newer attempt owns the slot). */
  settle(exchangeId: string, challengerId: string, attempt: number): void {
    const state = this.#challengers.get(challengerId);
    const registration = state?.byExchange.get(exchangeId);
    if (state === undefined || registration === undefined || registration.attempt !== attempt || registration.settled) return;
    registration.settled = true;
    registration.expiresAt = this.#options.now() + this.#options.graceMs;
    state.inFlight.delete(registration);
    state.graced.add(registration);
    this.#settledQueue.push(registration);
    this.#sweep();
  }

  /** Attributes a call of `challengerId` and reserves its sequence number. */
  attribute(challengerId: string, identity: CallIdentity): Attribution {
    const state = this.#state(challengerId);
    this.#sweep();
    const named = identity.exchangeIdHeader?.trim();
    if (named !== undefined && VALID_ID.test(named)) {
      const registration = state.byExchange.get(named);
      if (registration !== undefined) return { kind: 'registered', registration, via: 'header', sequence: registration.sequence++ };
      const key = `${challengerId}\u0000${named}`;
      const forgotten = this.#forgotten.get(key) ?? { attempt: 1, runId: null, sequence: 0 };
      const sequence = forgotten.sequence;
      forgotten.sequence++;
      this.#remember(key, forgotten);
      return { kind: 'unregistered', exchangeId: named, attempt: forgotten.attempt, runId: forgotten.runId, sequence };
    }
    const traceId = traceIdOf(identity.traceparent);
    if (traceId !== null) {
      const registration = state.byTrace.get(traceId);
      if (registration !== undefined) return { kind: 'registered', registration, via: 'traceparent', sequence: registration.sequence++ };
    }
    const single = state.inFlight.size === 1 ? first(state.inFlight) : state.inFlight.size === 0 && state.graced.size === 1 ? first(state.graced) : undefined;
    if (single !== undefined) return { kind: 'registered', registration: single, via: 'single-in-flight', sequence: single.sequence++ };
    return { kind: 'unattributed', sequence: state.unattributedSequence++ };
  }

  clear(): void {
    for (const registration of [...this.#all.values()]) this.#remove(registration, false);
    this.#forgotten.clear();
  }

  #state(challengerId: string): ChallengerState {
    const state = this.#challengers.get(challengerId);
    if (state === undefined) throw new Error(`unknown challenger ${challengerId}`);
    return state;
  }

  #sweep(): void {
    const now = this.#options.now();
    while (this.#settledHead < this.#settledQueue.length) {
      const head = this.#settledQueue[this.#settledHead] as Registration;
      if (this.#all.get(`${head.challengerId}\u0000${head.exchangeId}`) !== head) {
        this.#settledHead++;
        continue;
      }
      if (head.expiresAt > now) break;
      this.#settledHead++;
      this.#remove(head, true);
    }
    // Compact the queue once its consumed prefix dominates, so it stays proportional to what is held.
    if (this.#settledHead > 1024 && this.#settledHead * 2 > this.#settledQueue.length) {
      this.#settledQueue.splice(0, this.#settledHead);
      this.#settledHead = 0;
    }
  }

  #evictOne(): void {
    while (this.#settledHead < this.#settledQueue.length) {
      const head = this.#settledQueue[this.#settledHead++] as Registration;
      if (this.#all.get(`${head.challengerId}\u0000${head.exchangeId}`) === head) {
        this.#remove(head, true);
        return;
      }
    }
    const oldest = first(this.#all.values());
    if (oldest === undefined) return;
    this.#evicted++;
    this.#remove(oldest, true);
  }

  #remove(registration: Registration, remember: boolean): void {
    const key = `${registration.challengerId}\u0000${registration.exchangeId}`;
    if (this.#all.get(key) !== registration) return;
    this.#all.delete(key);
    const state = this.#state(registration.challengerId);
    state.byExchange.delete(registration.exchangeId);
    if (state.byTrace.get(registration.traceId) === registration) state.byTrace.delete(registration.traceId);
    state.inFlight.delete(registration);
    state.graced.delete(registration);
    if (remember) this.#remember(key, { attempt: registration.attempt, runId: registration.runId, sequence: registration.sequence });
  }

  #remember(key: string, value: Forgotten): void {
    this.#forgotten.delete(key);
    this.#forgotten.set(key, value);
    if (this.#forgotten.size > MAX_FORGOTTEN) {
      const oldest = first(this.#forgotten.keys());
      if (oldest !== undefined) this.#forgotten.delete(oldest);
    }
  }
}

function first<T>(values: Iterable<T>): T | undefined {
  for (const value of values) return value;
  return undefined;
}
