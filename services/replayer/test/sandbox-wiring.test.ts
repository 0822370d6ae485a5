// The replayer with the dependency sandbox, on the real broker and registry: a challenger that
// charges its "payments" dependency during replay (POST, PATCH, DELETE) never reaches the real
// payments server (a real HTTP server counting calls), gets live's recorded answer, and every call
// appears on the side-effects topic with the exchange id, next to live's own recorded call.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  createTopicsAndWait,
  LIVE_ORIGIN,
  RecordSerde,
  shadowResultContract,
  sideEffectContract,
  subjectFor,
  topicNames,
} from '@shadow/contracts';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { createServiceSandbox, loadConfig, startReplayer } from '@shadow/replayer';
import type { Replayer } from '@shadow/replayer';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const prefix = `${uniqueName('replayer-sandbox')}.`;
const names = topicNames(prefix);

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('replayer with the dependency sandbox', () => {
  const kafka = kafkaClient('replayer-sandbox');
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(
      admin,
      [names.exchanges, names.results, names.sideEffects, names.deadLetter].map((topic) => ({ topic, numPartitions: 2 })),
      30_000,
    );
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
    await admin.disconnect();
  });

  it("answers the challenger's writes with live's recorded answers; the real dependency sees nothing", async () => {
    let paymentsCalls = 0;
    const payments = await listen((req, res) => {
      paymentsCalls++;
      res.writeHead(500).end('the real payments server must not be called');
    });
    let dependencyUrl = '';
    // The challenger propagates the replay's trace context and exchange id, as an instrumented service would.
    const challenger = await listen((req, res) => {
      req.resume();
      req.on('end', async () => {
        const answer = await fetch(`${dependencyUrl}/charge`, {
          method: req.method ?? 'POST',
          headers: {
            'content-type': 'application/json',
            traceparent: String(req.headers.traceparent),
            'x-shadow-exchange-id': String(req.headers['x-shadow-exchange-id']),
          },
          ...(req.method === 'DELETE' ? {} : { body: '{"amount":100}' }),
        });
        const text = await answer.text();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ paymentStatus: answer.status, payment: text }));
      });
    });
    const paymentsTarget = new URL(payments.url).host;
    const exchanges: CapturedExchange[] = (['POST', 'PATCH', 'DELETE'] as const).map((method, i) => ({
      exchangeId: randomUUID(),
      captureTimeMs: Date.now(),
      service: 'checkout',
      environment: 'test',
      method,
      scheme: 'http',
      host: 'live',
      path: '/checkout',
      query: '',
      routeTemplate: null,
      requestHeaders: {},
      requestBody: Buffer.alloc(0),
      requestBodyTruncated: false,
      requestBodySize: 0,
      requestContentType: null,
      responseStatus: 200,
      responseHeaders: {},
      responseBody: Buffer.from('{}'),
      responseBodyTruncated: false,
      responseBodySize: 2,
      responseContentType: 'application/json',
      liveLatencyUs: 1,
      aborted: false,
      samplingRate: 1,
      tapVersion: 't',
      outboundCalls: [
        {
          sequence: 0,
          startTimeMs: Date.now(),
          durationUs: 900,
          dependencyKind: 'http',
          scheme: 'http',
          target: paymentsTarget,
          method,
          path: '/charge',
          requestHeaders: { 'content-type': ['application/json'] },
          requestBody: Buffer.from('{"amount":100}'),
          requestBodyTruncated: false,
          responseStatus: 201 + i,
          responseHeaders: { 'content-type': ['application/json'] },
          responseBody: Buffer.from(`{"charge":"live-${method}"}`),
          responseBodyTruncated: false,
          errorMessage: null,
        },
      ],
    }));
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
    await serde.init();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, acks: -1, messages: exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e) })) });
    await producer.disconnect();

    const config = loadConfig(
      {
        KAFKA_BROKERS: stack().kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
        SHADOW_TOPIC_PREFIX: prefix,
        REPLAYER_GROUP_ID: `${prefix}replayer`,
        REPLAYER_START_FROM: 'earliest',
        REPLAYER_ADMIN_PORT: '0',
        REPLAYER_KILL_SWITCH: 'false',
        REPLAYER_CHALLENGERS: JSON.stringify([{ id: 'cand', baseUrl: challenger.url }]),
      },
      { sandbox: { enabled: true, dependencies: { payments: payments.url }, smtp: false } },
    );
    let replayer: Replayer | undefined;
    try {
      replayer = await startReplayer(config, silent, async (options) => {
        const sandbox = await createServiceSandbox(options);
        dependencyUrl = sandbox.endpoints('cand').dependencyUrl('payments');
        return sandbox;
      });
      const results: ShadowResult[] = [];
      const effects: SideEffect[] = [];
      const resultSerde = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) });
      const effectSerde = new RecordSerde({ registry, contract: sideEffectContract, subject: subjectFor(names.sideEffects) });
      const reader = kafka.consumer({ groupId: uniqueName('reader') });
      await reader.connect();
      await reader.subscribe({ topics: [names.results, names.sideEffects], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, message }) => {
          if (topic === names.results) results.push(await resultSerde.decode(message.value as Buffer));
          else effects.push(await effectSerde.decode(message.value as Buffer));
        },
      });
      const deadline = Date.now() + 40_000;
      while ((results.length < 3 || effects.filter((e) => e.origin === 'cand').length < 3) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      await reader.disconnect();

      expect(paymentsCalls).toBe(0);
      expect(results).toHaveLength(3);
      exchanges.forEach((ex, i) => {
        const result = results.find((r) => r.exchangeId === ex.exchangeId);
        expect(result?.errorKind).toBeNull();
        expect(JSON.parse(result?.responseBody.toString() ?? '{}')).toEqual({ paymentStatus: 201 + i, payment: `{"charge":"live-${ex.method}"}` });
        const mine = effects.filter((e) => e.exchangeId === ex.exchangeId && e.origin === 'cand');
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ method: ex.method, disposition: 'recorded', mocked: true, responseStatus: 201 + i });
        expect(effects.filter((e) => e.exchangeId === ex.exchangeId && e.origin === LIVE_ORIGIN)).toHaveLength(1);
      });
      const metrics = await replayer.metrics.registry.metrics();
      expect(metrics).toMatch(/shadow_replayer_sandbox_writes_intercepted 3/);
    } finally {
      await replayer?.close();
      payments.close();
      challenger.close();
    }
  });
});
