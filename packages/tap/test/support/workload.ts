/**
 * The mixed workload of the capture tests: the same endpoints served by plain node:http, Express
 * and Fastify, each optionally tapped, and an HTTP client that returns the bytes it received.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import type { Tap } from '@shadow/tap';
import { tapMiddleware } from '@shadow/tap/express';
import { tapPlugin } from '@shadow/tap/fastify';
import { wrapHandler } from '@shadow/tap/node';

export type Framework = 'node' | 'express' | 'fastify';
export const FRAMEWORKS: readonly Framework[] = ['node', 'express', 'fastify'];

export const MB = 1024 * 1024;
export const SECRETS = {
  authorization: 'Bearer tok-AUTH-9f3b',
  cookie: 'sid=COOKIE-77aa',
  setCookie: 'session=SETCOOKIE-5e1d; HttpOnly',
  proxyAuthorization: 'Basic PROXY-c0ffee',
  email: 'ann.PII@example.com',
  ssn: 'SSN-123-45-6789',
} as const;

/** Deterministic pseudo-random bytes (xorshift32), so responses are identical across servers. */
export function pseudoRandomBytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
export const BIG_RESPONSE = pseudoRandomBytes(5 * MB, 7);
export const CHUNKS = ['alpha-', 'beta-', 'gamma-', 'delta-', 'epsilon'];

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Mentions the request without echoing it: the response carries its own PII field. */
function jsonReply(body: unknown): unknown {
  const items = (body as { items?: unknown[] } | null)?.items;
  return { ok: true, items: Array.isArray(items) ? items.length : -1, user: { email: SECRETS.email, id: 7 } };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function streamChunks(write: (chunk: string) => void): Promise<void> {
  for (const chunk of CHUNKS) {
    write(chunk);
    await delay(5);
  }
}

/** Keeps writing until the client goes away (used by the abort case). */
function writeUntilClosed(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('first-chunk;');
  const timer = setInterval(() => res.write('more;'), 10);
  res.on('close', () => clearInterval(timer));
}

// ---------------------------------------------------------------- node:http

async function nodeHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  if (req.method === 'POST' && path.startsWith('/json/')) {
    const body: unknown = JSON.parse((await readBody(req)).toString('utf8'));
    res.statusCode = 201;
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', [SECRETS.setCookie, 'theme=dark']);
    res.end(JSON.stringify(jsonReply(body)));
  } else if (req.method === 'POST' && (path === '/binary' || path === '/big' || path === '/upload')) {
    const body = await readBody(req);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-received': String(body.length) });
    res.end(path === '/big' ? BIG_RESPONSE : Buffer.from(body).reverse());
  } else if (path === '/empty') {
    res.end();
  } else if (path === '/no-content') {
    res.writeHead(204).end();
  } else if (path === '/chunked') {
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    await streamChunks((c) => res.write(c));
    res.end();
  } else if (path === '/stream') {
    res.setHeader('content-type', 'application/octet-stream');
    Readable.from([ALL_BYTES, Buffer.from('tail')]).pipe(res);
  } else if (path === '/boom') {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  } else if (path === '/abort') {
    writeUntilClosed(res);
  } else if (path === '/slow-upload') {
    await readBody(req).catch(() => Buffer.alloc(0));
    if (!res.destroyed) res.end('never reached when the client aborts');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

function nodeServer(tap: Tap | null): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void nodeHandler(req, res).catch(() => res.destroy());
  };
  return createServer(tap === null ? handler : wrapHandler(tap, handler));
}

// ---------------------------------------------------------------- Express

function expressServer(tap: Tap | null): Server {
  const app = express();
  if (tap !== null) app.use(tapMiddleware(tap));
  app.use(express.json({ limit: '10mb' }));
  app.use(express.raw({ type: 'application/octet-stream', limit: '10mb' }));
  app.post('/json/:id', (req, res) => {
    res.status(201).cookie('session', 'SETCOOKIE-5e1d', { httpOnly: true }).json(jsonReply(req.body));
  });
  const bytes = (req: express.Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  app.post('/binary', (req, res) => {
    res
      .type('application/octet-stream')
      .set('x-received', String(bytes(req).length))
      .send(Buffer.from(bytes(req)).reverse());
  });
  app.post('/upload', (req, res) => {
    res
      .type('application/octet-stream')
      .set('x-received', String(bytes(req).length))
      .send(Buffer.from(bytes(req)).reverse());
  });
  app.post('/big', (req, res) => {
    res
      .type('application/octet-stream')
      .set('x-received', String(bytes(req).length))
      .send(BIG_RESPONSE);
  });
  app.get('/empty', (_req, res) => {
    res.end();
  });
  app.get('/no-content', (_req, res) => {
    res.sendStatus(204);
  });
  app.get('/chunked', async (_req, res) => {
    res.type('text/plain');
    await streamChunks((c) => res.write(c));
    res.end();
  });
  app.get('/stream', (_req, res) => {
    res.type('application/octet-stream');
    Readable.from([ALL_BYTES, Buffer.from('tail')]).pipe(res);
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/abort', (_req, res) => writeUntilClosed(res));
  app.post('/slow-upload', (_req, res) => {
    if (!res.destroyed) res.end('never reached when the client aborts');
  });
  return createServer(app);
}

// ---------------------------------------------------------------- Fastify

async function fastifyServer(tap: Tap | null): Promise<Server> {
  const app = Fastify({ bodyLimit: 10 * MB, logger: false });
  if (tap !== null) await app.register(tapPlugin, { tap });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const bytes = (body: unknown): Buffer => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));
  app.post('/json/:id', async (request, reply) => {
    void reply.code(201).header('set-cookie', SECRETS.setCookie);
    return jsonReply(request.body);
  });
  for (const path of ['/binary', '/upload', '/big']) {
    app.post(path, async (request, reply) => {
      const body = bytes(request.body);
      void reply.type('application/octet-stream').header('x-received', String(body.length));
      return path === '/big' ? BIG_RESPONSE : Buffer.from(body).reverse();
    });
  }
  app.get('/empty', async (_request, reply) => reply.send());
  app.get('/no-content', async (_request, reply) => reply.code(204).send());
  app.get('/chunked', (_request, reply) => {
    const stream = new Readable({ read() {} });
    void streamChunks((c) => stream.push(c)).then(() => stream.push(null));
    void reply.type('text/plain').send(stream);
  });
  app.get('/stream', async (_request, reply) => reply.type('application/octet-stream').send(Readable.from([ALL_BYTES, Buffer.from('tail')])));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/abort', (_request, reply) => {
    reply.hijack();
    writeUntilClosed(reply.raw);
  });
  app.post('/slow-upload', async () => 'never reached when the client aborts');
  await app.ready();
  return app.server;
}

// ---------------------------------------------------------------- servers and clients

/** A plain `node:http` server on a free loopback port running `handler`, closed on dispose. */
export async function listenPlain(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<AsyncDisposable & { port: number }> {
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

export interface RunningServer extends AsyncDisposable {
  readonly port: number;
}

export async function startServer(framework: Framework, tap: Tap | null): Promise<RunningServer> {
  const server = framework === 'node' ? nodeServer(tap) : framework === 'express' ? expressServer(tap) : await fastifyServer(tap);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ClientRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** One buffer sent with Content-Length, or several sent with Transfer-Encoding: chunked. */
  body?: Buffer | Buffer[];
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function send(port: number, req: ClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const chunked = Array.isArray(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined && !chunked) headers['content-length'] = String((req.body as Buffer).length);
    const clientReq = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    clientReq.on('error', reject);
    if (Array.isArray(req.body)) {
      const parts = [...req.body];
      const next = (): void => {
        const part = parts.shift();
        if (part === undefined) {
          clientReq.end();
          return;
        }
        clientReq.write(part);
        setTimeout(next, 5);
      };
      next();
    } else {
      clientReq.end(req.body);
    }
  });
}

/** Sends raw request bytes (which must ask for `connection: close`) and returns every byte the server sent back. */
export async function rawExchange(port: number, request: Buffer): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  // write, not end: a half-closed client makes Node's server abort the request (httpAllowHalfOpen
  // is off). The request says `connection: close`, so the server closes when it is done.
  socket.write(request);
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

/** Opens a request, waits for the first response bytes, then drops the connection. */
export async function abortAfterFirstBytes(port: number, path: string, headers: Record<string, string>): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const head = [`GET ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  const [first] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return first;
}

/** Sends headers and part of a declared body, then drops the connection. */
export async function abortDuringUpload(port: number, path: string, headers: Record<string, string>, sent: Buffer, declared: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const head = [
    `POST ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    `content-length: ${declared}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  socket.write(head);
  socket.write(sent);
  await delay(50);
  socket.destroy();
}
