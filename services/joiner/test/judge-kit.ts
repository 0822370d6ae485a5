// Shared by the joiner's judge tests: real judge servers (node:http on 127.0.0.1, port 0) that
// record what they receive, and exchanges produced to the real broker the way the tap and the
// replayer write them (registry-framed Avro), each answer a JSON body with a generated `summary`.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, shadowResultContract, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { CompressionTypes, Partitioners, type Kafka, type Message } from 'kafkajs';

export const CANDIDATE = 'cand-1';
export const SECONDARY = 'sec-1';

export interface Received {
  readonly url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** An answer, or `hang` (never answer). */
export type Handler = (request: Received) => { status?: number; body: unknown; delayMs?: number } | 'hang';

export interface JudgeServer extends AsyncDisposable {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

export async function startJudgeServer(handler: Handler, path = '/judge'): Promise<JudgeServer> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const request: Received = { url: req.url ?? '', body };
      received.push(request);
      const answer = handler(request);
      if (answer === 'hang') return;
      if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs));
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `${origin}${path}`, received, close, [Symbol.asyncDispose]: close };
}

/** The numbers in a text, sorted: what the demo-like judges compare (same facts, other words). */
export const numbersOf = (text: unknown): string => (typeof text === 'string' ? (text.match(/\d+(\.\d+)?/g) ?? []).sort().join(',') : '');

/** A plain JSON judge: equal when both summaries state the same numbers. */
export const sameNumbersJudge: Handler = (r) => {
  const equal = numbersOf(r.body?.live?.value) === numbersOf(r.body?.candidate?.value);
  return { body: { verdict: equal ? 'equal' : 'different', score: equal ? 1 : 0, reason: equal ? 'same figures' : 'figures differ' } };
};

/** A server speaking the chat-completions API whose model answers by the same rule, with usage. */
export const chatSameNumbers: Handler = (r) => {
  const user = (r.body?.messages as { role: string; content: string }[] | undefined)?.at(-1)?.content ?? '';
  const live = /LIVE answer:\n(.*)\n/.exec(user)?.[1];
  const candidate = /CANDIDATE answer:\n(.*)$/.exec(user)?.[1];
  const equal = numbersOf(live === undefined ? '' : JSON.parse(live)) === numbersOf(candidate === undefined ? '' : JSON.parse(candidate));
  return {
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: r.body?.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: JSON.stringify({ verdict: equal ? 'equal' : 'different', reason: equal ? 'same figures' : 'figures differ' }),
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 80, completion_tokens: 12, total_tokens: 92 },
    },
  };
};

export interface Answers {
  readonly live: string;
  readonly candidate: string;
  readonly secondary: string;
}

export interface Planned {
  readonly id: string;
  /** `/<route>/<n>`, route template `/<route>/:id`. */
  readonly route: string;
  readonly n: number;
  readonly summaries: Answers;
}

function exchangeOf(p: Planned, now: number): CapturedExchange {
  return {
    exchangeId: p.id,
    captureTimeMs: now,
    service: 'pricing',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'pricing.local',
    path: `/${p.route}/${p.n}`,
    query: '',
    routeTemplate: `/${p.route}/:id`,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify({ sku: p.n, price: 10, summary: p.summaries.live })),
    responseBodyTruncated: false,
    responseBodySize: 60,
    responseContentType: 'application/json',
    liveLatencyUs: 2000,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  };
}

function resultOf(p: Planned, challengerId: string, role: string, summary: string, now: number): ShadowResult {
  return {
    exchangeId: p.id,
    challengerId,
    challengerName: `${challengerId}@test`,
    attempt: 1,
    replayTimeMs: now + 5,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify({ sku: p.n, price: 10, summary })),
    responseBodyTruncated: false,
    responseBodySize: 60,
    responseContentType: 'application/json',
    latencyUs: 2500,
    errorKind: null,
    errorMessage: null,
    replayerVersion: 'test',
    challengerRole: role,
    runId: null,
  };
}

/** Creates the joined topics under `prefix` and produces every planned exchange with both results. */
export async function produceExchanges(kafka: Kafka, registryUrl: string, prefix: string, plan: readonly Planned[], createTopics = true): Promise<void> {
  if (createTopics) {
    const report = await ensureTopics(kafka, { prefix, partitions: 2, roles: ['exchanges', 'results', 'sideEffects', 'deadLetter', 'labels', 'progress'] });
    if (!report.ok) throw new Error(report.problems.join('; '));
  }
  const registry = createSchemaRegistry({ url: registryUrl });
  const names = topicNames(prefix);
  const exchanges = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
  const results = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) });
  await Promise.all([exchanges.init(), results.init()]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const now = Date.now();
    const ex: Message[] = [];
    const res: Message[] = [];
    for (const p of plan) {
      ex.push({ key: p.id, value: exchanges.encodeSync(exchangeOf(p, now)) });
      res.push({ key: p.id, value: results.encodeSync(resultOf(p, SECONDARY, 'secondary', p.summaries.secondary, now)) });
      res.push({ key: p.id, value: results.encodeSync(resultOf(p, CANDIDATE, 'candidate', p.summaries.candidate, now)) });
    }
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [
        { topic: names.exchanges, messages: ex },
        { topic: names.results, messages: res },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}

export async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
