import { describe, expect, it } from 'vitest';
import { TapError } from './errors.js';
import { resolveTapOptions, type TapOptions } from './options.js';
import type { ExchangeTransport } from './transport/types.js';

const transport: ExchangeTransport = {
  enabled: true,
  offer: () => true,
  stats: () => ({
    enqueued: 0,
    sent: 0,
    dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
    queueDepth: 0,
    queueBytes: 0,
    sentBytes: 0,
  }),
  start: () => Promise.resolve(),
  close: () => Promise.reject(new Error('unused')),
};
const base: TapOptions = { service: 'orders', environment: 'prod', transport };

function failure(options: unknown): TapError {
  try {
    resolveTapOptions(options as TapOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TapError);
    expect((error as TapError).code).toBe('TAP_INVALID_OPTION');
    return error as TapError;
  }
  throw new Error('expected resolveTapOptions to throw');
}

describe('resolveTapOptions', () => {
  it('fills documented defaults and freezes the result', () => {
    const resolved = resolveTapOptions(base);
    expect(resolved).toMatchObject({
      sampling: { rate: 1, keyHeader: null, routes: [] },
      redaction: { headers: ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'], jsonPaths: [] },
      maxBodyBytes: 256 * 1024,
      maxInFlightBodyBytes: 64 * 1024 * 1024,
      exchangeIdHeaders: [],
      closeTimeoutMs: 5000,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.sampling)).toBe(true);
    expect(Object.isFrozen(resolved.redaction.headers)).toBe(true);
  });

  it('normalises header names to lower case', () => {
    const resolved = resolveTapOptions({ ...base, sampling: { keyHeader: 'X-User-Id' }, exchangeIdHeaders: ['X-Request-Id', 'traceparent'] });
    expect(resolved.sampling.keyHeader).toBe('x-user-id');
    expect(resolved.exchangeIdHeaders).toEqual(['x-request-id', 'traceparent']);
  });

  it.each([
    [{ ...base, sampling: { rate: 1.5 } }, 'sampling.rate must be a number in [0,1], got 1.5'],
    [{ ...base, sampling: { rate: '0.5' } }, 'sampling.rate must be a number in [0,1], got "0.5"'],
    [{ ...base, sampling: { rate: Number.NaN } }, 'sampling.rate must be a number in [0,1], got NaN'],
    [{ ...base, service: '' }, 'service must be a non-empty string of at most 255 characters, got ""'],
    [{ environment: 'prod', transport }, 'service must be a non-empty string of at most 255 characters, got undefined'],
    [{ ...base, maxBodyBytes: -1 }, 'maxBodyBytes must be an integer in [0, 67108864], got -1'],
    [{ ...base, maxBodyBytes: 1.5 }, 'maxBodyBytes must be an integer in [0, 67108864], got 1.5'],
    [{ ...base, sampling: { keyHeader: 'bad header' } }, 'sampling.keyHeader must be an HTTP header name, got "bad header"'],
    [{ ...base, redaction: { headers: ['ok', 7] } }, 'redaction.headers[1] must be an HTTP header name, got 7'],
    [{ ...base, sampling: { routes: [{ route: '/a', rate: 2 }] } }, 'sampling.routes[0].rate must be a number in [0,1], got 2'],
    [{ ...base, sampling: { routes: [{ route: '/a' }] } }, 'sampling.routes[0].rate must be a number in [0,1], got undefined'],
    [{ ...base, sampling: { routes: [{ route: 'a', rate: 1 }] } }, 'sampling.routes[0].route must be a string starting with "/", got "a"'],
    [{ ...base, sampling: { routes: [{ route: '/a', pathPrefix: '/b', rate: 1 }] } }, 'sampling.routes[0] must set exactly one of route, pathPrefix'],
    [{ ...base, logger: {} }, 'logger must be a logger with debug, info, warn and error methods (pino satisfies it), got an object'],
    [{ ...base, transport: {} }, 'transport must be an ExchangeTransport (offer, enabled, stats, start, close), got an object'],
    [{ ...base, closeTimeoutMs: 0 }, 'closeTimeoutMs must be an integer in [1, 600000], got 0'],
  ])('names the field and the accepted values: %#', (options, message) => {
    expect(failure(options).message).toBe(message);
  });

  it('needs exactly one of kafka and transport', () => {
    expect(failure({ service: 's', environment: 'e' }).message).toBe('kafka must be set ({ brokers, schemaRegistryUrl, ... }) unless a transport is given');
    expect(failure({ ...base, kafka: { brokers: ['b:9092'] } }).message).toMatch(/^kafka and transport are exclusive/);
    expect(failure({ service: 's', environment: 'e', kafka: 'b:9092' }).message).toBe('kafka must be an object of Kafka transport options, got "b:9092"');
    expect(resolveTapOptions({ service: 's', environment: 'e', kafka: { brokers: ['b:9092'], schemaRegistryUrl: 'http://r' } }).kafka).toEqual({
      brokers: ['b:9092'],
      schemaRegistryUrl: 'http://r',
    });
  });

  it('refuses a maxBodyBytes whose two bodies would not fit one Kafka record', () => {
    const kafka = { brokers: ['b:9092'], schemaRegistryUrl: 'http://r' };
    expect(failure({ service: 's', environment: 'e', kafka, maxBodyBytes: 1024 * 1024 }).message).toBe(
      'maxBodyBytes must be at most 483616 so that both bodies and the headers fit kafka.maxRecordBytes (1000000), got 1048576',
    );
    expect(resolveTapOptions({ service: 's', environment: 'e', kafka: { ...kafka, maxRecordBytes: 4_000_000 }, maxBodyBytes: 1024 * 1024 }).maxBodyBytes).toBe(
      1024 * 1024,
    );
  });

  it('names a bad JSON path and why', () => {
    expect(failure({ ...base, redaction: { jsonPaths: ['$.ok', 'a[x]'] } }).message).toMatch(/^redaction\.jsonPaths\[1\] must be a JSON path .*"a\[x\]"/);
  });

  it('rejects unknown options (typos) listing the accepted ones', () => {
    expect(failure({ ...base, samplingRate: 0.5 }).message).toBe(
      'samplingRate is not a known option; accepted: service, environment, kafka, transport, sampling, redaction, maxBodyBytes, maxInFlightBodyBytes, exchangeIdHeaders, closeTimeoutMs, logger, outbound',
    );
    expect(failure({ ...base, sampling: { ratio: 0.5 } }).message).toBe('sampling.ratio is not a known option; accepted: rate, keyHeader, routes');
  });
});
