// The webhook of an alert transition: one JSON POST, retried with doubling pauses on a network
// error, a timeout, 429 or 5xx; any other status is final (the receiver refused it, retrying will
// not help). Never throws: the outcome is returned, and the evaluator logs and counts it.
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { errorMessage } from '../errors.js';
import type { WebhookConfig } from './config.js';

export interface WebhookOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status, when an answer came. */
  readonly status?: number | undefined;
  readonly error?: string | undefined;
}

/** Longest answer body read (and thrown away): the receiver's text is not used. */
const MAX_ANSWER_BYTES = 64 * 1024;

async function attempt(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  dispatcher: Dispatcher | undefined,
): Promise<number> {
  const response = await request(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      response.body.destroy();
      break;
    }
  }
  return response.statusCode;
}

/** POSTs `payload` as JSON to the webhook, with its retries. */
export async function postWebhook(
  webhook: WebhookConfig,
  headers: Readonly<Record<string, string>>,
  payload: unknown,
  options: { dispatcher?: Dispatcher | undefined; signal?: AbortSignal | undefined } = {},
): Promise<WebhookOutcome> {
  const body = JSON.stringify(payload);
  let status: number | undefined;
  let error: string | undefined;
  for (let i = 0; i <= webhook.retries; i++) {
    if (i > 0) {
      try {
        await sleep(webhook.backoffMs * 2 ** (i - 1), undefined, { signal: options.signal });
      } catch {
        return { ok: false, attempts: i, status, error: `abandoned (closing) after: ${error ?? `HTTP ${status}`}` };
      }
    }
    try {
      status = await attempt(webhook.url, body, headers, webhook.timeoutMs, options.dispatcher);
      error = undefined;
      if (status >= 200 && status < 300) return { ok: true, attempts: i + 1, status };
      if (status !== 429 && status < 500) return { ok: false, attempts: i + 1, status, error: `HTTP ${status} (not retried)` };
      error = `HTTP ${status}`;
    } catch (e) {
      const name = (e as { name?: string }).name;
      error = name === 'TimeoutError' || name === 'AbortError' || name === 'HeadersTimeoutError' ? `timeout after ${webhook.timeoutMs} ms` : errorMessage(e);
    }
  }
  return { ok: false, attempts: webhook.retries + 1, status, error };
}
