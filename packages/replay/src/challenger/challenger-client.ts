// One keep-alive undici Pool per challenger, bound to the challenger's origin: whatever the replayed
// request's path or headers say, the socket connects to the configured base URL and nowhere else.
//
// Every outcome is a ShadowResult. A challenger that refuses, resets, hangs, answers garbage or
// streams an endless body produces a result with an errorKind; nothing here throws to the caller.
// The deadline covers the whole exchange (connect to last body byte) through an AbortSignal, because
// undici's own timeouts are per phase and an endless body that trickles a byte a second never trips
// bodyTimeout.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { ShadowResult } from '@shadow/contracts';
import type { ReplayRequest } from '../request/replay-request.js';
import { REDACTED_PLACEHOLDER } from '../request/replay-request.js';
import { errorKindOf } from './error-kind.js';
import type { ResolvedChallenger } from './options.js';

export const REPLAYER_VERSION = '0.1.0';

const EMPTY = Buffer.alloc(0);

export interface SendContext {
  exchangeId: string;
  attempt: number;
  runId: string | null;
}

function normaliseHeaders(raw: Record<string, string | string[] | undefined>, redact: ReadonlySet<string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const values = Array.isArray(value) ? value : [value];
    out[lower] = redact.has(lower) ? values.map(() => REDACTED_PLACEHOLDER) : values;
  }
  return out;
}

export class ChallengerClient {
  readonly challenger: ResolvedChallenger;
  readonly #pool: Pool;
  readonly #redact: ReadonlySet<string>;

  constructor(challenger: ResolvedChallenger, redactHeaders: readonly string[]) {
    this.challenger = challenger;
    this.#redact = new Set(redactHeaders.map((h) => h.toLowerCase()));
    this.#pool = new Pool(challenger.baseUrl.origin, {
      connections: challenger.maxConcurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: challenger.timeoutMs,
      bodyTimeout: challenger.timeoutMs,
      connect: { timeout: Math.min(challenger.timeoutMs, 10_000) },
    });
  }

  /** A result saying the request was not sent (e.g. the captured body was truncated). */
  notSent(ctx: SendContext, errorKind: string, errorMessage: string): ShadowResult {
    return this.#result(ctx, Date.now(), 0, {}, EMPTY, false, 0, null, 0, errorKind, errorMessage);
  }

  async send(request: ReplayRequest, ctx: SendContext): Promise<ShadowResult> {
    const c = this.challenger;
    const replayTimeMs = Date.now();
    const t0 = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no complete answer within ${c.timeoutMs} ms`));
    }, c.timeoutMs);
    let status = 0;
    let headers: Record<string, string[]> = {};
    try {
      const response = await this.#pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers,
        ...(request.servername === undefined ? {} : { servername: request.servername }),
        body: request.body.length > 0 || !['GET', 'HEAD'].includes(request.method) ? request.body : null,
        signal: controller.signal,
      });
      status = response.statusCode;
      headers = normaliseHeaders(response.headers, this.#redact);
      const chunks: Buffer[] = [];
      let kept = 0;
      let size = 0;
      let tooLarge = false;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (kept + chunk.length <= c.maxResponseBytes) {
          chunks.push(chunk);
          kept += chunk.length;
        } else {
          if (kept < c.maxResponseBytes) chunks.push(chunk.subarray(0, c.maxResponseBytes - kept));
          kept = c.maxResponseBytes;
          tooLarge = true;
          // Stop reading: an endless body must not keep the slot (the socket is destroyed, not reused).
          response.body.destroy();
          break;
        }
      }
      const latencyUs = Math.round((performance.now() - t0) * 1000);
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const contentType = headers['content-type']?.[0] ?? null;
      if (tooLarge) {
        return this.#result(
          ctx,
          replayTimeMs,
          status,
          headers,
          body,
          true,
          size,
          contentType,
          latencyUs,
          'body_too_large',
          `response body exceeds maxResponseBytes (${c.maxResponseBytes}); kept the first ${c.maxResponseBytes} bytes`,
        );
      }
      return this.#result(ctx, replayTimeMs, status, headers, body, false, size, contentType, latencyUs, null, null);
    } catch (error) {
      const latencyUs = Math.round((performance.now() - t0) * 1000);
      const kind = errorKindOf(error, timedOut);
      const message = timedOut
        ? `no complete answer within ${c.timeoutMs} ms`
        : error instanceof Error
          ? `${error.message}${codeSuffix(error)}`
          : String(error);
      return this.#result(ctx, replayTimeMs, status, headers, EMPTY, false, 0, headers['content-type']?.[0] ?? null, latencyUs, kind, message);
    } finally {
      clearTimeout(timer);
    }
  }

  #result(
    ctx: SendContext,
    replayTimeMs: number,
    status: number,
    headers: Record<string, string[]>,
    body: Buffer,
    truncated: boolean,
    size: number,
    contentType: string | null,
    latencyUs: number,
    errorKind: string | null,
    errorMessage: string | null,
  ): ShadowResult {
    const c = this.challenger;
    return {
      exchangeId: ctx.exchangeId,
      challengerId: c.id,
      challengerName: c.name,
      attempt: ctx.attempt,
      replayTimeMs,
      responseStatus: status,
      responseHeaders: headers,
      responseBody: body,
      responseBodyTruncated: truncated,
      responseBodySize: size,
      responseContentType: contentType,
      latencyUs,
      errorKind,
      errorMessage,
      replayerVersion: REPLAYER_VERSION,
      challengerRole: c.role,
      runId: ctx.runId,
    };
  }

  close(): Promise<void> {
    return this.#pool.close().catch(() => undefined);
  }

  /** Ends every open request at once (shutdown after the drain budget). */
  destroy(): Promise<void> {
    return this.#pool.destroy().catch(() => undefined);
  }
}

function codeSuffix(error: Error): string {
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? ` (${code})` : '';
}
