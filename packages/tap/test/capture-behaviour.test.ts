/**
 * Sampling, kill switch, safety and bounds, observed on real servers with an in-memory transport.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { createTap, samplingPoint, type ExchangeTransport, type TapLogger } from '@shadow/tap';
import { settle, workloadCases } from './support/cases.js';
import { MemorySink } from './support/memory-sink.js';
import { ALL_BYTES, listenPlain, send, startServer } from './support/workload.js';

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

describe('sampling', () => {
  it.each(['express', 'fastify'] as const)('%s: a route-template rule overrides the global rate', async (framework) => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink, sampling: { rate: 0, routes: [{ route: '/json/:id', rate: 1 }] } });
    await using server = await startServer(framework, tap);
    const cases = workloadCases().filter((c) => c.name !== 'big');
    for (const c of cases) await send(server.port, c.request);
    await settle(tap, sink, 1);
    expect(sink.records.map((r) => [r.routeTemplate, r.samplingRate])).toEqual([['/json/:id', 1]]);
    expect(tap.stats().sampledOut).toBe(cases.length - 1);
    await tap.close();
  });

  it('keeps each user in or out for all their requests, matching the documented hash', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink, sampling: { rate: 0.5, keyHeader: 'X-User-Id' } });
    await using server = await startServer('node', tap);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}-${Math.random().toString(36).slice(2)}`);
    for (let round = 0; round < 3; round++) {
      await Promise.all(users.map((user) => send(server.port, { method: 'GET', path: `/chunked?round=${round}`, headers: { 'x-user-id': user } })));
    }
    const expected = users.filter((user) => samplingPoint(user) < 0.5);
    await settle(tap, sink, expected.length * 3);
    const perUser = new Map<string, number>();
    for (const record of sink.records) {
      const user = record.requestHeaders['x-user-id']?.[0] as string;
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
      expect(record.samplingRate).toBe(0.5);
    }
    expect([...perUser.keys()].sort()).toEqual([...expected].sort());
    for (const count of perUser.values()) expect(count).toBe(3);
    await tap.close();
  });
});

describe('kill switch', () => {
  it('captures nothing while the transport is paused and resumes when it is enabled again', async () => {
    const sink = new MemorySink();
    sink.enabled = false;
    const tap = createTap({ service: 's', environment: 't', transport: sink });
    await using server = await startServer('express', tap);
    const paused = await send(server.port, { method: 'GET', path: '/chunked' });
    expect(paused.status).toBe(200);
    expect(tap.stats()).toMatchObject({ paused: 1, inFlight: 0 });
    sink.enabled = true;
    await send(server.port, { method: 'GET', path: '/chunked' });
    await settle(tap, sink, 1);
    expect(sink.records).toHaveLength(1);
    await tap.close();
  });
});

describe('the live path is protected', () => {
  it('a transport that throws loses captures, not requests, and is logged at a rate limit', async () => {
    const warn = vi.fn();
    const logger: TapLogger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const sink = new MemorySink();
    const broken: ExchangeTransport = Object.assign(Object.create(sink) as MemorySink, {
      offer: () => {
        throw new Error('transport exploded');
      },
    });
    const tap = createTap({ service: 's', environment: 't', transport: broken, logger });
    await using server = await startServer('fastify', tap);
    for (let i = 0; i < 5; i++) {
      const response = await send(server.port, { method: 'POST', path: '/binary', headers: { 'content-type': 'application/octet-stream' }, body: ALL_BYTES });
      expect(response.status).toBe(200);
      expect(response.body.equals(Buffer.from(ALL_BYTES).reverse())).toBe(true);
    }
    await vi.waitFor(() => expect(tap.stats().captureErrors).toBe(5));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ code: 'TAP_CAPTURE_FAILED' });
    await tap.close();
  });

  it('captures the request body even when the tap attaches after an async step left it buffered', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink });
    const body = Buffer.concat([ALL_BYTES, ALL_BYTES, ALL_BYTES]);
    await using server = await listenPlain((req, res) => {
      // An async middleware before the tap: the body arrives and waits in the request's buffer.
      setTimeout(() => {
        tap.capture(req, res);
        void readAll(req).then((received) => res.end(`got ${received.length}`));
      }, 30);
    });
    const response = await send(server.port, { method: 'POST', path: '/late', body });
    expect(response.body.toString()).toBe(`got ${body.length}`);
    await settle(tap, sink, 1);
    expect(sink.records[0]).toMatchObject({ requestBodySize: body.length, requestBodyTruncated: false });
    expect(sink.records[0]?.requestBody.equals(body)).toBe(true);
    await tap.close();
  });

  it('flags a body the application never read instead of pretending it was complete', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink });
    await using server = await listenPlain((req, res) => {
      tap.capture(req, res);
      res.end('ignored your upload');
    });
    const body = Buffer.alloc(2 * 1024 * 1024, 1);
    const response = await send(server.port, { method: 'POST', path: '/ignore', body }).catch(() => null);
    expect(response === null || response.status === 200).toBe(true);
    await settle(tap, sink, 1);
    const record = sink.records[0];
    expect(record?.requestBodyTruncated).toBe(true);
    expect(record?.requestBody.equals(body.subarray(0, record.requestBody.length))).toBe(true);
    await tap.close();
  });

  it('bounds body memory across concurrent captures with maxInFlightBodyBytes', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink, maxBodyBytes: 100_000, maxInFlightBodyBytes: 150_000 });
    let peak = 0;
    const release: (() => void)[] = [];
    await using server = await listenPlain((req, res) => {
      tap.capture(req, res);
      void readAll(req).then((received) => {
        peak = Math.max(peak, tap.stats().inFlightBodyBytes);
        release.push(() => res.end(received));
        if (release.length === 3) for (const r of release) r();
      });
    });
    const body = Buffer.alloc(80_000, 2);
    await Promise.all([0, 1, 2].map(() => send(server.port, { method: 'POST', path: '/up', body })));
    await settle(tap, sink, 3);
    expect(peak).toBeLessThanOrEqual(150_000);
    const keptRequestBytes = sink.records.reduce((sum, r) => sum + r.requestBody.length, 0);
    expect(keptRequestBytes).toBeLessThanOrEqual(150_000);
    expect(sink.records.some((r) => r.requestBodyTruncated)).toBe(true);
    for (const r of sink.records) expect(r.requestBodySize).toBe(80_000);
    expect(tap.stats().inFlightBodyBytes).toBe(0);
    await tap.close();
  });
});

describe('shutdown', () => {
  it('close() lets a capture in flight finish before closing the transport, and captures nothing new', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 't', transport: sink });
    let finish: (() => void) | null = null;
    await using server = await listenPlain((req, res) => {
      tap.capture(req, res);
      if (req.url === '/after-close') {
        res.end('served');
        return;
      }
      res.write('part 1;');
      finish = () => res.end('part 2');
    });
    const slow = send(server.port, { method: 'GET', path: '/slow' });
    await vi.waitFor(() => expect(finish).not.toBeNull());
    const closed = tap.close(5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.records).toHaveLength(0);
    (finish as unknown as () => void)();
    expect((await slow).body.toString()).toBe('part 1;part 2');
    const stats = await closed;
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]?.responseBody.toString()).toBe('part 1;part 2');
    expect(stats.captured).toBe(1);
    expect((await send(server.port, { method: 'GET', path: '/after-close' })).body.toString()).toBe('served');
    expect(tap.stats().inFlight).toBe(0);
    expect(sink.records).toHaveLength(1);
  });
});
