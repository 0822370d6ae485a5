import { ContractsError } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';
import type { BatchEvent } from './diagnostics.js';
import type { BatchSink, OutgoingMessage, SenderOptions } from './sender.js';
import { Sender } from './sender.js';
import type { DropReason } from './types.js';

type Item = { id: number; size?: number; bad?: boolean };

class FakeSink implements BatchSink<Item> {
  batches: OutgoingMessage[][] = [];
  resets = 0;
  prepares = 0;
  /** Decides the outcome of each send call (0-based); default: succeed. */
  sendBehaviour: (call: number) => Promise<void> = async () => {};
  #calls = 0;

  async prepare(): Promise<void> {
    this.prepares++;
  }
  encode(item: Item): OutgoingMessage {
    if (item.bad) throw new Error(`cannot encode ${item.id}`);
    return { key: String(item.id), value: Buffer.alloc(item.size ?? 10) };
  }
  async send(messages: OutgoingMessage[]): Promise<void> {
    await this.sendBehaviour(this.#calls++);
    this.batches.push(messages);
  }
  async reset(): Promise<void> {
    this.resets++;
  }
}

function setup(options: Partial<SenderOptions> = {}, queueBound = { records: 10_000, bytes: 1 << 30 }) {
  const queue = new BoundedQueue<Item>(queueBound.records, queueBound.bytes);
  const sink = new FakeSink();
  const counts = { sent: 0, sentBytes: 0, dropped: {} as Partial<Record<DropReason, number>> };
  const events: BatchEvent[] = [];
  const sender = new Sender(
    queue,
    sink,
    {
      topic: 't',
      maxBatchRecords: 100,
      maxBatchBytes: 1 << 20,
      lingerMs: 5,
      maxRecordBytes: 1 << 20,
      sendAttempts: 3,
      retryBackoffMs: 1,
      retryBackoffMaxMs: 2,
      ...options,
    },
    {
      sent: (n, bytes) => {
        counts.sent += n;
        counts.sentBytes += bytes;
      },
      dropped: (reason, n) => {
        counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n;
      },
      batch: (e) => events.push(e),
    },
  );
  const offer = (item: Item, size = 10) => {
    const ok = queue.push(item, size);
    if (ok) sender.notify();
    return ok;
  };
  return { queue, sink, counts, events, sender, offer };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('Sender', () => {
  it('splits the queue into batches of at most maxBatchRecords, in order', async () => {
    const { sink, counts, sender, offer } = setup({ maxBatchRecords: 100 });
    for (let i = 0; i < 250; i++) offer({ id: i });
    sender.start();
    await until(() => counts.sent === 250);
    expect(sink.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sink.batches.flat().map((m) => Number(m.key))).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('encodes the next batch while the previous one is being sent, and never has two sends at once', async () => {
    const { sink, counts, sender, offer } = setup({ maxBatchRecords: 10, lingerMs: 0 });
    let sending = 0;
    let maxSending = 0;
    const encodedDuringSend: number[] = [];
    let encoded = 0;
    const encode = sink.encode.bind(sink);
    sink.encode = (item) => {
      encoded++;
      return encode(item);
    };
    sink.sendBehaviour = async () => {
      sending++;
      maxSending = Math.max(maxSending, sending);
      const before = encoded;
      await new Promise((r) => setTimeout(r, 20));
      encodedDuringSend.push(encoded - before);
      sending--;
    };
    for (let i = 0; i < 30; i++) offer({ id: i });
    sender.start();
    await until(() => counts.sent === 30);
    expect(maxSending).toBe(1);
    expect(encodedDuringSend.slice(0, 2)).toEqual([10, 10]);
    expect(sink.batches.flat().map((m) => Number(m.key))).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('splits by estimated bytes too', async () => {
    const { sink, counts, sender, offer } = setup({ maxBatchBytes: 1_000 });
    for (let i = 0; i < 10; i++) offer({ id: i }, 300);
    sender.start();
    await until(() => counts.sent === 10);
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('lets a partial batch linger but sends a full one at once', async () => {
    const { sink, counts, sender, offer } = setup({ maxBatchRecords: 10, lingerMs: 60_000 });
    sender.start();
    for (let i = 0; i < 10; i++) offer({ id: i });
    await until(() => counts.sent === 10);
    offer({ id: 10 });
    await new Promise((r) => setTimeout(r, 50));
    expect(counts.sent).toBe(10); // still lingering
    await sender.close(1_000); // closing skips the linger
    expect(counts.sent).toBe(11);
    expect(sink.batches).toHaveLength(2);
  });

  it('retries a failed batch with a reset sink and counts it once when it finally goes through', async () => {
    const { sink, counts, events, sender, offer } = setup({ sendAttempts: 3 });
    sink.sendBehaviour = async (call) => {
      if (call < 2) throw new Error('broker down');
    };
    for (let i = 0; i < 5; i++) offer({ id: i });
    sender.start();
    await until(() => counts.sent === 5);
    expect(sink.resets).toBe(2);
    expect(events).toEqual([expect.objectContaining({ outcome: 'sent', records: 5, attempts: 3 })]);
    expect(counts.dropped).toEqual({});
  });

  it('counts the whole batch as send_failed after sendAttempts and frees the queue bound', async () => {
    const { queue, sink, counts, events, sender, offer } = setup({ sendAttempts: 2 });
    sink.sendBehaviour = async () => {
      throw new Error('broker down');
    };
    for (let i = 0; i < 7; i++) offer({ id: i });
    sender.start();
    await until(() => counts.dropped.send_failed === 7);
    expect(events[0]).toMatchObject({ outcome: 'failed', records: 7, attempts: 2, error: 'Error: broker down' });
    expect(queue.chargedCount).toBe(0);
    expect(queue.chargedBytes).toBe(0);
  });

  it('does not retry a permanent failure', async () => {
    const { sink, counts, sender, offer } = setup({ sendAttempts: 5 });
    sink.sendBehaviour = async () => {
      throw new ContractsError('CONTRACTS_SCHEMA_INCOMPATIBLE', 'nope');
    };
    offer({ id: 1 });
    sender.start();
    await until(() => counts.dropped.send_failed === 1);
    expect(sink.resets).toBe(1);
  });

  it('drops a record that cannot be encoded or is too large, and sends the rest', async () => {
    const { sink, counts, sender, offer } = setup({ maxRecordBytes: 100 });
    offer({ id: 1 });
    offer({ id: 2, bad: true });
    offer({ id: 3, size: 101 });
    offer({ id: 4 });
    sender.start();
    await until(() => counts.sent === 2);
    expect(counts.dropped).toEqual({ encode_error: 1, send_failed: 1 });
    expect(sink.batches.flat().map((m) => m.key)).toEqual(['1', '4']);
  });

  it('close() gives up after its bound: in-flight and queued records count as closed, exactly once', async () => {
    const { queue, sink, counts, sender, offer } = setup({ maxBatchRecords: 3, lingerMs: 0 });
    let release: () => void = () => {};
    sink.sendBehaviour = () =>
      new Promise<void>((resolve) => {
        release = resolve;
      });
    for (let i = 0; i < 8; i++) offer({ id: i });
    sender.start();
    await until(() => sink.prepares > 0);
    await sender.close(30);
    expect(counts.dropped.closed).toBe(8);
    expect(queue.chargedCount).toBe(0);
    release(); // the abandoned request completes later: must not be counted again
    await new Promise((r) => setTimeout(r, 20));
    expect(counts.sent).toBe(0);
    expect(counts.dropped.closed).toBe(8);
  });

  it('close() on a sender that never started settles everything as closed', async () => {
    const { counts, sender, offer } = setup();
    offer({ id: 1 });
    offer({ id: 2 });
    await sender.close(10);
    expect(counts.dropped.closed).toBe(2);
  });

  it('settles every record exactly once under mixed outcomes', async () => {
    const { queue, sink, counts, sender, offer } = setup({ maxBatchRecords: 7, sendAttempts: 2, lingerMs: 0 });
    sink.sendBehaviour = async (call) => {
      if (call % 3 === 1) throw new Error('flaky');
    };
    let offered = 0;
    sender.start();
    for (let i = 0; i < 500; i++) {
      offered++;
      offer({ id: i, bad: i % 50 === 0 });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await sender.close(5_000);
    const dropped = Object.values(counts.dropped).reduce((a, b) => a + b, 0);
    expect(counts.sent + dropped).toBe(offered);
    expect(queue.chargedCount).toBe(0);
  });
});
