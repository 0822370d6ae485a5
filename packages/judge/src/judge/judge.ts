// Judges made from configuration. A judgement goes: sample (by a hash of the exchange id, salted
// with the judge id so it is independent of the replay sampler, which hashes the same ids) ->
// cache (keyed by a hash of exactly what is sent, sides with sorted keys) -> coalesce (an identical
// request in flight is awaited, not sent twice) -> the protocol builds the request -> callJudge
// (limits, budget, retries) -> the protocol's strict parser. Then, on a sample of what was judged,
// the audits: the same judge on live vs the secondary, and a reference judge on the same pair.
// Only `equal`/`different` are cached: an error or not_run is tried again next time.

import { createHash } from 'node:crypto';
import type { JudgeFn, JudgeResult, JudgeSide } from '@shadow/compare';
import { samplingPointOf } from '@shadow/contracts';
import { Semaphore, TokenBucket } from '@shadow/limits';
import { LRUCache } from 'lru-cache';
import { Agent } from 'undici';
import type { JudgeConfig, ResolvedJudge } from '../config/options.js';
import { JudgeError } from '../errors.js';
import { jsonText, TooDeepError } from '../json/json-text.js';
import { DailyBudget, type BudgetUsage } from '../limits/daily-budget.js';
import { httpJudgeBody, parseHttpJudgeAnswer } from '../protocol/http-judge.js';
import { chatRequestBody, parseChatAnswer } from '../protocol/openai-chat.js';
import type { BuiltRequest, JudgeRequest } from '../protocol/types.js';
import { callJudge, type CallContext } from '../transport/http-call.js';
import type { Judgement, JudgementCore, JudgementRole, JudgeAudit, JudgeEvent, JudgeEventListener, NotRunReason } from './types.js';

export interface CreateJudgesOptions {
  /** Metrics hooks (calls, cache hits, errors by kind, tokens, latency). A throwing listener is ignored. */
  readonly onEvent?: JudgeEventListener;
  /** Clock for the budget's UTC day. @default Date.now */
  readonly now?: () => number;
  /** Jitter source for the backoff. @default Math.random */
  readonly random?: () => number;
}

export interface Judge {
  readonly id: string;
  readonly type: ResolvedJudge['type'];
  readonly configVersion: string;
  /** Judges one pair. Never rejects: failures are verdict `error`, skipped pairs `not_run`. */
  judge(request: JudgeRequest): Promise<Judgement>;
  /**
   * The judge as @shadow/compare's injected function (options.judge, or options.judges by id):
   * verdict (not_run included: compare keeps the differences), score, reason, kind, latency,
   * cached, tokens and the audits pass through; compare's context.secondary is the audit's secondary.
   */
  asJudgeFn(): JudgeFn;
  /** Today's spend (UTC day). */
  usage(): BudgetUsage;
  /** Seeds today's spend after a restart (another day's usage is ignored). */
  restoreUsage(usage: { readonly day: string; readonly calls: number; readonly tokens: number }): void;
}

export interface Judges {
  readonly ids: readonly string[];
  has(id: string): boolean;
  /** Throws JUDGE_UNKNOWN_JUDGE for an id that is not configured. */
  get(id: string): Judge;
  /** New judgements are `not_run` (closed); waits for those in flight, then closes the connections. */
  close(): Promise<void>;
}

interface CachedVerdict {
  readonly verdict: 'equal' | 'different';
  readonly score: number | null;
  readonly reason: string | null;
}

/** One judge's machinery (no audits: an audit run uses this directly, so audits never nest). */
class JudgeRunner {
  readonly spec: ResolvedJudge;
  readonly #ctx: CallContext;
  readonly #cache: LRUCache<string, CachedVerdict> | null;
  readonly #inFlight = new Map<string, Promise<JudgementCore>>();
  readonly #emit: JudgeEventListener;
  readonly #agent: Agent;

  constructor(spec: ResolvedJudge, emit: JudgeEventListener, now: () => number, random: () => number) {
    this.spec = spec;
    this.#emit = emit;
    this.#agent = new Agent({ connections: spec.concurrency, keepAliveTimeout: 10_000 });
    this.#ctx = {
      judge: spec,
      dispatcher: this.#agent,
      slots: new Semaphore(spec.concurrency),
      bucket: spec.ratePerSecond === null ? null : new TokenBucket(spec.ratePerSecond, spec.burst ?? undefined),
      budget: new DailyBudget(spec.budget, now),
      emit,
      random,
      closed: false,
    };
    this.#cache =
      spec.cache.maxEntries === 0
        ? null
        : new LRUCache<string, CachedVerdict>({ max: spec.cache.maxEntries, ...(spec.cache.ttlMs > 0 ? { ttl: spec.cache.ttlMs } : {}) });
  }

  get budget(): DailyBudget {
    return this.#ctx.budget;
  }

  /** What is sent, in a stable form: the cache key's input. Secondary only where the protocol sends it. */
  #build(request: JudgeRequest): { built: BuiltRequest; key: string | null } {
    const spec = this.spec;
    const built = spec.type === 'http' ? httpJudgeBody(spec, request) : chatRequestBody(spec, request);
    if ('tooLarge' in built) return { built, key: null };
    const side = (s: JudgeSide): unknown => (spec.type === 'http' ? s : s.value);
    const parts = [
      spec.id,
      spec.configVersion,
      request.method,
      request.route,
      request.path,
      side(request.live),
      side(request.candidate),
      spec.type === 'http' ? (request.secondary ?? null) : null,
    ];
    // exchangeId is sent to an http judge but is not part of what is judged.
    return { built, key: createHash('sha256').update(jsonText(parts, true)).digest('hex') };
  }

  async run(request: JudgeRequest, role: JudgementRole): Promise<JudgementCore> {
    const started = Date.now();
    const done = (core: Omit<JudgementCore, 'judgeId' | 'latencyMs'>): JudgementCore => {
      const result: JudgementCore = { judgeId: this.spec.id, latencyMs: Date.now() - started, ...core };
      this.#report(result, role);
      return result;
    };
    const notRun = (reason: NotRunReason): JudgementCore => done({ verdict: 'not_run', score: null, reason, kind: reason, cached: false, tokens: 0 });
    if (this.#ctx.closed) return notRun('closed');
    let build: { built: BuiltRequest; key: string | null };
    try {
      build = this.#build(request);
    } catch (error) {
      if (error instanceof TooDeepError) return notRun('too_large');
      throw error;
    }
    const { built, key } = build;
    if ('tooLarge' in built || key === null) return notRun('too_large');

    const hit = this.#cache?.get(key);
    if (hit !== undefined) return done({ ...hit, kind: null, cached: true, tokens: 0 });
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) {
      const shared = await pending;
      return done({ verdict: shared.verdict, score: shared.score, reason: shared.reason, kind: shared.kind, cached: true, tokens: 0 });
    }

    const call = this.#call(built.body, key, started);
    this.#inFlight.set(key, call);
    try {
      const result = await call;
      this.#report(result, role);
      return result;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #call(body: string, key: string, started: number): Promise<JudgementCore> {
    const spec = this.spec;
    const parse = spec.type === 'http' ? parseHttpJudgeAnswer : (text: string) => parseChatAnswer(text, spec.maxTokens);
    const outcome = await callJudge(this.#ctx, body, parse, started + spec.deadlineMs);
    const base = { judgeId: spec.id, latencyMs: Date.now() - started, cached: false, tokens: outcome.tokens };
    if (outcome.kind === 'answer') {
      this.#cache?.set(key, outcome.value);
      return { ...base, ...outcome.value, kind: null };
    }
    if (outcome.kind === 'error') return { ...base, verdict: 'error', score: null, reason: outcome.why, kind: outcome.failure };
    return { ...base, verdict: 'not_run', score: null, reason: outcome.reason, kind: outcome.reason };
  }

  #report(result: JudgementCore, role: JudgementRole): void {
    const event: JudgeEvent = {
      type: 'judgement',
      judgeId: result.judgeId,
      role,
      verdict: result.verdict,
      kind: result.kind,
      cached: result.cached,
      latencyMs: result.latencyMs,
      tokens: result.tokens,
    };
    this.#emit(event);
  }

  async close(): Promise<void> {
    this.#ctx.closed = true;
    this.#ctx.bucket?.releaseAll();
    await Promise.allSettled([...this.#inFlight.values()]);
    await this.#agent.close();
  }
}

/** The key a pair is sampled by: its exchange id, else what is judged (so a re-delivery decides alike). */
function sampleKey(request: JudgeRequest): string {
  if (request.exchangeId !== null && request.exchangeId !== '') return request.exchangeId;
  try {
    return createHash('sha256')
      .update(jsonText([request.method, request.route, request.path, request.live.value, request.candidate.value], true))
      .digest('hex');
  } catch {
    return `${request.method} ${request.route} ${request.path}`;
  }
}

function sampled(judgeId: string, purpose: string, key: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return samplingPointOf(`${judgeId}\u0000${purpose}\u0000${key}`) < rate;
}

function sameValue(a: unknown, b: unknown): boolean {
  try {
    return jsonText(a, true) === jsonText(b, true);
  } catch {
    return false;
  }
}

class ConfiguredJudge implements Judge {
  readonly #runner: JudgeRunner;
  readonly #reference: () => JudgeRunner | null;
  readonly #emit: JudgeEventListener;

  constructor(runner: JudgeRunner, reference: () => JudgeRunner | null, emit: JudgeEventListener) {
    this.#runner = runner;
    this.#reference = reference;
    this.#emit = emit;
  }

  get id(): string {
    return this.#runner.spec.id;
  }

  get type(): ResolvedJudge['type'] {
    return this.#runner.spec.type;
  }

  get configVersion(): string {
    return this.#runner.spec.configVersion;
  }

  async judge(request: JudgeRequest): Promise<Judgement> {
    const spec = this.#runner.spec;
    const key = sampleKey(request);
    if (!sampled(spec.id, 'judge', key, spec.sampleRate)) {
      this.#emit({ type: 'judgement', judgeId: spec.id, role: 'primary', verdict: 'not_run', kind: 'sampled_out', cached: false, latencyMs: 0, tokens: 0 });
      return {
        judgeId: spec.id,
        verdict: 'not_run',
        score: null,
        reason: 'sampled_out',
        kind: 'sampled_out',
        latencyMs: 0,
        cached: false,
        tokens: 0,
        audit: null,
      };
    }
    const primary = await this.#runner.run(request, 'primary');
    if (primary.verdict !== 'equal' && primary.verdict !== 'different') return { ...primary, audit: null };
    const [secondary, reference] = await Promise.all([this.#auditSecondary(request, key), this.#auditReference(request, key)]);
    const audit: JudgeAudit | null = secondary === null && reference === null ? null : { secondary, reference };
    return { ...primary, audit };
  }

  async #auditSecondary(request: JudgeRequest, key: string): Promise<JudgementCore | null> {
    const spec = this.#runner.spec;
    const secondary = request.secondary;
    if (secondary === undefined || secondary === null || !sampled(spec.id, 'audit-secondary', key, spec.audit.secondaryRate)) return null;
    // Identical answers tell nothing about the judge (and cost a call).
    if (sameValue(request.live.value, secondary.value)) {
      return { judgeId: spec.id, verdict: 'not_run', score: null, reason: 'identical', kind: 'identical', latencyMs: 0, cached: false, tokens: 0 };
    }
    return this.#runner.run({ ...request, candidate: secondary, secondary: null }, 'audit_secondary');
  }

  async #auditReference(request: JudgeRequest, key: string): Promise<JudgementCore | null> {
    const spec = this.#runner.spec;
    const reference = this.#reference();
    if (reference === null || !sampled(spec.id, 'audit-judge', key, spec.audit.judgeRate)) return null;
    return reference.run(request, 'audit_reference');
  }

  asJudgeFn(): JudgeFn {
    return async (live, candidate, context): Promise<JudgeResult> => {
      const j = await this.judge({
        exchangeId: context.exchangeId,
        method: context.method,
        route: context.route,
        path: context.path,
        live,
        candidate,
        secondary: context.secondary ?? null,
      });
      const audit =
        j.audit === null
          ? null
          : {
              secondary: j.audit.secondary === null ? null : { verdict: j.audit.secondary.verdict },
              reference: j.audit.reference === null ? null : { judgeId: j.audit.reference.judgeId, verdict: j.audit.reference.verdict },
            };
      return {
        verdict: j.verdict,
        judgeId: j.judgeId,
        kind: j.kind,
        latencyMs: j.latencyMs,
        cached: j.cached,
        tokens: j.tokens,
        audit,
        ...(j.score === null ? {} : { score: j.score }),
        ...(j.reason === null ? {} : { reason: j.reason }),
      };
    };
  }

  usage(): BudgetUsage {
    return this.#runner.budget.usage();
  }

  restoreUsage(usage: { readonly day: string; readonly calls: number; readonly tokens: number }): void {
    this.#runner.budget.restore(usage);
  }
}

/** Builds the configured judges (connections are opened lazily, on the first call). */
export function createJudges(config: JudgeConfig, options: CreateJudgesOptions = {}): Judges {
  const listener = options.onEvent;
  const emit: JudgeEventListener = (event) => {
    if (listener === undefined) return;
    try {
      listener(event);
    } catch {
      // A metrics hook must not change a verdict.
    }
  };
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const runners = new Map<string, JudgeRunner>();
  for (const [id, spec] of Object.entries(config.judges)) runners.set(id, new JudgeRunner(spec, emit, now, random));
  const judges = new Map<string, ConfiguredJudge>();
  for (const [id, runner] of runners) {
    const ref = runner.spec.audit.judge;
    judges.set(id, new ConfiguredJudge(runner, () => (ref === null ? null : (runners.get(ref) ?? null)), emit));
  }
  let closing: Promise<void> | null = null;
  return {
    ids: Object.freeze([...judges.keys()]),
    has: (id) => judges.has(id),
    get(id) {
      const judge = judges.get(id);
      if (judge === undefined) throw new JudgeError('JUDGE_UNKNOWN_JUDGE', `no judge "${id}" (configured: ${[...judges.keys()].join(', ') || 'none'})`);
      return judge;
    },
    close() {
      closing ??= Promise.all([...runners.values()].map((r) => r.close())).then(() => undefined);
      return closing;
    },
  };
}
