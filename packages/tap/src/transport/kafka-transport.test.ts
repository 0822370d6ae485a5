// The request-path contract of the transport, without Kafka: nothing here is started or connected.
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '@shadow/contracts';
import { createKafkaTransport } from './kafka-transport.js';

const options = { service: 'svc', brokers: ['127.0.0.1:9'], schemaRegistryUrl: 'http://127.0.0.1:9', control: false as const, env: {} };

function exchange(bodyBytes: number): CapturedExchange {
  return {
    exchangeId: 'x',
    captureTimeMs: 0,
    service: 'svc',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'h',
    path: '/',
    query: '',
    routeTemplate: null,
    requestHeaders: {},
    requestBody: Buffer.alloc(bodyBytes),
    requestBodyTruncated: false,
    requestBodySize: bodyBytes,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.alloc(0),
    responseBodyTruncated: false,
    responseBodySize: 0,
    responseContentType: null,
    liveLatencyUs: 1,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
  };
}

describe('createKafkaTransport offer()', () => {
  it('never throws: a malformed capture is dropped as encode_error', () => {
    const transport = createKafkaTransport(options);
    expect(transport.offer(null as unknown as CapturedExchange)).toBe(false);
    expect(transport.offer({} as CapturedExchange)).toBe(false);
    expect(transport.stats().dropped.encode_error).toBe(2);
  });

  it('never throws even when the logger does', () => {
    const boom = () => {
      throw new Error('logger down');
    };
    const transport = createKafkaTransport({ ...options, queue: { maxRecords: 1 }, logger: { debug: boom, info: boom, warn: boom, error: boom } });
    expect(transport.offer(exchange(1))).toBe(true);
    expect(transport.offer(exchange(1))).toBe(false);
    expect(transport.stats().dropped).toMatchObject({ queue_full: 1, encode_error: 0 });
  });

  it('counts queue_full by records and by bytes, and reports what it holds', () => {
    const transport = createKafkaTransport({ ...options, queue: { maxRecords: 100, maxBytes: 10 * 1024 } });
    // Each is charged its encoded frame (2.5 KiB of body + ~40 B) + QUEUED_RECORD_OVERHEAD (256 B): 3 fit in 10 KiB.
    const accepted = Array.from({ length: 10 }, () => transport.offer(exchange(2_560))).filter(Boolean).length;
    expect(accepted).toBe(3);
    expect(transport.stats()).toMatchObject({ enqueued: 3, queueDepth: 3, dropped: { queue_full: 7 } });
    const each = transport.stats().queueBytes / 3;
    expect(each).toBeGreaterThan(2_560 + 256);
    expect(each).toBeLessThan(2_560 + 256 + 64);
    expect(transport.stats().queueBytes).toBeLessThanOrEqual(10 * 1024);
  });

  it('a record over maxRecordBytes is dropped as send_failed when offered, not queued', () => {
    const transport = createKafkaTransport({ ...options, maxRecordBytes: 2_048 });
    expect(transport.offer(exchange(4_000))).toBe(false);
    expect(transport.offer(exchange(100))).toBe(true);
    expect(transport.stats()).toMatchObject({ enqueued: 1, queueDepth: 1, dropped: { send_failed: 1 } });
  });

  it('the local switch disables it: offers count as paused; countPaused adds skipped captures', () => {
    const transport = createKafkaTransport({ ...options, enabled: false });
    expect(transport.enabled).toBe(false);
    expect(transport.offer(exchange(1))).toBe(false);
    transport.countPaused(4);
    expect(transport.stats().dropped.paused).toBe(5);
  });

  it('after close, offers are dropped as closed and what was queued is accounted for', async () => {
    const transport = createKafkaTransport(options);
    transport.offer(exchange(1));
    const stats = await transport.close(0);
    expect(stats.dropped.closed).toBe(1);
    expect(transport.enabled).toBe(false);
    expect(transport.offer(exchange(1))).toBe(false);
    expect(transport.stats().dropped.closed).toBe(2);
  });

  it('rejects a bad option at construction with TAP_INVALID_OPTION naming it', () => {
    expect(() => createKafkaTransport({ ...options, schemaRegistryUrl: 'not a url' })).toThrow(
      expect.objectContaining({ code: 'TAP_INVALID_OPTION', message: expect.stringContaining('schemaRegistryUrl') }),
    );
    expect(() => createKafkaTransport({ ...options, batch: { lingerMs: -1 } })).toThrow(/batch\.lingerMs/);
  });
});
