// The tap proxy is invisible to live users (issue 14): a Host-sensitive node:http app (Location,
// Link and JSON built from Host, redirects, 204, 304, HEAD, chunked and gzip bodies, trailers, 103
// Early Hints, 100-continue, duplicate Set-Cookie, mixed-case header names, a custom reason phrase,
// Connection: close, HTTP/1.0, pipelining, an upgrade) is asked the same raw requests directly and
// through the proxy, over raw sockets (no parsing client in between): the bytes that come back are
// identical except the Date values. Real Kafka and registry behind the tap, real HTTP servers.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync, createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait, topicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import type { TapProxy } from '@shadow/tap-proxy';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const HOST = 'shop.example:8080';
const later = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BIG = Buffer.from(Array.from({ length: 8 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 12)) % 256));

/** Everything this app answers depends on the Host it was sent, the way json-server's Location and Link do. */
function hostSensitiveApp(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => void answer(req, res, Buffer.concat(chunks)));
}

async function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const base = `http://${req.headers.host ?? ''}`;
  const route = `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`;
  const json = (value: unknown): string => JSON.stringify(value);
  switch (route) {
    case 'POST /items':
      res.writeHead(201, { location: `${base}/items/42`, link: `<${base}/items?page=2>; rel="next"`, 'content-type': 'application/json' });
      res.end(json({ self: `${base}/items/42`, received: body.toString('utf8') }));
      return;
    case 'GET /items':
    case 'HEAD /items':
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', link: `<${base}/items>; rel="self"` }).end();
        return;
      }
      res.setHeader('ETag', '"v1"');
      res.setHeader('Link', [`<${base}/items?page=2>; rel="next"`, `<${base}/items?page=9>; rel="last"`]);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(json({ items: [`${base}/items/1`, `${base}/items/2`] }));
      return;
    case 'GET /redirect':
      res.writeHead(302, { Location: `${base}/items` }).end();
      return;
    case 'DELETE /items/42':
      res.writeHead(204, { 'X-Deleted-From': base }).end();
      return;
    case 'GET /chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`one ${base};`);
      await later(30);
      res.write('two;');
      await later(30);
      res.end('three');
      return;
    case 'GET /gzip':
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
      res.end(gzipSync(json({ self: `${base}/gzip`, pad: 'x'.repeat(2_000) })));
      return;
    case 'GET /gzip-stream': {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res);
      gzip.write(`${base}\n`.repeat(50));
      await later(20);
      gzip.end('done');
      return;
    }
    case 'GET /cookies':
      // Repeated and interleaved names in mixed case, a custom reason phrase: all kept as sent.
      res.writeHead(200, 'Cookies Baked', [
        'Set-Cookie',
        `a=1; Domain=${req.headers.host ?? ''}; Path=/`,
        'X-MiXeD-Case',
        'Yes',
        'set-cookie',
        'b=2; HttpOnly',
        'x-lower',
        'v',
        'SET-COOKIE',
        'c=3',
        'Content-Length',
        '2',
      ]);
      res.end('ok');
      return;
    case 'GET /trailers':
      res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' });
      res.write('part1;');
      await later(10);
      res.write(`part2 ${base}`);
      res.addTrailers([['X-Checksum', 'abc123']]);
      res.end();
      return;
    case 'GET /early-hints':
      res.writeEarlyHints({ link: `<${base}/style.css>; rel=preload; as=style` });
      await later(10);
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="${base}/">home</a>`);
      return;
    case 'GET /no-date':
      res.sendDate = false;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('plain');
      return;
    case 'GET /close':
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(`closing ${base}`);
      return;
    case 'GET /until-close':
      // No Content-Length, no chunking: the body ends when the connection does.
      res.shouldKeepAlive = false;
      res.removeHeader('Transfer-Encoding');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`first ${base};`);
      await later(20);
      res.end('last');
      return;
    case 'GET /bare':
      // No Connection or Keep-Alive line (as Go's server sends): none is added on the way.
      res.removeHeader('Connection');
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(base.length) }).end(base);
      return;
    case 'GET /big':
      // One 8 MiB write: it reaches the proxy in many reads.
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BIG);
      return;
    case 'POST /upload':
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${body.length} bytes for ${base}`);
      return;
    default:
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${route} at ${base}`);
  }
}

/** A step of a raw exchange: bytes to send, or a text to wait for in what came back. */
type Step = string | { waitFor: string };

/** The raw bytes a client receives for these steps, until the server closes the connection. */
function rawExchange(port: number, steps: Step[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let waiting: { text: string; go: () => void } | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 10 s; received so far:\n${received}`));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (waiting !== null && received.includes(waiting.text)) {
        const { go } = waiting;
        waiting = null;
        go();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    void (async () => {
      for (const step of steps) {
        if (typeof step === 'string') socket.write(step, 'latin1');
        else if (!received.includes(step.waitFor)) await new Promise<void>((go) => (waiting = { text: step.waitFor, go }));
      }
    })();
  });
}

/** The data of a chunked body (sizes in hex, no extensions or trailers: what Node writes). */
function dechunk(framed: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = framed.indexOf('\r\n', at);
    const size = Number.parseInt(framed.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(out);
    out.push(framed.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Date values are the only bytes allowed to differ. */
const withoutDates = (raw: string): string => raw.replace(/\r\ndate: [^\r]*/gi, '\r\nDate: <date>');

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${extra}\r\n`;
const closing = (request: string): string => `${request.slice(0, -2)}Connection: close\r\n\r\n`;
const BYE = closing(get('/items'));

/** Each case is one connection: its requests, then (unless it closes itself) a closing request. */
const CASES: Record<string, Step[]> = {
  'POST with Location, Link and a body built from Host': [
    `POST /items HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"name":1}\n`,
    BYE,
  ],
  'GET with ETag and two Link values': [get('/items', 'Accept: application/json\r\n'), BYE],
  'conditional GET: 304': [get('/items', 'If-None-Match: "v1"\r\n'), BYE],
  HEAD: [`HEAD /items HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, BYE],
  'redirect (302 with Location)': [get('/redirect'), BYE],
  '204 No Content': [`DELETE /items/42 HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, BYE],
  'chunked body written in three pieces': [get('/chunked'), BYE],
  'gzip body (Content-Length)': [get('/gzip', 'Accept-Encoding: gzip\r\n'), BYE],
  'gzip body streamed (chunked)': [get('/gzip-stream', 'Accept-Encoding: gzip\r\n'), BYE],
  'duplicate Set-Cookie, mixed-case names, custom reason': [get('/cookies'), BYE],
  trailers: [get('/trailers', 'TE: trailers\r\n'), BYE],
  '103 Early Hints before the response': [get('/early-hints'), BYE],
  'a response without Date': [get('/no-date'), BYE],
  'the app closes the connection': [get('/close'), get('/items')],
  'a body delimited by closing the connection': [get('/until-close'), get('/items')],
  'no Connection line at all': [get('/bare'), BYE],
  'the client closes the connection': [closing(get('/chunked'))],
  'Expect: 100-continue': [
    `POST /upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    { waitFor: '100 Continue' },
    'hello',
  ],
  'chunked upload': [`POST /upload HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n`, BYE],
  'HTTP/1.0 client, body the app streams': [`GET /chunked HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`],
  'pipelined requests': [`${get('/items')}${get('/redirect')}${get('/cookies')}${BYE}`],
  'unknown route': [get('/nowhere?x=1'), BYE],
};

describe('tap proxy transparency (raw bytes, with and without the proxy)', () => {
  let upstream: Server;
  let upstreamPort: number;
  let proxy: TapProxy;
  let hostRewriting: TapProxy;
  const seenByUpstream: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const prefix = `${uniqueName('transparent')}.`;
  const names = topicNames(prefix);
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    TAP_PROXY_UPSTREAM: `http://127.0.0.1:${upstreamPort}`,
    TAP_PROXY_PORT: '0',
    TAP_PROXY_ADMIN_PORT: '0',
    SHADOW_SERVICE: 'shop',
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    ...extra,
  });

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seenByUpstream.push({ url: req.url ?? '', headers: req.headers });
      hostSensitiveApp(req, res);
    });
    // An upgrade the upstream accepts, then echoes: relayed raw by the proxy.
    upstream.on('upgrade', (req: IncomingMessage, socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Host: ${req.headers.host ?? ''}\r\n\r\n`);
      socket.on('data', (c: Buffer) => socket.write(`echo:${c.toString('latin1')}`));
      socket.on('end', () => socket.end());
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    const admin = kafkaClient('transparency-test').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: names.exchanges, numPartitions: 1 }], 30_000);
    await admin.disconnect();
    proxy = await startTapProxy(loadConfig(env()), silent);
    hostRewriting = await startTapProxy(loadConfig(env({ TAP_PROXY_HOST_HEADER: 'upstream', TAP_PROXY_FORWARDED_HEADERS: 'true' })), silent);
    const deadline = Date.now() + 20_000;
    while (!proxy.tap.enabled) {
      if (Date.now() > deadline) throw new Error('tap never became enabled');
      await later(100);
    }
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await hostRewriting?.close();
    upstream?.closeAllConnections();
    upstream?.close();
    const admin = kafkaClient('transparency-test').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [names.exchanges, names.control] }).catch(() => undefined);
    await admin.disconnect();
  });

  it.each(Object.entries(CASES))('%s: identical bytes but Date', async (_name, steps) => {
    const direct = await rawExchange(upstreamPort, steps);
    const proxied = await rawExchange(proxy.address.port, steps);
    expect(direct.length).toBeGreaterThan(0);
    expect(withoutDates(proxied)).toBe(withoutDates(direct));
  });

  it('HTTP/1.0 client: the same answer, with the Content-Length a HTTP/1.1 hop lets the app add', async () => {
    // The proxy speaks HTTP/1.1 upstream (undici), so the app frames with Content-Length where it
    // would close-delimit for a HTTP/1.0 client: same status, headers and body otherwise.
    const steps = [`GET /items HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`];
    const direct = withoutDates(await rawExchange(upstreamPort, steps));
    const proxied = withoutDates(await rawExchange(proxy.address.port, steps));
    expect(direct).not.toMatch(/content-length/i);
    expect(proxied.replace(/\r\nContent-Length: \d+/, '')).toBe(direct);
  });

  it('a large chunk arriving in many reads: same status line, headers and body bytes; only the chunk sizes differ', async () => {
    // Node re-frames what undici hands over piece by piece: the chunk boundaries are the one part of
    // a chunked body the proxy does not keep (RFC 9112 7.1: framing is per connection). The client
    // reads slowly at first, so the proxy has to hold the upstream back (and resume it) on the way.
    const read = (port: number): Promise<{ head: string; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.pause();
        setTimeout(() => socket.resume(), 300);
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('error', reject);
        socket.on('close', () => {
          const all = Buffer.concat(chunks);
          const end = all.indexOf('\r\n\r\n');
          resolve({ head: all.subarray(0, end).toString('latin1'), body: dechunk(all.subarray(end + 4)) });
        });
        socket.write(closing(get('/big')));
      });
    const direct = await read(upstreamPort);
    const proxied = await read(proxy.address.port);
    expect(withoutDates(proxied.head)).toBe(withoutDates(direct.head));
    expect(direct.head).toContain('Transfer-Encoding: chunked');
    expect(proxied.body.equals(BIG)).toBe(true);
    expect(direct.body.equals(BIG)).toBe(true);
  }, 30_000);

  it("Host-derived values are the client's own host, never the upstream address", async () => {
    const proxied = await rawExchange(proxy.address.port, [`POST /items HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`]);
    expect(proxied).toContain(`\r\nlocation: http://${HOST}/items/42\r\n`);
    expect(proxied).toContain(`\r\nlink: <http://${HOST}/items?page=2>; rel="next"\r\n`);
    expect(proxied).not.toContain('127.0.0.1');
    // Nothing was added on the way in either: no X-Forwarded-* or Via by default.
    const last = seenByUpstream.at(-1);
    expect(last?.headers.host).toBe(HOST);
    expect(Object.keys(last?.headers ?? {}).filter((h) => h.startsWith('x-forwarded') || h === 'via')).toEqual([]);
  });

  it('captured the exchanges it served', () => {
    expect(proxy.tap.stats().captured).toBeGreaterThan(Object.keys(CASES).length);
  });

  it('relays an upgrade (101, then bytes both ways) unchanged', async () => {
    const steps: Step[] = [
      `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`,
      { waitFor: '\r\n\r\n' },
      'ping',
      { waitFor: 'echo:ping' },
    ];
    const run = (port: number): Promise<string> =>
      new Promise((resolve, reject) => {
        // rawExchange waits for the close: end the connection once the echo is back.
        const socket = connect(port, '127.0.0.1');
        const timer = setTimeout(() => socket.destroy(new Error('no echo within 10 s')), 10_000);
        socket.on('close', () => clearTimeout(timer));
        let received = '';
        socket.on('data', (c: Buffer) => {
          received += c.toString('latin1');
          if (received.includes('\r\n\r\n') && !received.includes('echo:')) socket.write(steps[2] as string);
          if (received.includes('echo:ping')) socket.end();
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
        socket.write(steps[0] as string);
      });
    const direct = await run(upstreamPort);
    const proxied = await run(proxy.address.port);
    expect(direct).toContain('HTTP/1.1 101 Switching Protocols');
    expect(direct).toContain(`X-Host: ${HOST}`);
    expect(proxied).toBe(direct);
  });

  it('TAP_PROXY_HOST_HEADER=upstream sends the upstream address; TAP_PROXY_FORWARDED_HEADERS adds X-Forwarded-* and Via', async () => {
    const proxied = await rawExchange(hostRewriting.address.port, [
      `POST /items HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    ]);
    expect(proxied).toContain(`\r\nlocation: http://127.0.0.1:${upstreamPort}/items/42\r\n`);
    const last = seenByUpstream.at(-1);
    expect(last?.headers.host).toBe(`127.0.0.1:${upstreamPort}`);
    expect(last?.headers['x-forwarded-host']).toBe(HOST);
    expect(last?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(last?.headers['x-forwarded-proto']).toBe('http');
    expect(last?.headers.via).toBe('1.1 shadow-tap-proxy');
  });
});
