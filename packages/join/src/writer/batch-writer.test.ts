// The writer's memory bound holds rows the row count does not see: with no replayer running a
// batch holds only capture rows, and an outage must still pause consumption (full) instead of
// buffering them without end.
import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '@shadow/clickhouse';
import type { CaptureRow, RowSet } from '../rows/types.js';
import { BatchWriter } from './batch-writer.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function captures(n: number): RowSet {
  const rows: CaptureRow[] = Array.from({ length: n }, (_, i) => ({
    exchange_id: `e${i}`,
    service: 's',
    challenger_id: 'c',
    capture_time: 0,
    status: 'not_replayed',
  }));
  return { pairs: [], diffs: [], unmatched: [], captures: rows, runs: [], bytes: 120 * n };
}

describe('BatchWriter bound', () => {
  it('is full at (maxInFlight + 1) batches of bytes even when no row counts, and frees once ClickHouse accepts', async () => {
    let accept = false;
    const inserted: number[] = [];
    const writer = new BatchWriter({
      clickhouse: {} as ClickHouse,
      logger: silent,
      maxRows: 100,
      maxBytes: 1200,
      maxDelayMs: 10_000,
      retryInitialMs: 5,
      retryMaxMs: 5,
      insert: async (_table, rows) => {
        if (!accept) throw Object.assign(new Error('down'), { retriable: true });
        inserted.push(rows.length);
      },
      onLanded: () => undefined,
    });
    for (let i = 0; i < 3; i++) writer.add(captures(10), []); // 1200 bytes each: sealed at once
    expect(writer.bufferedRows).toBe(0);
    expect(writer.full).toBe(true);
    const freed = writer.waitForCapacity(undefined, 10);
    accept = true;
    await freed;
    await writer.flush();
    expect(writer.full).toBe(false);
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(30);
    writer.close();
  });
});
