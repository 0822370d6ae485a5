// `host: original` against real HTTP servers: a challenger running the same Host-sensitive code as
// live answers with the same Location, Link and body when it receives the captured Host, and differs
// when it receives its own address (the default); whatever Host was captured, requests reach only the
// challenger's base URL (a third server named by the captured Host receives nothing); over TLS the
// challenger's own name stays the SNI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveChallengers } from '@shadow/replay';
import { Dispatcher } from '../src/dispatch/dispatcher.js';
import type { TestServer } from './support/kit.js';
import { echo, exchange, startServer } from './support/kit.js';

/** Builds every URL it returns from the request's Host, like json-server's Location and Link. */
function hostSensitive(req: IncomingMessage, res: ServerResponse): void {
  const base = `http://${req.headers.host ?? ''}`;
  res.writeHead(201, {
    location: `${base}/orders/7`,
    link: `<${base}/orders?page=2>; rel="next"`,
    'content-type': 'application/json',
  });
  res.end(JSON.stringify({ self: `${base}${req.url ?? ''}` }));
}

/** What live answered: the app called directly with the client's Host. */
function liveAnswer(url: string, path: string, host: string): Promise<{ headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('replaying with the captured Host (host: original)', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('a challenger of the same code shows no Host-derived difference, and only the base URL is reached', async () => {
    const live = await startServer(hostSensitive);
    const original = await startServer(hostSensitive);
    const address = await startServer(hostSensitive);
    const elsewhere = await startServer(echo);
    servers.push(live, original, address, elsewhere);
    const elsewhereHost = new URL(elsewhere.url).host;

    const dispatcher = new Dispatcher({
      challengers: resolveChallengers([
        { id: 'sec-original', baseUrl: original.url, role: 'secondary', host: 'original' },
        { id: 'sec-address', baseUrl: address.url, role: 'secondary' },
      ]),
    });
    // Captured Hosts: the public name, and one naming the third server (with an absolute-form target too).
    const cases = [
      { host: 'shop.example', path: '/orders' },
      { host: 'shop.example:8443', path: '/orders?x=1' },
      { host: elsewhereHost, path: '/orders' },
      { host: elsewhereHost, path: `${elsewhere.url}/steal` },
    ];
    try {
      for (const { host, path } of cases) {
        const relative = path.startsWith('/') ? path : new URL(path).pathname;
        const liveReply = await liveAnswer(live.url, relative, host);
        const [pathOnly = path, query = ''] = path.split('?');
        const results = await dispatcher.dispatch(exchange({ method: 'POST', host, path: pathOnly, query, requestHeaders: { host: [host] } }));
        const byId = new Map(results.map((r) => [r.challengerId, r]));
        const same = byId.get('sec-original');
        const other = byId.get('sec-address');
        expect(same?.errorKind).toBeNull();
        expect(same?.responseHeaders['location']).toEqual([liveReply.headers.location]);
        expect(same?.responseHeaders['link']).toEqual([liveReply.headers.link]);
        expect(same?.responseBody.toString('utf8')).toBe(liveReply.body);
        // The default sends the challenger's address: every Host-derived value differs from live.
        expect(other?.responseHeaders['location']).toEqual([`${address.url}/orders/7`]);
        expect(other?.responseHeaders['location']).not.toEqual([liveReply.headers.location]);
      }
    } finally {
      await dispatcher.close();
    }

    expect(original.requests.map((r) => r.headers.host)).toEqual(cases.map((c) => c.host));
    expect(address.requests.map((r) => r.headers.host)).toEqual(cases.map(() => new URL(address.url).host));
    expect(original.requests.at(-1)?.url).toBe('/steal');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('over https the SNI is the challenger name, not the captured Host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-sni-'));
    const seen: string[] = [];
    let server: ReturnType<typeof createHttpsServer> | undefined;
    let dispatcher: Dispatcher | undefined;
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      server = createHttpsServer(
        {
          key,
          cert,
          SNICallback: (name, done) => {
            seen.push(name);
            done(null);
          },
        },
        hostSensitive,
      );
      await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      dispatcher = new Dispatcher({
        challengers: resolveChallengers([{ id: 'tls', baseUrl: `https://localhost:${port}`, host: 'original', timeoutMs: 5_000 }]),
      });
      const [result] = await dispatcher.dispatch(exchange({ host: 'shop.example', requestHeaders: { host: ['shop.example'] } }));
      // The self-signed certificate is not trusted (no CA option): the handshake got as far as SNI.
      expect(result?.errorKind).toBe('tls');
      expect(seen).toEqual(['localhost']);
    } finally {
      await dispatcher?.close();
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
