// One judge call over HTTP with everything around it: the queue bound, the concurrency limit, the
// rate limit, the daily budget, a timeout per attempt, a deadline for the whole judgement, and
// retries with backoff. What comes back is never thrown: an answer (parsed by the protocol), an
// error with its kind and why, or not_run with its reason.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Semaphore, TokenBucket } from '@shadow/limits';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { ResolvedJudge } from '../config/options.js';
import type { DailyBudget } from '../limits/daily-budget.js';
import type { AnswerParse } from '../protocol/types.js';
import type { ParsedVerdict } from '../protocol/verdict.js';
import { excerpt } from '../protocol/verdict.js';
import type { JudgeEventListener, JudgeFailureKind, NotRunReason } from '../judge/types.js';
import { backoffDelay, RETRIED_STATUSES, retryAfterMs } from './retry.js';

export type CallOutcome =
  | { readonly kind: 'answer'; readonly value: ParsedVerdict; readonly tokens: number }
  | { readonly kind: 'error'; readonly failure: JudgeFailureKind; readonly why: string; readonly tokens: number }
  | { readonly kind: 'not_run'; readonly reason: NotRunReason; readonly tokens: number };

/** Per-judge state shared by its calls. */
export interface CallContext {
  readonly judge: ResolvedJudge;
  readonly dispatcher: Dispatcher;
  readonly slots: Semaphore;
  readonly bucket: TokenBucket | null;
  readonly budget: DailyBudget;
  readonly emit: JudgeEventListener;
  readonly random: () => number;
  closed: boolean;
}

class DeadlinePassed extends Error {}

/** Resolves with the promise's value, or rejects with DeadlinePassed at the deadline. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, onLate: (value: T) => void): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) {
    void promise.then(onLate);
    throw new DeadlinePassed();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlinePassed());
    }, left);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // What arrives after the deadline (a slot) is handed back at once.
    if (late) void promise.then(onLate);
  }
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly oversized: boolean;
}

async function send(ctx: CallContext, body: string, signal: AbortSignal): Promise<RawAnswer> {
  const { judge } = ctx;
  const response = await request(judge.url, {
    dispatcher: ctx.dispatcher,
    method: 'POST',
    headers: { ...judge.headers, 'content-type': 'application/json', accept: 'application/json' },
    body,
    signal,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  let oversized = false;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > judge.maxResponseBytes) {
      oversized = true;
      response.body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return { status: response.statusCode, headers: response.headers, text: Buffer.concat(chunks).toString('utf8'), oversized };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

function networkWhy(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code =
    typeof e.code === 'string' && !e.code.startsWith('UND_ERR')
      ? e.code
      : typeof e.cause?.code === 'string'
        ? e.cause.code
        : typeof e.code === 'string'
          ? e.code
          : null;
  const message = typeof e.message === 'string' ? e.message : String(error);
  return code !== null && !message.includes(code) ? `${code} ${message}` : message;
}

function isNetworkError(error: unknown): boolean {
  if (error instanceof undiciErrors.UndiciError) return true;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * Sends `body` to the judge and parses the answer with `parse`, within `deadline` (epoch ms).
 * The budget is charged per attempt, right before it is sent (waiting in the queue costs nothing).
 */
export async function callJudge(ctx: CallContext, body: string, parse: (text: string) => AnswerParse, deadline: number): Promise<CallOutcome> {
  const { judge } = ctx;
  let tokens = 0;
  for (let attempt = 0; ; attempt++) {
    if (ctx.closed) return { kind: 'not_run', reason: 'closed', tokens };
    // Waiting for a slot is bounded: past maxQueue waiters the pair is not judged rather than held.
    if (ctx.slots.active >= ctx.slots.limit && ctx.slots.waiting >= judge.maxQueue) return { kind: 'not_run', reason: 'overloaded', tokens };
    const waitStarted = Date.now();
    let release: (() => void) | null = null;
    try {
      release = await beforeDeadline(ctx.slots.acquire(), deadline, (r) => r());
      if (ctx.bucket !== null) await beforeDeadline(ctx.bucket.take(), deadline, () => undefined);
    } catch (error) {
      release?.();
      if (!(error instanceof DeadlinePassed)) throw error;
      return {
        kind: 'error',
        failure: 'deadline',
        why: `deadline: waited ${Date.now() - waitStarted} ms for a free slot or rate token (deadlineMs ${judge.deadlineMs}; concurrency ${judge.concurrency}${judge.ratePerSecond === null ? '' : `, ${judge.ratePerSecond}/s`})`,
        tokens,
      };
    }
    if (ctx.closed) {
      release();
      return { kind: 'not_run', reason: 'closed', tokens };
    }
    if (!ctx.budget.tryCall()) {
      release();
      return { kind: 'not_run', reason: 'budget', tokens };
    }

    const left = deadline - Date.now();
    const limitMs = Math.min(judge.timeoutMs, left);
    const byDeadline = left < judge.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, limitMs));
    const started = Date.now();
    let answer: RawAnswer | null = null;
    let thrown: unknown = null;
    try {
      answer = await send(ctx, body, controller.signal);
    } catch (error) {
      thrown = error;
    } finally {
      clearTimeout(timer);
      release();
    }
    const latencyMs = Date.now() - started;
    const retriesLeft = attempt < judge.retries.max;
    const event = (status: number | null, outcome: 'ok' | 'retry' | 'error', failure: JudgeFailureKind | null, usage: AnswerParse['usage'] = null): void =>
      ctx.emit({ type: 'call', judgeId: judge.id, attempt, status, outcome, failure, latencyMs, usage });

    if (answer === null) {
      if (controller.signal.aborted) {
        const failure: JudgeFailureKind = byDeadline ? 'deadline' : 'timeout';
        event(null, 'error', failure);
        return {
          kind: 'error',
          failure,
          why: byDeadline
            ? `deadline: no answer within the ${judge.deadlineMs} ms of the judgement (retries included)`
            : `timeout: no answer within ${judge.timeoutMs} ms`,
          tokens,
        };
      }
      if (!isNetworkError(thrown)) throw thrown;
      const why = networkWhy(thrown);
      if (retriesLeft) {
        const wait = backoffDelay(attempt, judge.retries.initialDelayMs, judge.retries.maxDelayMs, ctx.random);
        if (Date.now() + wait < deadline) {
          event(null, 'retry', 'network');
          await sleep(wait);
          continue;
        }
      }
      event(null, 'error', 'network');
      return { kind: 'error', failure: 'network', why: `network: ${why} (after ${attempt + 1} attempt${attempt === 0 ? '' : 's'})`, tokens };
    }

    if (answer.status >= 200 && answer.status < 300) {
      if (answer.oversized) {
        event(answer.status, 'error', 'bad_answer');
        return { kind: 'error', failure: 'bad_answer', why: `bad_answer: the answer is larger than maxResponseBytes (${judge.maxResponseBytes})`, tokens };
      }
      const parsed = parse(answer.text);
      const used = parsed.usage?.totalTokens ?? 0;
      if (used > 0) ctx.budget.addTokens(used);
      tokens += used;
      if (!parsed.ok) {
        event(answer.status, 'error', 'bad_answer', parsed.usage);
        return { kind: 'error', failure: 'bad_answer', why: `bad_answer: ${parsed.why}`, tokens };
      }
      event(answer.status, 'ok', null, parsed.usage);
      return { kind: 'answer', value: parsed.value, tokens };
    }

    const failure: JudgeFailureKind = answer.status === 429 ? 'rate_limited' : 'http_status';
    const detail = `HTTP ${answer.status}${answer.text.trim() === '' ? '' : `: ${excerpt(answer.text.trim(), 200)}`}`;
    if (RETRIED_STATUSES.has(answer.status)) {
      if (retriesLeft) {
        const asked = retryAfterMs(answer.headers['retry-after'], Date.now());
        const wait = asked ?? backoffDelay(attempt, judge.retries.initialDelayMs, judge.retries.maxDelayMs, ctx.random);
        if (Date.now() + wait < deadline) {
          event(answer.status, 'retry', failure);
          await sleep(wait);
          continue;
        }
        event(answer.status, 'error', failure);
        return {
          kind: 'error',
          failure,
          why: `${failure}: ${detail}; the next attempt (in ${wait} ms${asked === null ? '' : ', Retry-After'}) would pass the deadline (deadlineMs ${judge.deadlineMs})`,
          tokens,
        };
      }
      event(answer.status, 'error', failure);
      return { kind: 'error', failure, why: `${failure}: ${detail} (after ${attempt + 1} attempt${attempt === 0 ? '' : 's'})`, tokens };
    }
    event(answer.status, 'error', failure);
    return { kind: 'error', failure, why: `${failure}: ${detail}`, tokens };
  }
}
