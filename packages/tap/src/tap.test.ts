import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { TapError } from './errors.js';
import { createTap } from './tap.js';
import type { ExchangeTransport, TransportStats } from './transport/types.js';

const emptyStats: TransportStats = {
  enqueued: 0,
  sent: 0,
  dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
  queueDepth: 0,
  queueBytes: 0,
  sentBytes: 0,
};

function fakeTransport(overrides: Partial<ExchangeTransport> & { countPaused?: () => void } = {}): ExchangeTransport {
  return { enabled: true, offer: () => true, stats: () => emptyStats, start: () => Promise.resolve(), close: () => Promise.resolve(emptyStats), ...overrides };
}

function pair(): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.url = '/x';
  req.method = 'GET';
  return { req, res: new ServerResponse(req) };
}

describe('createTap', () => {
  it('does no work while the transport is paused, and tells the transport it skipped', () => {
    const countPaused = vi.fn();
    const tap = createTap({ service: 's', environment: 'e', transport: { ...fakeTransport(), enabled: false, countPaused } as ExchangeTransport });
    const { req, res } = pair();
    const { push } = req;
    const { write } = res;
    expect(tap.capture(req, res)).toBeNull();
    expect(req.push).toBe(push);
    expect(res.write).toBe(write);
    expect(countPaused).toHaveBeenCalledTimes(1);
    expect(tap.stats().paused).toBe(1);
  });

  it('leaves sampled-out requests untouched', () => {
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport(), sampling: { rate: 0 } });
    const { req, res } = pair();
    const { push } = req;
    expect(tap.capture(req, res)).toBeNull();
    expect(req.push).toBe(push);
    expect(tap.stats().sampledOut).toBe(1);
  });

  it('hands out the exchange id of a captured request', () => {
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport(), exchangeIdHeaders: ['x-request-id'] });
    const { req, res } = pair();
    req.headers['x-request-id'] = 'abc';
    expect(tap.capture(req, res)?.exchangeId).toBe('abc');
    expect(tap.stats().inFlight).toBe(1);
  });

  it('captures a request once even when the tap is mounted twice', () => {
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport() });
    const { req, res } = pair();
    const first = tap.capture(req, res);
    const { write } = res;
    expect(tap.capture(req, res)).toBe(first);
    expect(res.write).toBe(write);
    expect(tap.stats().inFlight).toBe(1);
  });

  it('never throws from capture, even when the request object is broken', () => {
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport() });
    expect(tap.capture(null as unknown as IncomingMessage, null as unknown as ServerResponse)).toBeNull();
    expect(tap.stats().captureErrors).toBe(1);
  });

  it('reports a Kafka option error under kafka.<field>', () => {
    expect(() => createTap({ service: 's', environment: 'e', kafka: { brokers: [], schemaRegistryUrl: 'http://127.0.0.1:1' } })).toThrow(
      /^kafka\.brokers must be a non-empty array of host:port strings, got an array$/,
    );
  });

  it('builds its Kafka transport from kafka options without connecting until start', async () => {
    const tap = createTap({ service: 's', environment: 'e', kafka: { brokers: ['127.0.0.1:1'], schemaRegistryUrl: 'http://127.0.0.1:1', control: false } });
    expect(tap.stats().transport.enqueued).toBe(0);
    await tap.close(100);
  });

  it('wraps a failing transport start as retriable TAP_TRANSPORT_FAILED and refuses start after close', async () => {
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport({ start: () => Promise.reject(new Error('no route')) }) });
    await expect(tap.start()).rejects.toMatchObject({ code: 'TAP_TRANSPORT_FAILED', retriable: true, message: 'no route' });
    await tap.close();
    const error: unknown = await tap.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TapError);
    expect((error as TapError).code).toBe('TAP_CLOSED');
  });

  it('close is idempotent, bounded, and stops new captures', async () => {
    const close = vi.fn(() => Promise.resolve(emptyStats));
    const tap = createTap({ service: 's', environment: 'e', transport: fakeTransport({ close }) });
    const { req, res } = pair();
    expect(tap.capture(req, res)).not.toBeNull();
    const started = Date.now();
    const [a, b] = await Promise.all([tap.close(200), tap.close(200)]);
    expect(a).toBe(b);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(close).toHaveBeenCalledTimes(1);
    expect(a.inFlight).toBe(1);
    const next = pair();
    expect(tap.capture(next.req, next.res)).toBeNull();
  });
});
