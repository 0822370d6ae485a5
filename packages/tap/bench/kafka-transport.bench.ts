// Cost of offer() on the request path, and send throughput to the real Kafka. Run:
//   KAFKA_BROKERS=... SCHEMA_REGISTRY_URL=... corepack pnpm exec vitest bench --run --project unit packages/tap/bench
// offer() figures need no Kafka (the broker address is a closed port); throughput needs the stack.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { CapturedExchange } from '@shadow/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { bench, describe } from 'vitest';
import { createKafkaTransport } from '../src/transport/index.js';
import type { KafkaTransport, TransportCompression } from '../src/transport/index.js';

// The one place this file reads the stack's endpoints.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';

function exchange(i: number, bodyBytes: number): CapturedExchange {
  return {
    exchangeId: `${randomUUID()}`,
    captureTimeMs: Date.now(),
    service: 'bench',
    environment: 'bench',
    method: 'POST',
    scheme: 'http',
    host: 'bench.local',
    path: `/orders/${i}`,
    query: 'a=1',
    routeTemplate: '/orders/:id',
    requestHeaders: { 'content-type': ['application/json'], 'user-agent': ['bench/1.0'], accept: ['*/*'] },
    requestBody: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(Math.max(0, bodyBytes - 30)) }).slice(0, bodyBytes)),
    requestBodyTruncated: false,
    requestBodySize: bodyBytes,
    requestContentType: 'application/json',
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify({ ok: true, i, pad: 'y'.repeat(Math.max(0, bodyBytes - 30)) }).slice(0, bodyBytes)),
    responseBodyTruncated: false,
    responseBodySize: bodyBytes,
    responseContentType: 'application/json',
    liveLatencyUs: 1234,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'bench',
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Transports for the offer() benches are built at module load: vitest bench does not run a
// suite's beforeAll before its benches. Never started, so nothing drains and nothing connects.
const sample = exchange(1, 1024);
const dead = [`127.0.0.1:${await closedPort()}`];
const common = { service: 'bench', brokers: dead, schemaRegistryUrl: registryUrl, control: false as const, topic: 'bench' };
const OFFERS = 1_000_000;
const roomy = createKafkaTransport({ ...common, queue: { maxRecords: 5_000_000, maxBytes: Number.MAX_SAFE_INTEGER } });
const full = createKafkaTransport({ ...common, queue: { maxRecords: 1 } });
full.offer(sample);
const paused = createKafkaTransport({ ...common, enabled: false });

function offersPerSecond(transport: KafkaTransport): number {
  const started = performance.now();
  for (let i = 0; i < OFFERS; i++) transport.offer(sample);
  return OFFERS / ((performance.now() - started) / 1_000);
}

describe('offer() on the request path (no Kafka needed)', () => {
  bench(
    'offer(): 1M accepted, 1M dropped (queue full), 1M dropped (paused)',
    () => {
      const rows = [
        ['accepted', roomy],
        ['dropped: queue full', full],
        ['dropped: paused', paused],
      ] as const;
      for (const [label, transport] of rows) {
        const perSecond = offersPerSecond(transport);
        console.log(`[bench] offer() ${label}: ${(perSecond / 1e6).toFixed(1)} M/s (${(1e9 / perSecond).toFixed(0)} ns each)`);
      }
      roomy.stats();
    },
    { iterations: 1, time: 0, warmupIterations: 1 },
  );
});

describe('send throughput to Kafka: 20k records, 2 x 1 KiB JSON bodies', () => {
  const records = 20_000;
  const exchanges = Array.from({ length: records }, (_, i) => exchange(i, 1024));
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-${randomUUID()}`;
  // Created lazily: vitest bench does not run this suite's beforeAll before its benches.
  let created: Promise<void> | undefined;
  const createTopic = async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
  };

  for (const compression of ['gzip', 'none'] as TransportCompression[]) {
    bench(
      `compression ${compression}`,
      async () => {
        await (created ??= createTopic());
        const transport = createKafkaTransport({
          service: 'bench',
          brokers,
          schemaRegistryUrl: registryUrl,
          topic,
          control: false,
          compression,
          queue: { maxRecords: records },
        });
        await transport.start();
        const started = performance.now();
        for (const e of exchanges) transport.offer(e);
        const settled = () => {
          const s = transport.stats();
          return s.sent + Object.values(s.dropped).reduce((a, b) => a + b, 0);
        };
        while (settled() < records) await new Promise((r) => setTimeout(r, 5));
        const seconds = (performance.now() - started) / 1_000;
        const stats = await transport.close(5_000);
        console.log(
          `[bench] ${compression}: ${Math.round(stats.sent / seconds)} records/s, ${(stats.sentBytes / 1_048_576 / seconds).toFixed(1)} MiB/s encoded, dropped=${JSON.stringify(stats.dropped)}`,
        );
      },
      { iterations: 3, time: 0, warmupIterations: 0 },
    );
  }
});
