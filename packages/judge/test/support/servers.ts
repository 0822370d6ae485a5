// Real HTTP judges for the integration tests: node:http servers on 127.0.0.1, port 0, that record
// what they receive (parsed body, headers, arrival time) and how many requests they held at once.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly at: number;
}

export interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  readonly body?: unknown;
  /** Hold the answer this long (to observe concurrency). */
  readonly delayMs?: number;
}

/** `hang`: never answer; `reset`: destroy the connection without an answer. */
export type Handler = (request: Received, index: number) => Answer | 'hang' | 'reset' | Promise<Answer | 'hang' | 'reset'>;

export interface JudgeServer extends AsyncDisposable {
  readonly url: string;
  readonly origin: string;
  readonly received: Received[];
  /** Most requests held at once. */
  readonly maxInFlight: number;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startJudgeServer(handler: Handler, path = '/judge'): Promise<JudgeServer> {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    void (async () => {
      const text = await read(req);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const request: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
      received.push(request);
      const answer = await handler(request, received.length - 1);
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs));
      const payload = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(payload);
      finish();
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${path}`,
    origin,
    received,
    get maxInFlight() {
      return maxInFlight;
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TableVerdict {
  readonly verdict: string;
  readonly score?: number;
  readonly reason?: string;
}

/** A plain JSON judge answering from a table keyed by the candidate's value (JSON text). */
export function tableJudge(table: Readonly<Record<string, TableVerdict | string>>, delayMs?: number): Handler {
  return (request) => {
    const entry = table[JSON.stringify(request.body?.candidate?.value)];
    if (entry === undefined) return { status: 500, body: { message: 'not in the table' } };
    return { body: entry, ...(delayMs === undefined ? {} : { delayMs }) };
  };
}

export const USAGE = { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 };

/**
 * A server speaking the chat-completions API: checks the route, the model, the messages and the
 * request fields, finds the candidate's JSON text after "CANDIDATE answer:" in the user message,
 * and answers the table's content for it (an object becomes its JSON; a string is sent as the
 * model's text as is), with USAGE.
 */
export function chatCompletions(model: string, table: Readonly<Record<string, TableVerdict | string>>, expect: { responseFormat?: string } = {}): Handler {
  return (request) => {
    const b = request.body;
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions')
      return { status: 404, body: { error: { message: `no route ${request.method} ${request.url}` } } };
    if (b?.model !== model) return { status: 404, body: { error: { message: `model ${JSON.stringify(b?.model)} not found` } } };
    const messages = b.messages as { role: string; content: string }[] | undefined;
    if (!Array.isArray(messages) || messages.at(-1)?.role !== 'user' || typeof messages.at(-1)?.content !== 'string')
      return { status: 400, body: { error: { message: 'messages must end with a user message' } } };
    if (b.temperature !== 0 || typeof b.max_tokens !== 'number') return { status: 400, body: { error: { message: 'expected temperature 0 and max_tokens' } } };
    if ((b.response_format?.type ?? 'none') !== (expect.responseFormat ?? 'json_object'))
      return { status: 400, body: { error: { message: `unexpected response_format ${JSON.stringify(b.response_format)}` } } };
    const user = messages.at(-1)?.content ?? '';
    const marker = user.indexOf('CANDIDATE answer:\n');
    const candidate = marker < 0 ? null : (user.slice(marker + 'CANDIDATE answer:\n'.length).split('\n')[0] ?? null);
    const entry = candidate === null ? undefined : table[candidate];
    const content = entry === undefined ? 'I could not find the candidate.' : typeof entry === 'string' ? entry : JSON.stringify(entry);
    return {
      body: {
        id: `chatcmpl-${request.at}`,
        object: 'chat.completion',
        created: Math.floor(request.at / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: USAGE,
      },
    };
  };
}
