/**
 * The live outbound recorder on real servers: a tapped live service calls a real "payments" HTTP
 * server with global fetch (undici) and with node:http while serving a request; the captured
 * exchange (in-memory transport) must carry both calls, in order, with what was sent and received.
 */
import diagnostics from 'node:diagnostics_channel';
import { Agent, ClientRequest, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CapturedExchange, OutboundCall } from '@shadow/contracts';
import { createTap, type Tap, type TapOptions } from '@shadow/tap';
import { tapMiddleware } from '@shadow/tap/express';
import { addTapHook } from '@shadow/tap/fastify';
import { wrapHandler } from '@shadow/tap/node';
import { settle } from './support/cases.js';
import { MemorySink } from './support/memory-sink.js';
import { listenPlain, send } from './support/workload.js';

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The real dependency: answers 201 with a JSON body sent in two writes and counts what it got. */
async function paymentsServer(): Promise<AsyncDisposable & { port: number; received: { method: string; url: string; body: string }[] }> {
  const received: { method: string; url: string; body: string }[] = [];
  const server = await listenPlain((req, res) => {
    void readAll(req).then((body) => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body: body.toString() });
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delayMs') ?? 0);
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-payment-id': `pay-${received.length}`, 'set-cookie': 'session=secret' });
        res.write(`{"echo":${body.length === 0 ? '""' : JSON.stringify(body.toString())},`);
        res.end(`"url":${JSON.stringify(req.url)}}`);
      }, delay);
    });
  });
  return Object.assign(server, { received });
}

/** POST with node:http: a JSON body written in two parts, headers set after construction. */
function httpPost(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      void readAll(res).then((b) => resolve({ status: res.statusCode ?? 0, body: b.toString() }), reject);
    });
    req.setHeader('content-type', 'application/json');
    req.on('error', reject);
    req.write(body.slice(0, 5));
    req.end(body.slice(5));
  });
}

function tapWith(sink: MemorySink, outbound: TapOptions['outbound'], extra: Partial<TapOptions> = {}): Tap {
  const tap = createTap({ service: 'checkout', environment: 'test', transport: sink, outbound, ...extra });
  // Also when an assertion failed first: an open tap would keep its recorder subscribed.
  onTestFinished(() => tap.close().then(() => undefined));
  return tap;
}

function liveService(tap: Tap, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<AsyncDisposable & { port: number }> {
  return listenPlain(
    wrapHandler(tap, (req, res) => {
      void handler(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    }),
  );
}

const onlyRecord = (sink: MemorySink): CapturedExchange => {
  expect(sink.records).toHaveLength(1);
  return sink.records[0]!;
};

describe('outbound recorder', () => {
  it('records a fetch call and a node:http call made while serving a request, in order, with bodies, statuses and redacted headers', async () => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true });
    await using live = await liveService(tap, async (req, res) => {
      const order = await readAll(req);
      const viaFetch = await fetch(`http://127.0.0.1:${payments.port}/v1/charges?via=fetch`, {
        method: 'POST',
        headers: { authorization: 'Bearer live-secret', 'content-type': 'application/json' },
        body: order,
      });
      const fetched = await viaFetch.text();
      const viaHttp = await httpPost(payments.port, '/v1/refunds?via=http', '{"refund":7}', { cookie: 'sid=abc' });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ fetched, http: viaHttp.body }));
    });

    const response = await send(live.port, {
      method: 'POST',
      path: '/checkout',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"amount":4200}'),
    });
    expect(response.status).toBe(200);
    await settle(tap, sink, 1);
    const record = onlyRecord(sink);
    const calls = record.outboundCalls ?? [];
    expect(calls).toHaveLength(2);
    const [viaFetch, viaHttp] = calls as [OutboundCall, OutboundCall];

    // What the application received is what the payments server sent (unchanged by the recorder).
    const answer = JSON.parse(response.body.toString()) as { fetched: string; http: string };
    expect(answer.fetched).toBe('{"echo":"{\\"amount\\":4200}","url":"/v1/charges?via=fetch"}');
    expect(payments.received.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/v1/charges?via=fetch', '{"amount":4200}'],
      ['POST', '/v1/refunds?via=http', '{"refund":7}'],
    ]);

    expect(viaFetch).toMatchObject({
      sequence: 0,
      dependencyKind: 'http',
      scheme: 'http',
      target: `127.0.0.1:${payments.port}`,
      method: 'POST',
      path: '/v1/charges?via=fetch',
      requestBodyTruncated: false,
      responseStatus: 201,
      responseBodyTruncated: false,
      errorMessage: null,
    });
    expect(viaFetch.requestBody.toString()).toBe('{"amount":4200}');
    expect(viaFetch.responseBody.toString()).toBe(answer.fetched);
    expect(viaFetch.requestHeaders['authorization']).toEqual(['[REDACTED]']);
    expect(viaFetch.requestHeaders['content-type']).toEqual(['application/json']);
    expect(viaFetch.responseHeaders['x-payment-id']).toEqual(['pay-1']);
    expect(viaFetch.responseHeaders['set-cookie']).toEqual(['[REDACTED]']);

    expect(viaHttp).toMatchObject({
      sequence: 1,
      scheme: 'http',
      target: `127.0.0.1:${payments.port}`,
      method: 'POST',
      path: '/v1/refunds?via=http',
      responseStatus: 201,
      errorMessage: null,
      requestBodyTruncated: false,
      responseBodyTruncated: false,
    });
    expect(viaHttp.requestBody.toString()).toBe('{"refund":7}');
    expect(viaHttp.responseBody.toString()).toBe(answer.http);
    expect(viaHttp.requestHeaders['cookie']).toEqual(['[REDACTED]']);
    expect(viaHttp.requestHeaders['content-type']).toEqual(['application/json']);
    expect(viaHttp.responseHeaders['x-payment-id']).toEqual(['pay-2']);

    expect(viaFetch.startTimeMs).toBeGreaterThanOrEqual(record.captureTimeMs);
    expect(viaHttp.startTimeMs).toBeGreaterThanOrEqual(viaFetch.startTimeMs);
    expect(viaFetch.durationUs).toBeGreaterThan(0);
    expect(tap.stats()).toMatchObject({ outboundCalls: 2, outboundDropped: 0, captureErrors: 0 });
    await tap.close();
  });

  it('concurrent requests each get only their own calls', async () => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true });
    await using live = await liveService(tap, async (req, res) => {
      const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
      // Delays that interleave the requests' calls.
      const a = await fetch(`http://127.0.0.1:${payments.port}/a?id=${id}&delayMs=${(Number(id) * 7) % 30}`);
      await a.text();
      const b = await httpPost(payments.port, `/b?id=${id}&delayMs=${(Number(id) * 11) % 25}`, `{"id":${id}}`);
      res.end(`${id}:${b.status}`);
    });
    const ids = Array.from({ length: 24 }, (_, i) => String(i));
    const responses = await Promise.all(ids.map((id) => send(live.port, { method: 'GET', path: `/work?id=${id}` })));
    expect(responses.map((r) => r.body.toString())).toEqual(ids.map((id) => `${id}:201`));
    await settle(tap, sink, ids.length);
    for (const record of sink.records) {
      const id = new URLSearchParams(record.query).get('id');
      expect(
        record.outboundCalls?.map((c) => `${c.sequence} ${c.method} ${c.path.replace(/&delayMs=\d+/, '')}`),
        record.query,
      ).toEqual([`0 GET /a?id=${id}`, `1 POST /b?id=${id}`]);
      expect(record.outboundCalls?.[1]?.requestBody.toString()).toBe(`{"id":${id}}`);
    }
    expect(tap.stats()).toMatchObject({ outboundCalls: ids.length * 2, outboundDropped: 0 });
    await tap.close();
  });

  it('records failed calls with their error and no status', async () => {
    await using closed = await listenPlain(() => undefined);
    const deadPort = closed.port;
    await closed[Symbol.asyncDispose]();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true });
    await using live = await liveService(tap, async (_req, res) => {
      const fetchError = await fetch(`http://127.0.0.1:${deadPort}/down`).then(
        () => 'none',
        (e: unknown) => String((e as Error).cause ?? e),
      );
      const httpError = await httpPost(deadPort, '/down-too', '{}').then(
        () => 'none',
        (e: unknown) => String(e),
      );
      res.end(`${fetchError} | ${httpError}`);
    });
    const response = await send(live.port, { method: 'GET', path: '/degraded' });
    expect(response.body.toString()).toMatch(/ECONNREFUSED.*\|.*ECONNREFUSED/);
    await settle(tap, sink, 1);
    const calls = onlyRecord(sink).outboundCalls ?? [];
    expect(calls.map((c) => [c.method, c.path, c.target, c.responseStatus])).toEqual([
      ['GET', '/down', `127.0.0.1:${deadPort}`, 0],
      ['POST', '/down-too', `127.0.0.1:${deadPort}`, 0],
    ]);
    for (const call of calls) expect(call.errorMessage).toMatch(/ECONNREFUSED/);
    await tap.close();
  });

  it('bounds calls per exchange and bytes per body, and drops (counting) a call still running when the exchange is built', async () => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true, maxCalls: 3, maxBodyBytes: 10 });
    let late: Promise<unknown> = Promise.resolve();
    await using live = await liveService(tap, async (_req, res) => {
      await (await fetch(`http://127.0.0.1:${payments.port}/1`, { method: 'POST', body: 'x'.repeat(100) })).text();
      // Fire and forget: still running long after the response went out.
      late = fetch(`http://127.0.0.1:${payments.port}/late?delayMs=400`).then((r) => r.text());
      await (await fetch(`http://127.0.0.1:${payments.port}/3`)).text();
      await (await fetch(`http://127.0.0.1:${payments.port}/4`)).text();
      res.end('ok');
    });
    await send(live.port, { method: 'GET', path: '/many' });
    await settle(tap, sink, 1);
    await late;
    const calls = onlyRecord(sink).outboundCalls ?? [];
    expect(calls.map((c) => c.path)).toEqual(['/1', '/3']);
    expect(calls[0]?.requestBody.toString()).toBe('x'.repeat(10));
    expect(calls[0]?.requestBodyTruncated).toBe(true);
    expect(calls[0]?.responseBody.length).toBe(10);
    expect(calls[0]?.responseBodyTruncated).toBe(true);
    // /late was unfinished at build time, /4 was over maxCalls.
    expect(tap.stats()).toMatchObject({ outboundCalls: 2, outboundDropped: 2 });
    await tap.close();
  });

  it('a request that is not captured, served next on the same keep-alive connection, does not lend its calls to the previous one', async () => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true }, { sampling: { rate: 0, routes: [{ pathPrefix: '/captured', rate: 1 }] } });
    await using live = await liveService(tap, async (req, res) => {
      await (await fetch(`http://127.0.0.1:${payments.port}${req.url ?? '/'}`)).text();
      res.end('ok');
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<void> =>
      new Promise((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: live.port, path, agent }, (res) => void readAll(res).then(() => resolve(), reject))
          .on('error', reject)
          .end();
      });
    await get('/captured');
    await get('/skipped');
    await get('/skipped-too');
    agent.destroy();
    await settle(tap, sink, 1);
    expect(onlyRecord(sink).outboundCalls?.map((c) => c.path)).toEqual(['/captured']);
    expect(tap.stats()).toMatchObject({ outboundCalls: 1, outboundDropped: 0 });
    await tap.close();
  });

  it.each(['express', 'fastify'] as const)('%s: calls made by a route handler are recorded', async (framework) => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, { enabled: true });
    const call = async (body: unknown): Promise<string> => {
      const answer = await fetch(`http://127.0.0.1:${payments.port}/v1/charges`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      return answer.text();
    };
    let server;
    if (framework === 'express') {
      const app = express();
      app.use(tapMiddleware(tap));
      app.use(express.json());
      app.post('/orders', (req, res, next) => {
        call(req.body).then((text) => res.json({ text }), next);
      });
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
    } else {
      const app = Fastify();
      addTapHook(app, tap);
      app.post('/orders', async (request) => ({ text: await call(request.body) }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      server = app.server;
    }
    try {
      const port = (server.address() as { port: number }).port;
      const response = await send(port, { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"n":1}') });
      expect(response.status).toBe(200);
      await settle(tap, sink, 1);
      const calls = onlyRecord(sink).outboundCalls ?? [];
      expect(calls.map((c) => [c.method, c.path, c.responseStatus, c.requestBody.toString()])).toEqual([['POST', '/v1/charges', 201, '{"n":1}']]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await tap.close();
    }
  });

  it('off (the default): exchanges carry no calls, the tap subscribes to nothing and keeps no outbound counters', async () => {
    await using payments = await paymentsServer();
    const sink = new MemorySink();
    const tap = tapWith(sink, undefined);
    expect(tap.options.outbound.enabled).toBe(false);
    expect(diagnostics.channel('undici:request:create').hasSubscribers).toBe(false);
    expect(diagnostics.channel('http.client.request.start').hasSubscribers).toBe(false);
    await using live = await liveService(tap, async (_req, res) => {
      await (await fetch(`http://127.0.0.1:${payments.port}/v1/charges`, { method: 'POST', body: '{}' })).text();
      res.end('ok');
    });
    await send(live.port, { method: 'GET', path: '/x' });
    await settle(tap, sink, 1);
    expect(onlyRecord(sink)).not.toHaveProperty('outboundCalls');
    expect(tap.stats()).not.toHaveProperty('outboundCalls');
    expect(payments.received).toHaveLength(1);
    await tap.close();

    // And a recorder that was on unsubscribes when its tap closes.
    expect(Object.hasOwn(ClientRequest.prototype, 'write')).toBe(false);
    const on = tapWith(new MemorySink(), { enabled: true });
    expect(diagnostics.channel('undici:request:create').hasSubscribers).toBe(true);
    expect(Object.hasOwn(ClientRequest.prototype, 'write')).toBe(true);
    await on.close();
    expect(diagnostics.channel('undici:request:create').hasSubscribers).toBe(false);
    expect(diagnostics.channel('http.client.response.finish').hasSubscribers).toBe(false);
    expect(Object.hasOwn(ClientRequest.prototype, 'write')).toBe(false);
    expect(Object.hasOwn(ClientRequest.prototype, 'end')).toBe(false);
  });
});
