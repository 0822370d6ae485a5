/**
 * The outbound recorder end to end: a tapped live service calls a real payments server (fetch and
 * node:http) while serving requests; the tap's own Kafka transport (hand-written encoder, producer
 * thread) writes the exchanges; read back from real Kafka through the registry, each exchange
 * carries its calls, and liveSideEffectsOf maps them for the side-effects topic.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, liveSideEffectsOf, RecordSerde, subjectFor, type CapturedExchange } from '@shadow/contracts';
import { createTap } from '@shadow/tap';
import { wrapHandler } from '@shadow/tap/node';
import { createTopic, eventually, kafkaFor, readAll } from './transport/kafka-test-kit.js';
import { listenPlain, send } from './support/workload.js';
import { stack } from '@shadow/stack-harness/vitest';

function body(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

describe('outbound recorder -> Kafka', () => {
  it('exchanges read back from Kafka carry their own outbound calls with bodies and redacted headers', async () => {
    const { kafkaBrokers: brokers, schemaRegistryUrl: registryUrl } = stack();
    const kafka = kafkaFor(brokers);
    const topic = `topic-${randomUUID()}`;
    await createTopic(kafka, topic, 3);
    let charges = 0;
    await using payments = await listenPlain((req, res) => {
      void body(req).then((received) => {
        charges++;
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `ch_${charges}`, received: received.toString() }));
      });
    });
    const tap = createTap({
      service: 'checkout',
      environment: 'test',
      kafka: { brokers, schemaRegistryUrl: registryUrl, topic, control: { topic: `control-${randomUUID()}` }, batch: { lingerMs: 10 } },
      exchangeIdHeaders: ['x-request-id'],
      outbound: { enabled: true },
    });
    await tap.start();
    await eventually(() => tap.enabled, 30_000, 'the kill switch to open');
    await using live = await listenPlain(
      wrapHandler(tap, (req, res) => {
        const order = req.headers['x-request-id'] as string;
        void (async () => {
          const charge = await fetch(`http://127.0.0.1:${payments.port}/v1/charges?order=${order}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer sk_live' },
            body: JSON.stringify({ order, amount: 4200 }),
          });
          const chargeBody = await charge.text();
          const receipt = await new Promise<string>((resolve, reject) => {
            httpRequest(
              { host: '127.0.0.1', port: payments.port, path: `/v1/receipts/${order}` },
              (r) => void body(r).then((b) => resolve(b.toString()), reject),
            )
              .on('error', reject)
              .end();
          });
          res.end(JSON.stringify({ chargeBody, receipt }));
        })();
      }),
    );

    const orders = Array.from({ length: 8 }, () => randomUUID());
    await Promise.all(orders.map((order) => send(live.port, { method: 'POST', path: '/checkout', headers: { 'x-request-id': order } })));
    await eventually(() => tap.stats().transport.sent >= orders.length, 60_000, `${orders.length} exchanges acknowledged by Kafka`);
    const stats = await tap.close(10_000);
    expect(stats).toMatchObject({ captured: orders.length, captureErrors: 0, outboundCalls: orders.length * 2, outboundDropped: 0 });
    expect(charges).toBe(orders.length * 2);

    const reader = new RecordSerde({
      registry: createSchemaRegistry({ url: registryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(topic),
      autoRegister: false,
    });
    const records = new Map<string, CapturedExchange>();
    for (const message of await readAll(kafka, topic, orders.length)) {
      const record = await reader.decode(message.value as Buffer);
      records.set(record.exchangeId, record);
    }
    expect([...records.keys()].sort()).toEqual([...orders].sort());
    for (const order of orders) {
      const calls = records.get(order)?.outboundCalls ?? [];
      expect(calls.map((c) => [c.sequence, c.method, c.target, c.path, c.responseStatus, c.errorMessage])).toEqual([
        [0, 'POST', `127.0.0.1:${payments.port}`, `/v1/charges?order=${order}`, 201, null],
        [1, 'GET', `127.0.0.1:${payments.port}`, `/v1/receipts/${order}`, 200, null],
      ]);
      expect(JSON.parse(calls[0]!.requestBody.toString())).toEqual({ order, amount: 4200 });
      expect(calls[0]!.requestHeaders['authorization']).toEqual(['[REDACTED]']);
      expect(JSON.parse(calls[0]!.responseBody.toString())).toMatchObject({ received: JSON.stringify({ order, amount: 4200 }) });
      expect(calls[1]!.responseBody.toString()).toMatch(/^\{"id":"ch_\d+","received":""\}$/);
      const effects = liveSideEffectsOf(records.get(order)!);
      expect(effects.map((e) => [e.exchangeId, e.origin, e.operation, e.disposition])).toEqual([
        [order, 'live', 'POST /v1/charges', 'live'],
        [order, 'live', `GET /v1/receipts/${order}`, 'live'],
      ]);
    }
  });
});
