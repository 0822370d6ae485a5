// The tap proxy against a real upstream, real Kafka and the real registry: what the client receives
// through the proxy is what the upstream sent (status, headers, bytes), streamed as it is produced,
// and every exchange lands in Kafka once, decodable through the registry.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, createTopicsAndWait, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import type { TapProxy } from '@shadow/tap-proxy';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers the client sees, minus those that legitimately differ per connection/hop. */
function comparable(reply: Reply): string[][] {
  const skip = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  const out: string[][] = [];
  for (let i = 0; i < reply.rawHeaders.length; i += 2) {
    const name = reply.rawHeaders[i] as string;
    if (!skip.has(name.toLowerCase())) out.push([name, reply.rawHeaders[i + 1] as string]);
  }
  return out;
}

describe('tap proxy', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let proxy: TapProxy;
  let proxyUrl: string;
  let release: () => void = () => {};
  let upstreamClosed: () => void = () => {};
  const prefix = `${uniqueName('proxy')}.`;
  const names = topicNames(prefix);
  // Proxy and admin on free ports, the stack's Kafka and registry, this suite's topics.
  const proxyEnv = (upstream: string, service: string): Record<string, string> => ({
    TAP_PROXY_UPSTREAM: upstream,
    TAP_PROXY_PORT: '0',
    TAP_PROXY_ADMIN_PORT: '0',
    SHADOW_SERVICE: service,
    SHADOW_TAP_EXCHANGE_ID_HEADERS: 'x-request-id',
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
  });

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url === '/json') {
          res.setHeader('X-Custom-Case', 'Kept');
          res.setHeader('Set-Cookie', ['a=1; HttpOnly', 'b=2']);
          res.writeHead(201, 'Made It', { 'content-type': 'application/json' });
          res.end(JSON.stringify({ echoed: body.toString('utf8'), method: req.method }));
        } else if (req.url === '/binary') {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BINARY.length });
          res.end(BINARY);
        } else if (req.url === '/stream') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first;');
          release = () => res.end('last');
        } else if (req.url === '/headers-first') {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-early': 'yes' });
          res.flushHeaders();
          release = () => res.end('late body');
        } else if (req.url === '/hold') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial;');
          res.on('close', () => upstreamClosed());
        } else if (req.url === '/fail') {
          res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
          res.end('unavailable');
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    const admin = kafkaClient('tap-proxy-test').admin();
    await admin.connect();
    // The control topic is created by the tap's kill-switch watcher itself (compacted, with its retention).
    await createTopicsAndWait(admin, [{ topic: names.exchanges, numPartitions: 3 }], 30_000);
    await admin.disconnect();

    proxy = await startTapProxy(loadConfig(proxyEnv(upstreamUrl, 'catalog')), silent);
    proxyUrl = `http://127.0.0.1:${proxy.address.port}`;
    // Mirroring starts once the kill-switch topic has been read; wait for it so no capture is skipped.
    const deadline = Date.now() + 20_000;
    while (!proxy.tap.enabled) {
      if (Date.now() > deadline) throw new Error('tap never became enabled');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await proxy?.close();
    upstream?.close();
    const admin = kafkaClient('tap-proxy-test').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [names.exchanges, names.control] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('returns status, headers and body bytes unchanged, and publishes each exchange once', async () => {
    const cases: [string, string, Buffer | undefined][] = [
      ['POST', '/json', Buffer.from('{"q":"héllo"}')],
      ['GET', '/binary', undefined],
      ['GET', '/fail', undefined],
      ['GET', '/missing', undefined],
    ];
    const ids: string[] = [];
    for (const [method, path, body] of cases) {
      const direct = await send(upstreamUrl, method, path, {}, body);
      const id = uniqueName('x');
      ids.push(id);
      const proxied = await send(proxyUrl, method, path, { 'x-request-id': id }, body);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.body.equals(direct.body)).toBe(true);
      expect(comparable(proxied)).toEqual(comparable(direct));
    }

    const serde = new RecordSerde({
      registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(names.exchanges),
    });
    const consumer = kafkaClient('tap-proxy-test').consumer({ groupId: uniqueName('proxy-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: names.exchanges, fromBeginning: true });
    const records: CapturedExchange[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${records.length}/${ids.length} records arrived`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          records.push(await serde.decode(message.value as Buffer));
          if (records.length >= ids.length) {
            clearTimeout(timer);
            // A little longer: a duplicate would arrive now.
            setTimeout(resolve, 1_000);
          }
        },
      });
    });
    await consumer.disconnect();
    expect(records.map((r) => r.exchangeId).sort()).toEqual([...ids].sort());
    const binary = records.find((r) => r.path === '/binary');
    expect(binary?.responseBody.equals(BINARY)).toBe(true);
    expect(binary?.service).toBe('catalog');
    const json = records.find((r) => r.path === '/json');
    expect(json?.responseStatus).toBe(201);
    expect(json?.requestBody.toString('utf8')).toBe('{"q":"héllo"}');
    // set-cookie is redacted by default before the record leaves the process.
    expect(JSON.stringify(json?.responseHeaders)).not.toContain('a=1');
  });

  it('streams the response as the upstream produces it', async () => {
    const firstChunk = await new Promise<{ first: string; rest: Promise<string> }>((resolve, reject) => {
      const req = request(`${proxyUrl}/stream`, (res) => {
        let seen = '';
        let resolveRest: (s: string) => void = () => {};
        const rest = new Promise<string>((r) => (resolveRest = r));
        res.on('data', (c: Buffer) => {
          seen += c.toString('utf8');
          if (seen === 'first;') resolve({ first: seen, rest });
        });
        res.on('end', () => resolveRest(seen));
      });
      req.on('error', reject);
      req.end();
    });
    // The upstream has not finished: the first chunk reached the client through the proxy anyway.
    expect(firstChunk.first).toBe('first;');
    release();
    expect(await firstChunk.rest).toBe('first;last');
  });

  it('passes the headers on before the upstream has sent any body', async () => {
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Promise<string> }>((resolve, reject) => {
      const req = request(`${proxyUrl}/headers-first`, (res) => {
        let seen = '';
        res.on('data', (c: Buffer) => {
          seen += c.toString('utf8');
        });
        resolve({ headers: res.headers, body: new Promise((r) => res.on('end', () => r(seen))) });
      });
      req.on('error', reject);
      req.end();
    });
    // The upstream is still holding its body: the response (status + headers) arrived anyway.
    expect(headers['x-early']).toBe('yes');
    release();
    expect(await body).toBe('late body');
  });

  it('a client that goes away mid-response makes the proxy abandon the upstream exchange too', async () => {
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    await new Promise<void>((resolve, reject) => {
      const req = request(`${proxyUrl}/hold`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => reject(new Error('no first chunk')), 5_000);
    });
    // The upstream connection is released, not left hanging until its timeout.
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('upstream exchange still open after 5 s')), 5_000))]);
  });

  it('answers 502 naming the cause when the upstream is unreachable', async () => {
    const dead = await startTapProxy(loadConfig(proxyEnv('http://127.0.0.1:1', 'dead')), silent);
    const reply = await send(`http://127.0.0.1:${dead.address.port}`, 'GET', '/x');
    await dead.close();
    expect(reply.status).toBe(502);
    expect(reply.headers['x-tap-proxy-error']).toBe('ECONNREFUSED');
  });

  it('serves health, readiness and Prometheus metrics on the admin port', async () => {
    const admin = `http://127.0.0.1:${proxy.adminAddress.port}`;
    expect((await send(admin, 'GET', '/healthz')).status).toBe(200);
    expect((await send(admin, 'GET', '/readyz')).status).toBe(200);
    const metrics = (await send(admin, 'GET', '/metrics')).body.toString('utf8');
    expect(metrics).toMatch(/_captured_total/);
    expect(metrics).toMatch(/_dropped_total/);
    expect(metrics).toMatch(/process_resident_memory_bytes/);
  });
});

describe('tap proxy start-up', () => {
  const main = join(findRepoRoot(), 'services', 'tap-proxy', 'dist', 'main.js');

  it('fails fast on bad configuration with a message naming the field', async () => {
    expect(existsSync(main), `${main} is missing: build first (npm test builds)`).toBe(true);
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        TAP_PROXY_UPSTREAM: 'not a url',
        SHADOW_SERVICE: 'x',
        KAFKA_BROKERS: '127.0.0.1:9092',
        SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
        SHADOW_TAP_SAMPLE_RATE: '2',
      },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const started = Date.now();
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stderr).toContain('TAP_PROXY_UPSTREAM');
    expect(stderr).toContain('SHADOW_TAP_SAMPLE_RATE');
  });
});
