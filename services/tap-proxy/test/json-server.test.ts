// The issue's reproduction, with the real app it was found on: json-server 0.17.4 builds Location
// (POST) and Link (pagination) from Host. Installed with plain npm into a temporary project (outside
// the workspace, so its Express 4 tree stays out of the monorepo's lockfile), three instances seeded
// alike: one asked directly, one through the transparent proxy, one through a proxy that rewrites
// Host. The same 70 raw requests to each; responses compared byte for byte except Date values.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait, topicNames } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import type { TapProxy } from '@shadow/tap-proxy';

const run = promisify(execFile);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const HOST = 'api.shop.example';

const SERVER = `
const jsonServer = require('json-server');
const server = jsonServer.create();
server.use(jsonServer.defaults({ logger: false }));
server.use(jsonServer.router({ posts: Array.from({ length: 25 }, (_, i) => ({ id: i + 1, title: 'post ' + (i + 1) })) }));
const s = server.listen(0, '127.0.0.1', () => console.log('listening on ' + s.address().port));
`;

/** 70 requests a json-server client makes: paging (Link), creates (Location), reads, updates, deletes, HEAD, CORS, gzip. */
function requests(): string[] {
  const line = (method: string, path: string, extra = '', body = ''): string =>
    `${method} ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${extra}${body === '' ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}Connection: close\r\n\r\n${body}`;
  const out: string[] = [];
  for (let i = 0; i < 20; i++) out.push(line('GET', `/posts?_page=${(i % 5) + 1}&_limit=5${i >= 10 ? '&_sort=id&_order=desc' : ''}`));
  for (let i = 0; i < 10; i++) out.push(line('GET', `/posts/${i * 3 + 1}`));
  for (let i = 0; i < 10; i++) out.push(line('POST', '/posts', '', JSON.stringify({ title: `new ${i}` })));
  for (let i = 0; i < 10; i++) out.push(line('PATCH', `/posts/${i + 1}`, '', JSON.stringify({ title: `patched ${i}` })));
  for (let i = 0; i < 5; i++) out.push(line('PUT', `/posts/${i + 11}`, '', JSON.stringify({ title: `put ${i}` })));
  for (let i = 0; i < 5; i++) out.push(line('DELETE', `/posts/${i + 16}`));
  for (let i = 0; i < 5; i++) out.push(line('HEAD', `/posts?_page=${i + 1}&_limit=4`));
  for (let i = 0; i < 3; i++) out.push(line('OPTIONS', '/posts', `Origin: https://shop.example\r\nAccess-Control-Request-Method: POST\r\n`));
  for (let i = 0; i < 2; i++) out.push(line('GET', `/posts?_page=${i + 1}&_limit=10`, 'Accept-Encoding: gzip\r\n'));
  return out;
}

function rawExchange(port: number, request: string): Promise<string> {
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

const withoutDates = (raw: string): string => raw.replace(/\r\ndate: [^\r]*/gi, '\r\nDate: <date>');

describe('json-server 0.17.4 behind the tap proxy', () => {
  let project: string;
  const children: ChildProcess[] = [];
  const proxies: TapProxy[] = [];
  const ports: number[] = [];
  const prefix = `${uniqueName('json-server')}.`;
  const names = topicNames(prefix);

  async function startJsonServer(): Promise<number> {
    const child = spawn(process.execPath, ['server.cjs'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`json-server did not listen: ${output}`)), 20_000);
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const match = /listening on (\d+)/.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
  }

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'shadow-json-server-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'json-server-app', private: true, dependencies: { 'json-server': '0.17.4' } }));
    writeFileSync(join(project, 'server.cjs'), SERVER);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], { cwd: project, timeout: 180_000 });
    const [direct, transparent, rewritten] = await Promise.all([startJsonServer(), startJsonServer(), startJsonServer()]);
    const admin = kafkaClient('json-server-test').admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: names.exchanges, numPartitions: 1 }], 30_000);
    await admin.disconnect();
    const env = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
      TAP_PROXY_UPSTREAM: `http://127.0.0.1:${port}`,
      TAP_PROXY_PORT: '0',
      TAP_PROXY_ADMIN_PORT: '0',
      SHADOW_SERVICE: 'json-server',
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      ...extra,
    });
    proxies.push(await startTapProxy(loadConfig(env(transparent as number)), silent));
    proxies.push(await startTapProxy(loadConfig(env(rewritten as number, { TAP_PROXY_HOST_HEADER: 'upstream' })), silent));
    ports.push(direct as number, (proxies[0] as TapProxy).address.port, (proxies[1] as TapProxy).address.port);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    for (const child of children) child.kill();
    if (project !== undefined) rmSync(project, { recursive: true, force: true });
    const admin = kafkaClient('json-server-test').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [names.exchanges, names.control] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('0 of 70 responses differ through the proxy (Date aside); rewriting Host alters every Location and Link', async () => {
    const [direct, transparent, rewritten] = ports as [number, number, number];
    const altered: string[] = [];
    const rewrittenAltered: string[] = [];
    for (const request of requests()) {
      const expected = withoutDates(await rawExchange(direct, request));
      if (withoutDates(await rawExchange(transparent, request)) !== expected) altered.push(request.split('\r\n')[0] as string);
      const viaRewrite = withoutDates(await rawExchange(rewritten, request));
      if (viaRewrite !== expected) {
        rewrittenAltered.push(request.split('\r\n')[0] as string);
        // What differs is the host in the URLs json-server builds, and nothing else.
        expect(viaRewrite.replaceAll(/127\.0\.0\.1:\d+/g, HOST)).toBe(expected);
      }
      expect(expected).toMatch(/^HTTP\/1\.1 \d{3} /);
    }
    expect(altered).toEqual([]);
    // The defect the issue reported, reproduced with the old behaviour as an option: the 22 paged
    // GETs and 5 paged HEADs carry a Link, the 10 creates a Location.
    expect(rewrittenAltered).toHaveLength(37);
  }, 120_000);
});
