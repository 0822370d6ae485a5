// Sandbox-induced differences end to end (issue 17), every component real: exchanges on the real
// broker and registry, the real replayer with its dependency sandbox replaying them to a candidate
// and a secondary (real HTTP servers), the real joiner comparing and landing pairs in real chDB, and
// the analysis reading them back. The candidate writes its orders under a new id (same template
// `/v1/orders/:id`, so the write itself is no side-effect difference), a path live never wrote: the
// sandbox answers 503 ("no recording") and the candidate answers 502. That pair is sandbox-induced,
// agreement leaves it out, the error rate too, and the report shows it apart with the cause. The real
// store is never called.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, createClickHousePairStore, renderReportText } from '@shadow/analysis';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import { capturedExchangeContract, createSchemaRegistry, createTopicsAndWait, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { createJoiner } from '@shadow/join';
import type { Joiner } from '@shadow/join';
import { createServiceSandbox, loadConfig, startReplayer } from '@shadow/replayer';
import type { Replayer } from '@shadow/replayer';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const prefix = `${uniqueName('sandbox-induced')}.`;
const names = topicNames(prefix);
const N = 12;
const cleanup: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** A service that creates order n through its store: `orderId(n)` is where it writes it. */
function orderService(dependency: () => string, orderId: (n: number) => number) {
  return listen((req, res) => {
    req.resume();
    req.on('end', async () => {
      const n = Number((req.url ?? '').split('/').pop());
      const answer = await fetch(`${dependency()}/v1/orders/${orderId(n)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shadow-exchange-id': String(req.headers['x-shadow-exchange-id']),
          traceparent: String(req.headers.traceparent),
        },
        body: JSON.stringify({ amount: n }),
      });
      await answer.text();
      if (answer.status === 201) res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ order: n, status: 'created' }));
      else res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `store answered ${answer.status}` }));
    });
  });
}

describe('a candidate writing where live never wrote gets the sandbox 503: a sandbox-induced pair', () => {
  it('is marked, left out of agreement and the error rate, and reported apart with its cause', async () => {
    const kafka = kafkaClient('sandbox-induced');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(
      admin,
      [names.exchanges, names.results, names.sideEffects, names.deadLetter, names.progress].map((topic) => ({ topic, numPartitions: 1 })),
      30_000,
    );
    await admin.disconnect();
    cleanup.push(async () => {
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
      await a.disconnect();
    });

    let storeCalls = 0;
    const store = await listen((_req, res) => {
      storeCalls++;
      res.writeHead(500).end('the real store must not be written to');
    });
    cleanup.push(() => store.close());
    const storeHost = new URL(store.url).host;
    const urls = { cand: '', sec: '' };
    // The candidate numbers even orders in a new range; the secondary runs live's code.
    const candidate = await orderService(
      () => urls.cand,
      (n) => (n % 2 === 0 ? n + 4000 : n),
    );
    const secondary = await orderService(
      () => urls.sec,
      (n) => n,
    );
    cleanup.push(
      () => candidate.close(),
      () => secondary.close(),
    );

    const now = Date.now();
    const exchanges: CapturedExchange[] = Array.from({ length: N }, (_, i) => {
      const n = 1000 + i;
      const body = Buffer.from(JSON.stringify({ order: n, status: 'created' }));
      return {
        exchangeId: randomUUID(),
        captureTimeMs: now - 60_000 + i,
        service: 'orders',
        environment: 'test',
        method: 'POST',
        scheme: 'http',
        host: 'live',
        path: `/orders/${n}`,
        query: '',
        routeTemplate: '/orders/:n',
        requestHeaders: { 'content-type': ['application/json'] },
        requestBody: Buffer.from('{}'),
        requestBodyTruncated: false,
        requestBodySize: 2,
        requestContentType: 'application/json',
        responseStatus: 201,
        responseHeaders: { 'content-type': ['application/json'] },
        responseBody: body,
        responseBodyTruncated: false,
        responseBodySize: body.length,
        responseContentType: 'application/json',
        liveLatencyUs: 5_000,
        aborted: false,
        samplingRate: 1,
        tapVersion: 't',
        outboundCalls: [
          {
            sequence: 0,
            startTimeMs: now - 60_000 + i,
            durationUs: 900,
            dependencyKind: 'http',
            scheme: 'http',
            target: storeHost,
            method: 'POST',
            path: `/v1/orders/${n}`,
            requestHeaders: { 'content-type': ['application/json'] },
            requestBody: Buffer.from(JSON.stringify({ amount: n })),
            requestBodyTruncated: false,
            responseStatus: 201,
            responseHeaders: { 'content-type': ['application/json'] },
            responseBody: Buffer.from(`{"id":${n}}`),
            responseBodyTruncated: false,
            errorMessage: null,
          },
        ],
      } as CapturedExchange;
    });

    const database = `sbx_${randomUUID().replaceAll('-', '')}`;
    const ch: ClickHouse = await createClickHouse({ mode: 'embedded', path: join(tmpdir(), `shadow-cli-chdb-${process.pid}`), database, ensureDatabase: true });
    cleanup.push(() => ch.close());
    await migrate(ch, SCHEMA_MIGRATIONS);
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const joiner: Joiner = createJoiner({
      kafka: kafkaClient(uniqueName('joiner')),
      registry,
      clickhouse: ch,
      groupId: `${prefix}joiner`,
      topicPrefix: prefix,
      challengers: ['cand', 'sec'],
      windowMs: 20_000,
      sideEffectGraceMs: 1_000,
      batchMaxDelayMs: 300,
      bodySampleRate: 1,
    });
    cleanup.push(() => joiner.close());
    await joiner.start();

    const config = loadConfig(
      {
        KAFKA_BROKERS: stack().kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
        SHADOW_TOPIC_PREFIX: prefix,
        REPLAYER_GROUP_ID: `${prefix}replayer`,
        REPLAYER_START_FROM: 'earliest',
        REPLAYER_ADMIN_PORT: '0',
        REPLAYER_KILL_SWITCH: 'false',
        REPLAYER_CHALLENGERS: JSON.stringify([
          { id: 'cand', baseUrl: candidate.url },
          { id: 'sec', baseUrl: secondary.url, role: 'secondary' },
        ]),
      },
      { sandbox: { enabled: true, dependencies: { store: store.url }, smtp: false } },
    );
    const replayer: Replayer = await startReplayer(config, silent, async (options) => {
      const sandbox = await createServiceSandbox(options);
      urls.cand = sandbox.endpoints('cand').dependencyUrl('store');
      urls.sec = sandbox.endpoints('sec').dependencyUrl('store');
      return sandbox;
    });
    cleanup.push(() => replayer.close());

    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
    await serde.init();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, acks: -1, messages: exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e) })) });
    await producer.disconnect();

    const landed = async (): Promise<number> => {
      const rs = await ch.client.query({ query: 'SELECT uniqExact(challenger_id, exchange_id) AS n FROM pairs', format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    };
    const deadline = Date.now() + 90_000;
    while ((await landed()) < 2 * N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await landed()).toBe(2 * N);
    expect(storeCalls).toBe(0);

    const rs = await ch.client.query({
      query: "SELECT toString(path) AS path, sandbox_induced, sandbox_causes, shadow_status FROM pairs FINAL WHERE challenger_id = 'cand' ORDER BY path",
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ path: string; sandbox_induced: boolean; sandbox_causes: string[]; shadow_status: number }>();
    const even = rows.filter((r) => Number(r.path.split('/').pop()) % 2 === 0);
    const odd = rows.filter((r) => Number(r.path.split('/').pop()) % 2 === 1);
    expect(even.map((r) => [r.sandbox_induced, r.shadow_status])).toEqual(even.map(() => [true, 502]));
    expect(even[0]?.sandbox_causes).toEqual([`sandbox_answer blocked 503 http POST ${storeHost}/v1/orders/:id`]);
    expect(odd.map((r) => [r.sandbox_induced, r.shadow_status])).toEqual(odd.map(() => [false, 201]));

    const m = await createClickHousePairStore(ch).measurements({ challengerId: 'cand', window: { fromMs: now - 120_000, toMs: now } });
    const o = m.overall;
    expect(o.pairs).toBe(N);
    // The sandbox made the 502s: left out of agreement (nothing else differs) and of the error rate.
    expect(o.sandboxInduced).toMatchObject({ pairs: N / 2, statusMismatches: N / 2, leftOutOfAgreement: N / 2, counted: false });
    expect(o.agreement).toEqual({ trials: N / 2, successes: N / 2 });
    expect(o.errors).toMatchObject({ pairs: N / 2, candidate: 0 });
    expect(m.secondary?.challengerId).toBe('sec');
    const text = renderReportText(buildReport(m));
    expect(text).toContain(`status mismatches ${N / 2} pairs (${N / 2} of them sandbox-induced)`);
    expect(text).toMatch(new RegExp(`answered by the sandbox +http POST ${storeHost.replace(/\./g, '\\.')}/v1/orders/:id +blocked 503 +${N / 2} `));
    expect(text).toContain(`warning: ${N / 2} sandbox-induced pairs`);
    // Counted when asked: the candidate's 502s are then its errors.
    const counted = await createClickHousePairStore(ch).measurements({
      challengerId: 'cand',
      window: { fromMs: now - 120_000, toMs: now },
      includeSandboxInduced: true,
    });
    expect(counted.overall.agreement).toEqual({ trials: N, successes: N / 2 });
    expect(counted.overall.errors.candidate).toBe(N / 2);
  }, 180_000);
});
