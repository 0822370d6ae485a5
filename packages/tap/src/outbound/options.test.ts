import { describe, expect, it } from 'vitest';
import { TapError } from '../errors.js';
import { resolveTapOptions, type TapOptions } from '../options.js';
import { DEFAULT_OUTBOUND_OPTIONS, resolveOutboundOptions } from './options.js';

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TapError);
    expect((error as TapError).code).toBe('TAP_INVALID_OPTION');
    return (error as TapError).message;
  }
  throw new Error('expected a TAP_INVALID_OPTION');
}

const kafkaTap = (extra: Partial<TapOptions>): TapOptions => ({
  service: 's',
  environment: 'e',
  kafka: { brokers: ['127.0.0.1:9092'], schemaRegistryUrl: 'http://127.0.0.1:8081' },
  ...extra,
});

describe('outbound recorder options', () => {
  it('is off by default, with documented bounds, frozen', () => {
    const resolved = resolveOutboundOptions('outbound', undefined);
    expect(resolved).toEqual({ enabled: false, maxCalls: 32, maxBodyBytes: 65_536, maxExchangeBodyBytes: 131_072 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolveOutboundOptions('outbound', { enabled: true, maxCalls: 4 })).toEqual({ ...DEFAULT_OUTBOUND_OPTIONS, enabled: true, maxCalls: 4 });
  });

  it.each([
    [{ enabled: 'yes' }, 'outbound.enabled must be a boolean, got "yes"'],
    [{ maxCalls: 0 }, 'outbound.maxCalls must be an integer in [1, 10000], got 0'],
    [{ maxBodyBytes: 1.5 }, 'outbound.maxBodyBytes must be an integer in [0, 67108864], got 1.5'],
    [{ maxExchangeBodyBytes: -1 }, 'outbound.maxExchangeBodyBytes must be an integer in [0, 67108864], got -1'],
    [{ maxcalls: 3 }, 'outbound.maxcalls is not a known option; accepted: enabled, maxCalls, maxBodyBytes, maxExchangeBodyBytes'],
    [true, 'outbound must be an object, got true'],
  ])('rejects %j naming the field', (value, expected) => {
    expect(
      message(() =>
        resolveTapOptions({
          service: 's',
          environment: 'e',
          transport: {
            enabled: true,
            offer: () => true,
            stats: () => ({}) as never,
            start: () => Promise.resolve(),
            close: () => Promise.resolve({}) as never,
          },
          outbound: value as never,
        }),
      ),
    ).toBe(expected);
  });

  it('with kafka, refuses bounds whose calls would not fit one record next to both bodies; the defaults fit', () => {
    expect(resolveTapOptions(kafkaTap({ outbound: { enabled: true } })).outbound.enabled).toBe(true);
    expect(message(() => resolveTapOptions(kafkaTap({ outbound: { enabled: true, maxExchangeBodyBytes: 600_000 } })))).toMatch(
      /^outbound\.maxExchangeBodyBytes \+ outbound\.maxCalls \* 4096 must be at most 442944 .*kafka\.maxRecordBytes \(1000000\).*got 731072$/,
    );
    // Off, the same bounds are not checked: nothing is recorded.
    expect(resolveTapOptions(kafkaTap({ outbound: { enabled: false, maxExchangeBodyBytes: 600_000 } })).outbound.enabled).toBe(false);
  });
});
