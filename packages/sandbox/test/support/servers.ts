import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyAgent, request } from 'undici';
import type { SideEffect } from '@shadow/contracts';
import { createSandbox, type Sandbox, type SandboxOptions } from '@shadow/sandbox';

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<AsyncDisposable & { port: number }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export interface ReceivedRequest {
  method: string;
  url: string;
  body: string;
}

/** The real "payments" dependency: answers every call and remembers it. */
export async function startPayments(): Promise<AsyncDisposable & { port: number; received: ReceivedRequest[] }> {
  const received: ReceivedRequest[] = [];
  const server = await listen((req, res) => {
    void bodyOf(req).then((body) => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ real: true, n: received.length }));
    });
  });
  return Object.assign(server, { received });
}

export type Via = 'proxy' | 'tunnel' | 'dependency';
export type Propagate = 'header' | 'traceparent' | 'none';

export interface OutboundAnswer {
  status: number;
  body: string;
  /** The response headers the app's outbound call got (lower-case names). */
  headers: Record<string, string | string[]>;
  error?: string;
}

/**
 * A challenger: a real HTTP server whose handler makes one outbound call to payments while it
 * handles a replayed request, the way an application would, and answers with what it got.
 * Query: via (proxy = absolute-form through HTTP_PROXY, tunnel = undici's default CONNECT for
 * http targets, dependency = the dependencyUrl), method, path, propagate (which of the replayed
 * request's correlation headers the app passes on), target (override host:port, for https tests).
 */
export async function startChallenger(sandbox: Sandbox, challengerId: string, paymentsPort: number): Promise<AsyncDisposable & { port: number }> {
  const endpoints = sandbox.endpoints(challengerId);
  const absoluteForm = new ProxyAgent({ uri: endpoints.httpProxyUrl, proxyTunnel: false });
  const tunnelling = new ProxyAgent({ uri: endpoints.httpProxyUrl });
  const server = await listen((req, res) => {
    void (async () => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const via = (q.get('via') ?? 'proxy') as Via;
      const method = q.get('method') ?? 'POST';
      const path = q.get('path') ?? '/v1/charges';
      const propagate = (q.get('propagate') ?? 'header') as Propagate;
      const headers: Record<string, string> = { authorization: 'Bearer sk_live_secret', 'content-type': 'application/json' };
      const exchangeId = req.headers['x-shadow-exchange-id'];
      const traceparent = req.headers.traceparent;
      if (propagate === 'header' && typeof exchangeId === 'string') headers['x-shadow-exchange-id'] = exchangeId;
      if (propagate === 'traceparent' && typeof traceparent === 'string') headers.traceparent = traceparent;
      const origin = q.get('origin') ?? `http://127.0.0.1:${paymentsPort}`;
      const url = via === 'dependency' ? `${endpoints.dependencyUrl('payments')}${path}` : `${origin}${path}`;
      let answer: OutboundAnswer;
      try {
        const r = await request(url, {
          method: method as 'POST',
          headers,
          body: method === 'GET' || method === 'HEAD' ? null : JSON.stringify({ amount: 4200, currency: 'eur' }),
          ...(via === 'proxy' ? { dispatcher: absoluteForm } : via === 'tunnel' ? { dispatcher: tunnelling } : {}),
        });
        const received: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(r.headers)) if (value !== undefined) received[name] = value;
        answer = { status: r.statusCode, body: await r.body.text(), headers: received };
      } catch (error) {
        answer = { status: 0, body: '', headers: {}, error: (error as Error).message };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    })();
  });
  return {
    port: server.port,
    async [Symbol.asyncDispose]() {
      await absoluteForm.close();
      await tunnelling.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** What the replayer does around one replay: expect, send with the shadow headers, settle. */
export async function replayTo(challengerPort: number, headers: Record<string, string>, query: Record<string, string>): Promise<OutboundAnswer> {
  const r = await request(`http://127.0.0.1:${challengerPort}/act?${new URLSearchParams(query).toString()}`, { headers });
  return (await r.body.json()) as OutboundAnswer;
}

export interface Rig extends AsyncDisposable {
  sandbox: Sandbox;
  effects: SideEffect[];
}

export async function startSandbox(
  options: Omit<SandboxOptions, 'onSideEffect' | 'challengers'> & { challengers?: SandboxOptions['challengers'] },
): Promise<Rig> {
  const effects: SideEffect[] = [];
  const sandbox = createSandbox({ challengers: ['candidate'], ...options, onSideEffect: (e) => effects.push(e) });
  await sandbox.start();
  return {
    sandbox,
    effects,
    async [Symbol.asyncDispose]() {
      await sandbox.close();
    },
  };
}

/** Waits until `predicate` holds, polling; the side effect of a call is emitted after its answer is written. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
