/**
 * An in-memory ExchangeTransport that records what the tap offers. Only for capture-fidelity
 * tests (`capture-*.test.ts`), which check what the tap captures, not what reaches Kafka.
 */
import type { CapturedExchange } from '@shadow/contracts';
import type { DropReason, ExchangeTransport, TransportStats } from '../../src/transport/types.js';

export class MemorySink implements ExchangeTransport {
  enabled = true;
  readonly records: CapturedExchange[] = [];
  private readonly dropped: Record<DropReason, number> = { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 };
  private closed = false;

  offer(exchange: CapturedExchange): boolean {
    if (this.closed) {
      this.dropped.closed++;
      return false;
    }
    this.records.push(exchange);
    return true;
  }

  stats(): TransportStats {
    return {
      enqueued: this.records.length,
      sent: this.records.length,
      dropped: { ...this.dropped },
      queueDepth: 0,
      queueBytes: 0,
      sentBytes: 0,
    };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<TransportStats> {
    this.closed = true;
    return Promise.resolve(this.stats());
  }

  byId(id: string): CapturedExchange[] {
    return this.records.filter((r) => r.exchangeId === id);
  }
}
