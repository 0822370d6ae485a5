// The tap proxy's two boundaries attacked by class, with a raw TCP upstream that can misbehave and
// raw client sockets: a client trying to smuggle a second request past the proxy (CL+TE, two
// Content-Lengths, a bad chunk size) is refused before anything reaches the upstream; an upstream
// that misbehaves (a head Node will not write, a body on a HEAD answer, a body cut short, a 100 it
// was never asked for) costs the client of that exchange a 502 or a cut connection, never another
// client's response.
import { createServer as createTcpServer, connect } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait, topicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import type { TapProxy } from '@shadow/tap-proxy';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Raw bytes back for one request, until the proxy closes the connection (or 10 s). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(new Error(`no close within 10 s: ${JSON.stringify(received)}`)), 10_000);
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

describe('tap proxy boundaries', () => {
  let upstream: TcpServer;
  let proxy: TapProxy;
  /** Every request head the upstream read, in order. */
  const heads: string[] = [];
  const prefix = `${uniqueName('proxy-bounds')}.`;
  const names = topicNames(prefix);

  beforeAll(async () => {
    // A raw HTTP/1.1 upstream: it answers each request head it reads by the path, as told.
    upstream = createTcpServer((socket: Socket) => {
      let buffered = '';
      socket.on('data', (c: Buffer) => {
        buffered += c.toString('latin1');
        for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
          const head = buffered.slice(0, end);
          buffered = buffered.slice(end + 4);
          heads.push(head);
          const [method, path] = head.split(' ');
          if (path === '/bad-header') socket.write('HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\nok');
          else if (path === '/head-with-body' && method === 'HEAD') {
            // A body (shaped like a whole response) right behind a HEAD answer, in the same write.
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstolen');
          } else if (path === '/cut') {
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b');
            socket.destroy();
          } else if (path === '/unasked-100') socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          else socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path?.length ?? 0}\r\n\r\n${path ?? ''}`);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const admin = kafkaClient('proxy-bounds').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: names.exchanges, numPartitions: 1 }], 30_000);
    await admin.disconnect();
    proxy = await startTapProxy(
      loadConfig({
        TAP_PROXY_UPSTREAM: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        // One pooled upstream connection: a stray byte from one exchange would meet the next one there.
        TAP_PROXY_MAX_SOCKETS: '1',
        TAP_PROXY_PORT: '0',
        TAP_PROXY_ADMIN_PORT: '0',
        SHADOW_SERVICE: 'bounds',
        KAFKA_BROKERS: stack().kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
        SHADOW_TOPIC_PREFIX: prefix,
      }),
      silent,
    );
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    upstream?.close();
    const admin = kafkaClient('proxy-bounds').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [names.exchanges, names.control] }).catch(() => undefined);
    await admin.disconnect();
  });

  it.each([
    [
      'Content-Length and Transfer-Encoding',
      'POST /smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'POST /smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcdGET /second HTTP/1.1\r\nHost: a\r\n\r\n',
    ],
    ['a chunk size that is not hex', 'POST /smuggle HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /second HTTP/1.1\r\n\r\n0\r\n\r\n'],
    ['a header line folded over two lines', 'GET /smuggle HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n'],
    ['a CR alone inside a header value', 'GET /smuggle HTTP/1.1\r\nHost: a\r\nX-Cr: a\rb\r\n\r\n'],
  ])('request smuggling (%s) is refused with 400 and reaches nothing', async (_name, request) => {
    const before = heads.length;
    const reply = await raw(proxy.address.port, request);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(heads.slice(before)).toEqual([]);
  });

  it('an upstream head that is not HTTP (a control byte in a value) becomes a 502 naming the cause, not a crash', async () => {
    const reply = await raw(proxy.address.port, 'GET /bad-header HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 502 /);
    expect(reply).toMatch(/\r\nx-tap-proxy-error: HTTPParserError\r\n/i);
    expect(reply).not.toContain('X-Bad');
    // Still serving.
    expect(await raw(proxy.address.port, 'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatch(/\r\n\r\n\/after$/);
  });

  it("a body sent with a HEAD answer never becomes another client's response", async () => {
    const head = await raw(proxy.address.port, 'HEAD /head-with-body HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Length: 6\r\n\r\n$/);
    // Another client, next on the same single pooled upstream connection.
    const next = await raw(proxy.address.port, 'GET /mine HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n');
    expect(next).not.toContain('stolen');
    expect(next).toMatch(/\r\n\r\n\/mine$/);
  });

  it('an upstream that stops mid-body cuts the client connection short: the client cannot take it for complete', async () => {
    const reply = await raw(proxy.address.port, 'GET /cut HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(reply.startsWith('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')).toBe(true);
    expect(reply.length).toBeLessThan('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'.length + 100);
  });

  it('a 100 Continue nobody asked for is refused as a bad answer (502), the next request is served', async () => {
    expect(await raw(proxy.address.port, 'GET /unasked-100 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 502 /);
    expect(await raw(proxy.address.port, 'GET /again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatch(/\r\n\r\n\/again$/);
  });
});
