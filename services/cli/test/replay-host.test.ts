// `shadow replay --challenger id=url,host=original` on the real stack: the challenger receives the
// captured Host (so a secondary of the same code answers Host-derived headers as live did), the
// default challenger receives its own address, and confinement holds: a third server, named by every
// captured Host and by an absolute-form target, receives nothing. A bad value exits 2 naming the field.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, shadowResultContract, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';
import type { CliIo } from '../src/index.js';
import { runCli } from '../src/index.js';

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env: {}, cwd: '/' };
}

const shadow = (args: string[], t: CliIo): Promise<number> => runCli(['node', 'shadow', ...args], t);

/** A real HTTP server building its Location from Host, remembering what it was sent. */
async function hostSensitive(): Promise<{ url: string; host: string; seen: { url: string; headers: IncomingHttpHeaders }[]; server: Server }> {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.writeHead(201, { location: `http://${req.headers.host ?? ''}/orders/1` }).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, seen, server };
}

function exchange(host: string, path: string, captureTimeMs: number): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs,
    service: 'orders',
    environment: 'test',
    method: 'POST',
    scheme: 'http',
    host,
    path,
    query: '',
    routeTemplate: null,
    requestHeaders: { host: [host] },
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 201,
    responseHeaders: { location: [`http://${host}/orders/1`] },
    responseBody: Buffer.alloc(0),
    responseBodyTruncated: false,
    responseBodySize: 0,
    responseContentType: null,
    liveLatencyUs: 1,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
  };
}

async function produce(prefix: string, exchanges: CapturedExchange[]): Promise<ReturnType<typeof topicNames>> {
  const names = topicNames(prefix);
  const kafka = kafkaClient(uniqueName('cli-host'));
  const report = await ensureTopics(kafka, { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    contract: capturedExchangeContract,
    subject: subjectFor(names.exchanges),
  });
  await serde.init();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic: names.exchanges, acks: -1, messages: exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e) })) });
  } finally {
    await producer.disconnect();
  }
  return names;
}

async function readResults(topic: string, count: number): Promise<ShadowResult[]> {
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    contract: shadowResultContract,
    subject: subjectFor(topic),
  });
  const results: ShadowResult[] = [];
  const consumer = kafkaClient(uniqueName('cli-host-results')).consumer({ groupId: uniqueName('cli-host-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void results.push(await serde.decode(message.value as Buffer)) });
    const started = Date.now();
    while (results.length < count && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await consumer.disconnect();
  }
  return results;
}

describe('shadow replay --challenger ...,host=original', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('sends the captured Host to that challenger only, and nothing reaches the host it names', async () => {
    const original = await hostSensitive();
    const address = await hostSensitive();
    const elsewhere = await hostSensitive();
    servers.push(original.server, address.server, elsewhere.server);
    const now = Date.now();
    const captured = [
      exchange('shop.example', '/orders', now - 30_000),
      exchange(elsewhere.host, '/orders', now - 20_000),
      exchange(elsewhere.host, `${elsewhere.url}/steal`, now - 10_000),
    ];
    const prefix = `${uniqueName('cli-host')}.`;
    const names = await produce(prefix, captured);

    const t = io();
    const code = await shadow(
      [
        'replay',
        '--from',
        new Date(now - 60_000).toISOString(),
        '--to',
        String(now),
        '--challenger',
        `orig=${original.url},role=secondary,host=original`,
        '--challenger',
        `addr=${address.url},role=secondary`,
        '--brokers',
        stack().kafkaBrokers.join(','),
        '--schema-registry-url',
        stack().schemaRegistryUrl,
        '--topic-prefix',
        prefix,
      ],
      t,
    );
    expect(code, [...t.lines, ...t.errors].join('\n')).toBe(0);

    expect(original.seen.map((r) => r.headers.host).sort()).toEqual(captured.map((e) => e.host).sort());
    expect(address.seen.map((r) => r.headers.host)).toEqual(captured.map(() => address.host));
    expect(original.seen.map((r) => r.url).sort()).toEqual(['/orders', '/orders', '/steal']);
    expect(elsewhere.seen).toHaveLength(0);

    // The secondary given the captured Host answers Location exactly as live did; the default one does not.
    const results = await readResults(names.results, 6);
    const live = new Map(captured.map((e) => [e.exchangeId, e.responseHeaders['location']]));
    const of = (id: string): ShadowResult[] => results.filter((r) => r.challengerId === id);
    expect(of('orig')).toHaveLength(3);
    expect(of('orig').every((r) => JSON.stringify(r.responseHeaders['location']) === JSON.stringify(live.get(r.exchangeId)))).toBe(true);
    expect(of('addr').filter((r) => JSON.stringify(r.responseHeaders['location']) === JSON.stringify(live.get(r.exchangeId)))).toHaveLength(0);
  }, 120_000);

  it('exits 2 naming the field for a host value that is not challenger or original', async () => {
    const t = io();
    const code = await shadow(
      [
        'replay',
        '--from',
        '2h',
        '--to',
        '1h',
        '--challenger',
        'cand=http://127.0.0.1:1,host=live',
        '--brokers',
        '127.0.0.1:1',
        '--schema-registry-url',
        'http://127.0.0.1:1',
      ],
      t,
    );
    expect(code).toBe(2);
    expect(t.errors.join('\n')).toMatch(/--challenger \(challengers\[0\]\.host\): Invalid option: expected one of "challenger"\|"original", got "live"/);
    const tls = io();
    expect(
      await shadow(
        [
          'replay',
          '--from',
          '2h',
          '--to',
          '1h',
          '--challenger',
          'cand=https://10.0.0.5:8443,host=original',
          '--brokers',
          '127.0.0.1:1',
          '--schema-registry-url',
          'http://127.0.0.1:1',
        ],
        tls,
      ),
    ).toBe(2);
    expect(tls.errors.join('\n')).toMatch(/challengers\[0\]\.host\b.*needs a DNS name/);
  });
});
