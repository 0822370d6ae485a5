// The arena packs encoded frames back to back; a frame that does not fit starts a new slab, sized
// for it when it is larger than a slab. The frames must decode to what was offered.
import type { SchemaRegistry } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '@shadow/contracts';
import { capturedExchangeContract, RecordSerde, WIRE_HEADER_BYTES } from '@shadow/contracts';
import { RecordArena } from './record-arena.js';

function exchange(id: number, bodyBytes: number): CapturedExchange {
  return {
    exchangeId: `x-${id}`,
    captureTimeMs: 1_700_000_000_000 + id,
    service: 'svc',
    environment: 'test',
    method: 'POST',
    scheme: 'http',
    host: 'h',
    path: `/p/${id}`,
    query: 'a=1',
    routeTemplate: null,
    requestHeaders: { 'content-type': ['application/octet-stream'] },
    requestBody: Buffer.alloc(bodyBytes, id % 251),
    requestBodyTruncated: false,
    requestBodySize: bodyBytes,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'x-id': [String(id)] },
    responseBody: Buffer.from(`ok ${id}`),
    responseBodyTruncated: false,
    responseBodySize: 4,
    responseContentType: 'text/plain',
    liveLatencyUs: 10 + id,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
  };
}

/** Never called: frames are encoded before the schema id is known, and decoded here with the contract's avsc type. */
const registry = {} as SchemaRegistry;

function decode(frame: Buffer): CapturedExchange {
  const { type, fromAvro } = capturedExchangeContract;
  return fromAvro(type.fromBuffer(frame.subarray(WIRE_HEADER_BYTES)) as Record<string, unknown>);
}

describe('RecordArena', () => {
  it('packs frames into slabs, rolls over to a new slab, and sizes a slab for a record larger than one', () => {
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: 's-value' });
    const arena = new RecordArena(4_096);
    const sizes = [10, 1_000, 1_500, 1_200, 9_000, 20, 3_000, 0, 50_000, 5];
    const offered = sizes.map((size, i) => exchange(i, size));
    const frames = offered.map((e) => arena.encode(serde, e));
    for (const [i, frame] of frames.entries()) {
      expect(decode(frame)).toEqual(offered[i]);
      expect(frame.length).toBeLessThanOrEqual(Math.max(4_096, (sizes[i] as number) + 200));
    }
    // Small frames share a slab; the 9 000 and 50 000 byte ones got slabs of their own.
    expect(frames[0]?.buffer).toBe(frames[1]?.buffer);
    expect(frames[4]?.buffer.byteLength).toBe(frames[4]?.length);
    expect(frames[8]?.buffer.byteLength).toBe(frames[8]?.length);
    expect(frames[9]?.buffer).not.toBe(frames[8]?.buffer);
    // Frames never overlap within a slab.
    const bySlab = new Map<ArrayBufferLike, [number, number][]>();
    for (const f of frames) bySlab.set(f.buffer, [...(bySlab.get(f.buffer) ?? []), [f.byteOffset, f.byteOffset + f.length]]);
    for (const ranges of bySlab.values()) {
      ranges.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) expect((ranges[i] as [number, number])[0]).toBeGreaterThanOrEqual((ranges[i - 1] as [number, number])[1]);
    }
  });
});
