// Helpers for the transport and kill-switch integration tests: fixtures, topics, reading back,
// polling, and a TCP proxy the test can take down to simulate a broker outage.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { CapturedExchange } from '@shadow/contracts';
import { Kafka, logLevel } from 'kafkajs';
import type { ISocketFactory, KafkaMessage } from 'kafkajs';
import { createTopicsAndWait } from '@shadow/contracts';

export function exchange(i: number, bodyBytes = 256): CapturedExchange {
  const body = Buffer.alloc(bodyBytes);
  for (let b = 0; b < bodyBytes; b++) body[b] = (b + i) % 256;
  return {
    exchangeId: `${randomUUID()}-${i}`,
    captureTimeMs: Date.now(),
    service: 'checkout',
    environment: 'test',
    method: 'POST',
    scheme: 'http',
    host: 'checkout.local',
    path: `/orders/${i}`,
    query: '',
    routeTemplate: '/orders/:id',
    requestHeaders: { 'content-type': ['application/octet-stream'], 'x-i': [String(i)] },
    requestBody: body,
    requestBodyTruncated: false,
    requestBodySize: bodyBytes,
    requestContentType: 'application/octet-stream',
    responseStatus: 200,
    responseHeaders: { 'x-ü': ['✓'] },
    responseBody: Buffer.from(body).reverse(),
    responseBodyTruncated: false,
    responseBodySize: bodyBytes,
    responseContentType: null,
    liveLatencyUs: 1_000 + i,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
  };
}

export function kafkaFor(brokers: string[]): Kafka {
  return new Kafka({ clientId: `tap-test-${randomUUID()}`, brokers, logLevel: logLevel.NOTHING });
}

export async function createTopic(kafka: Kafka, topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [{ topic, numPartitions }], 30_000);
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from the beginning until `count` messages arrived, then a little longer to catch extras. */
export async function readAll(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `tap-test-${randomUUID()}` });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages within ${timeoutMs} ms`)), timeoutMs);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message);
            if (got.length === count) {
              clearTimeout(timer);
              setTimeout(resolve, 1_000); // duplicates would arrive right behind
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Forwards every kafkajs connection to one broker through a local TCP proxy that the test can stop
 * (all connections reset, new ones refused) and start again: a broker outage as the client sees it.
 * Works for a single-broker cluster (all advertised addresses map to that broker).
 */
export class BrokerOutageProxy {
  readonly #target: { host: string; port: number };
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  constructor(broker: string) {
    const [host, port] = broker.split(':');
    this.#target = { host: host ?? '127.0.0.1', port: Number(port) };
  }

  readonly socketFactory: ISocketFactory = ({ onConnect }) => {
    const socket = net.connect({ host: '127.0.0.1', port: this.port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.resetAndDestroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
