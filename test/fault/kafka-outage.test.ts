// Issue: "Kafka down: the app keeps serving, drops are counted; Kafka back: capture resumes without
// restart."
//
// A real node:http service with the embedded tap (real Kafka transport, 100% sampling) runs against
// a PRIVATE stack (its own Kafka and registry on fresh ports), because this test stops the broker:
// the shared stack other test files use must not notice. The transport's timeouts and retries are
// shortened so a dead broker costs a fraction of a second per attempt and the test stays well under
// the stack's own start-up time; with the defaults the behaviour is the same, only slower.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capturedExchangeContract, createSchemaRegistry, createTopicsAndWait, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { findRepoRoot, startPrivateStack } from '@shadow/stack-harness';
import type { PrivateStack } from '@shadow/stack-harness';
import { createKafkaTransport, createTap } from '@shadow/tap';
import type { Tap, TapStats } from '@shadow/tap';
import { attachToServer } from '@shadow/tap/node';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SERVICE = 'orders';
/** Small, so an outage fills it quickly: drops must show up as queue_full, not as memory. */
const QUEUE_MAX_RECORDS = 100;
/** No request may take this long, Kafka or not. */
const MAX_LATENCY_MS = 1_000;

interface Reply {
  status: number;
  body: string;
  latencyMs: number;
}

/** The live service: a JSON echo whose answer depends on the request, so a wrong body is visible. */
function orderHandler(served: { count: number }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { n } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { n: number };
      const body = JSON.stringify(expectedReply(req.url ?? '', n));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      served.count++;
    });
  };
}

function expectedReply(path: string, n: number): { path: string; doubled: number; note: string } {
  return { path, doubled: n * 2, note: 'x'.repeat(200) };
}

async function call(port: number, phase: string, n: number): Promise<Reply & { id: string; path: string }> {
  const id = `${phase}-${n}-${randomUUID()}`;
  const path = `/orders/${phase}/${n}`;
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ n }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  return { id, path, status: response.status, body, latencyMs: performance.now() - started };
}

/** `count` requests, `concurrency` at a time. */
async function traffic(port: number, phase: string, count: number, concurrency: number): Promise<(Reply & { id: string; path: string; n: number })[]> {
  const out: (Reply & { id: string; path: string; n: number })[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = next++;
        out.push({ ...(await call(port, phase, n)), n });
      }
    }),
  );
  return out;
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const droppedTotal = (stats: TapStats): number => Object.values(stats.transport.dropped).reduce((a, b) => a + b, 0);

/** Every capture the tap offered is sent, dropped (by exactly one reason) or still held. */
function expectExactAccounting(stats: TapStats, served: number): void {
  expect(stats.inFlight).toBe(0);
  expect(stats.captureErrors).toBe(0);
  expect(stats.captured).toBe(served);
  expect(stats.transport.sent + droppedTotal(stats) + stats.transport.queueDepth).toBe(stats.captured);
}

/** Reads the topic from the start until every id in `ids` was seen (or the timeout). */
async function readExchanges(
  brokers: string[],
  registryUrl: string,
  topic: string,
  ids: Set<string>,
  timeoutMs: number,
): Promise<Map<string, CapturedExchange>> {
  const kafka = new Kafka({ clientId: `outage-reader-${randomUUID()}`, brokers, logLevel: logLevel.NOTHING });
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: registryUrl }),
    contract: capturedExchangeContract,
    subject: subjectFor(topic),
    autoRegister: false,
  });
  const found = new Map<string, CapturedExchange>();
  const consumer = kafka.consumer({ groupId: `outage-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${found.size}/${ids.size} expected exchanges in ${topic} within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const exchange = await serde.decode(message.value as Buffer);
            if (!ids.has(exchange.exchangeId)) return;
            found.set(exchange.exchangeId, exchange);
            if (found.size === ids.size) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}

describe('Kafka outage (private stack)', () => {
  let stack: PrivateStack;
  let server: Server | undefined;
  let tap: Tap | undefined;

  beforeAll(async () => {
    stack = await startPrivateStack({ repoRoot: findRepoRoot() });
  });

  afterAll(async () => {
    await tap?.close(2_000).catch(() => undefined);
    if (server !== undefined) {
      const s = server;
      s.closeAllConnections(); // fetch keeps connections alive; close() would wait for them
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await stack?.down();
  });

  it('Kafka down: the app keeps serving, drops are counted; Kafka back: capture resumes without restart', async () => {
    const { kafkaBrokers: brokers, schemaRegistryUrl } = stack.endpoints;
    const topicPrefix = `outage-${randomUUID()}.`;
    const topic = topicNames(topicPrefix).exchanges;
    const admin = new Kafka({ clientId: 'outage-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }], 30_000);
    await admin.disconnect();

    const transport = createKafkaTransport({
      service: SERVICE,
      brokers,
      schemaRegistryUrl,
      topicPrefix,
      queue: { maxRecords: QUEUE_MAX_RECORDS },
      batch: { lingerMs: 10 },
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 3_000,
      kafkaRetries: 1,
      sendAttempts: 2,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1_000,
      closeTimeoutMs: 2_000,
    });
    tap = createTap({ service: SERVICE, environment: 'test', transport, sampling: { rate: 1 }, exchangeIdHeaders: ['x-request-id'] });
    const served = { count: 0 };
    const live = createServer(orderHandler(served));
    server = live;
    attachToServer(tap, live);
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
    const { port } = live.address() as AddressInfo;
    await tap.start();
    // Until the control topic (kill switch) has been read, the tap does not mirror.
    await eventually(() => transport.enabled, 20_000, 'tap enabled after reading the control topic');

    // 1. Kafka up: everything captured arrives.
    const before = await traffic(port, 'before', 30, 4);
    await eventually(() => tap!.stats().transport.sent === before.length, 10_000, 'captures before the outage sent');

    // 2. Kafka down: every request is still answered, correctly and without waiting on the tap.
    await stack.stopKafka();
    const during = await traffic(port, 'during', 3 * QUEUE_MAX_RECORDS, 16);
    for (const reply of during) {
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual(expectedReply(reply.path, reply.n));
    }
    const slowest = Math.max(...during.map((r) => r.latencyMs));
    expect(slowest).toBeLessThan(MAX_LATENCY_MS);
    await eventually(() => tap!.stats().inFlight === 0, 5_000, 'captures built');
    const outage = tap.stats();
    console.log(
      `[kafka-outage] ${during.length} requests with Kafka down, slowest ${slowest.toFixed(1)} ms; ` +
        `tap: captured ${outage.captured}, sent ${outage.transport.sent}, dropped ${JSON.stringify(outage.transport.dropped)}, queued ${outage.transport.queueDepth}`,
    );
    expect(outage.transport.dropped.queue_full + outage.transport.dropped.send_failed).toBeGreaterThan(0);
    expect(outage.transport.queueDepth).toBeLessThanOrEqual(QUEUE_MAX_RECORDS);
    expectExactAccounting(outage, served.count);

    // 3. Kafka back (same tap, same process): new captures reach Kafka and decode through the registry.
    await stack.startKafka();
    const after = await traffic(port, 'after', 30, 4);
    for (const reply of after) expect(reply.status).toBe(200);
    const wanted = new Map([...before, ...after].map((r) => [r.id, r]));
    const arrived = await readExchanges(brokers, schemaRegistryUrl, topic, new Set(wanted.keys()), 30_000);
    for (const [id, exchange] of arrived) {
      const reply = wanted.get(id)!;
      expect(exchange).toMatchObject({ service: SERVICE, method: 'POST', path: reply.path, responseStatus: 200, samplingRate: 1 });
      expect(exchange.responseBody.toString('utf8')).toBe(reply.body);
      expect(JSON.parse(exchange.requestBody.toString('utf8'))).toEqual({ n: reply.n });
    }

    // What the outage left in the queue drains too; the books still balance once it has.
    await eventually(() => tap!.stats().transport.queueDepth === 0, 15_000, 'queue drained after Kafka came back');
    const final = tap.stats();
    expectExactAccounting(final, served.count);
    expect(final.transport.sent).toBeGreaterThanOrEqual(before.length + after.length);
    expect(final.transport.dropped.paused + final.transport.dropped.closed + final.transport.dropped.encode_error).toBe(0);
  });
});
