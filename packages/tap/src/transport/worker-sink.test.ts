// The main-thread side of the producer worker, against a stand-in worker (no Kafka): a worker that
// dies mid-batch costs that batch as send_failed, is logged, and the next batch gets a new worker.
import type { CapturedExchange, RecordSerde } from '@shadow/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';
import { resolveKafkaTransportOptions } from './options.js';
import type { TransportLogger } from './options.js';
import { Sender } from './sender.js';
import type { OutgoingMessage } from './sender.js';
import type { DropReason } from './types.js';
import { workerConfigFor, WorkerSink } from './worker-sink.js';

const CRASHING_WORKER = new URL('./fixtures/crashing-producer-worker.js', import.meta.url);

// Only what WorkerSink uses: a resolved schema id and stampWireHeader.
const serde = { schemaId: 1, stampWireHeader: (frame: Buffer) => frame.writeUInt8(0, 0) } as unknown as RecordSerde<CapturedExchange>;
const item = (id: string): OutgoingMessage => ({ key: id, value: Buffer.from(`\u0000\u0000\u0000\u0000\u0001${id}`) });

describe('WorkerSink', () => {
  it('a producer worker that dies mid-batch: the batch counts as send_failed once, one error is logged, the next batch is sent by a new worker', async () => {
    const errors: string[] = [];
    const noop = () => {};
    const logger: TransportLogger = { debug: noop, info: noop, warn: noop, error: (_obj, msg) => errors.push(msg ?? '') };
    const o = resolveKafkaTransportOptions({
      service: 'svc',
      brokers: ['127.0.0.1:9'],
      schemaRegistryUrl: 'http://127.0.0.1:9',
      control: false,
      env: {},
      logger,
    });
    const sink = new WorkerSink(serde, o, workerConfigFor(o) as Record<string, unknown>, CRASHING_WORKER);
    const queue = new BoundedQueue<OutgoingMessage>(100, 1 << 20);
    const counts = { sent: 0, dropped: {} as Partial<Record<DropReason, number>> };
    const sender = new Sender(
      queue,
      sink,
      {
        topic: 't',
        maxBatchRecords: 3,
        maxBatchBytes: 1 << 20,
        lingerMs: 0,
        maxRecordBytes: 1 << 20,
        sendAttempts: 3,
        retryBackoffMs: 1,
        retryBackoffMaxMs: 2,
      },
      {
        sent: (n) => {
          counts.sent += n;
        },
        dropped: (reason, n) => {
          counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n;
        },
        batch: noop,
      },
    );
    for (const id of ['crash', 'a', 'b', 'c', 'd', 'e']) queue.push(item(id), 10);
    sender.start();
    const end = Date.now() + 10_000;
    while (counts.sent + (counts.dropped.send_failed ?? 0) < 6 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await sender.close(1_000);
    await sink.close();

    expect(counts).toEqual({ sent: 3, dropped: { send_failed: 3 } }); // not retried: it may have reached Kafka
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/producer worker died/);
    expect(queue.chargedCount).toBe(0);
  });

  // Thread nice values are a Linux notion (/proc/<pid>/task/<tid>/stat); elsewhere the option is
  // ignored. A run already at nice 19 has no lower priority to give the thread.
  it.runIf(process.platform === 'linux' && getPriority() < 19)(
    'the producer thread runs at the configured nice value, the event loop keeps its own',
    async () => {
      const niceOfThreads = (): number[] =>
        readdirSync('/proc/self/task').map((tid) => {
          try {
            const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
          } catch {
            return Number.NaN; // a thread that ended meanwhile
          }
        });
      const base = getPriority(); // this (main) thread's nice: 0 unless the whole run was niced
      const nice = Math.min(19, base + 7);
      const o = resolveKafkaTransportOptions({
        service: 'svc',
        brokers: ['127.0.0.1:9'],
        schemaRegistryUrl: 'http://127.0.0.1:9',
        control: false,
        env: {},
        producerThreadNice: nice,
        connectionTimeoutMs: 100,
        kafkaRetries: 1,
      });
      const sink = new WorkerSink(serde, o, workerConfigFor(o) as Record<string, unknown>);
      expect(niceOfThreads()).not.toContain(nice);
      const connecting = sink.prepare().catch(() => undefined); // no broker: fails, the thread is up meanwhile
      const deadline = Date.now() + 5_000;
      while (!niceOfThreads().includes(nice) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(niceOfThreads()).toContain(nice);
      expect(getPriority()).toBe(base); // the event loop's thread is untouched
      await sink.terminate();
      await connecting;
    },
  );

  it('kafka settings that cannot cross threads (a socketFactory) keep the producer in-thread', () => {
    const base = { service: 'svc', brokers: ['127.0.0.1:9'], schemaRegistryUrl: 'http://127.0.0.1:9', control: false as const, env: {} };
    expect(workerConfigFor(resolveKafkaTransportOptions(base))).not.toBe(false);
    expect(
      workerConfigFor(
        resolveKafkaTransportOptions({
          ...base,
          kafka: {
            socketFactory: () => {
              throw new Error('unused');
            },
          },
        }),
      ),
    ).toBe(false);
  });
});
