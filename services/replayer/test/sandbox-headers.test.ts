// Regression, end to end on the real broker and registry: the sandbox's `x-shadow-sandbox` answer
// header passed through a challenger that hands its dependency's response headers to its client,
// so every pair differed on it. A real gateway-like app (answers with its dependency's status,
// headers and body) is run as live against the real dependency, captured, then replayed through the
// replayer with the sandbox: the challenger's result has exactly live's header names, none of the
// sandbox's own, and the real dependency saw live's call only.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capturedExchangeContract,
  createSchemaRegistry,
  createTopicsAndWait,
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
const prefix = `${uniqueName('replayer-sbx-headers')}.`;
const names = topicNames(prefix);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function headerNames(headers: Record<string, unknown>): string[] {
  return Object.keys(headers)
    .filter((n) => n !== 'date')
    .sort();
}

describe('replayer + sandbox: no header of the sandbox reaches a pair', () => {
  const kafka = kafkaClient('replayer-sbx-headers');
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(
      admin,
      [names.exchanges, names.results, names.sideEffects, names.deadLetter].map((topic) => ({ topic, numPartitions: 1 })),
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

  it("a challenger that passes its dependency's headers on yields live's header names exactly", async () => {
    let paymentsCalls = 0;
    const payments = await listen((req, res) => {
      paymentsCalls++;
      req.resume();
      req.on('end', () =>
        res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_live_1', 'cache-control': 'no-store' }).end('{"charge":"ch_1"}'),
      );
    });
    let dependencyBase = payments.url;
    // The app: POST /checkout charges its payments dependency and answers with what it got, headers included.
    const gateway = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        void (async () => {
          const upstream = await request(`${dependencyBase}/v1/charges`, {
            method: 'POST',
            body: '{"amount":100}',
            headers: { 'content-type': 'application/json', 'x-shadow-exchange-id': String(req.headers['x-shadow-exchange-id'] ?? '') },
          });
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
          res.writeHead(upstream.statusCode, headers).end(Buffer.from(await upstream.body.arrayBuffer()));
        })().catch(() => res.destroy());
      });
    });

    // Live: the app against the real dependency; its answer and its outbound call are what the tap captures.
    const live = await request(`${gateway.url}/checkout`, { method: 'POST', body: '{}' });
    const liveBody = Buffer.from(await live.body.arrayBuffer());
    const liveHeaders: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(live.headers)) if (value !== undefined) liveHeaders[name] = Array.isArray(value) ? value : [value];
    expect(paymentsCalls).toBe(1);
    const exchange: CapturedExchange = {
      exchangeId: randomUUID(),
      captureTimeMs: Date.now(),
      service: 'checkout',
      environment: 'test',
      method: 'POST',
      scheme: 'http',
      host: 'live',
      path: '/checkout',
      query: '',
      routeTemplate: null,
      requestHeaders: {},
      requestBody: Buffer.from('{}'),
      requestBodyTruncated: false,
      requestBodySize: 2,
      requestContentType: null,
      responseStatus: live.statusCode,
      responseHeaders: liveHeaders,
      responseBody: liveBody,
      responseBodyTruncated: false,
      responseBodySize: liveBody.length,
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
          target: new URL(payments.url).host,
          method: 'POST',
          path: '/v1/charges',
          requestHeaders: { 'content-type': ['application/json'] },
          requestBody: Buffer.from('{"amount":100}'),
          requestBodyTruncated: false,
          responseStatus: 201,
          responseHeaders: { 'content-type': ['application/json'], 'x-request-id': ['req_live_1'], 'cache-control': ['no-store'] },
          responseBody: Buffer.from('{"charge":"ch_1"}'),
          responseBodyTruncated: false,
          errorMessage: null,
        },
      ],
    };
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
    await serde.init();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, acks: -1, messages: [{ key: exchange.exchangeId, value: serde.encodeSync(exchange) }] });
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
        REPLAYER_CHALLENGERS: JSON.stringify([{ id: 'cand', baseUrl: gateway.url }]),
      },
      { sandbox: { enabled: true, dependencies: { payments: payments.url }, smtp: false } },
    );
    let replayer: Replayer | undefined;
    try {
      replayer = await startReplayer(config, silent, async (options) => {
        const sandbox = await createServiceSandbox(options);
        dependencyBase = sandbox.endpoints('cand').dependencyUrl('payments');
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
      while ((results.length < 1 || !effects.some((e) => e.origin === 'cand')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await reader.disconnect();

      const result = results.find((r) => r.exchangeId === exchange.exchangeId);
      expect(result?.errorKind).toBeNull();
      expect(result?.responseStatus).toBe(201);
      expect(result?.responseBody.toString()).toBe(liveBody.toString());
      expect(headerNames(result?.responseHeaders ?? {})).toEqual(headerNames(liveHeaders));
      expect(Object.keys(result?.responseHeaders ?? {}).filter((n) => n.startsWith('x-shadow'))).toEqual([]);
      expect(effects.find((e) => e.origin === 'cand')).toMatchObject({ exchangeId: exchange.exchangeId, disposition: 'recorded', responseStatus: 201 });
      expect(paymentsCalls).toBe(1);
    } finally {
      await replayer?.close();
      payments.close();
      gateway.close();
    }
  });
});
