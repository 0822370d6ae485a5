import { describe, expect, it } from 'vitest';
import { sampleExchange, sampleOutboundCall } from '../../test/fixtures.js';
import { liveSideEffectsOf } from '../side-effect/live.js';
import { exchangeOfSnapshot, liveSnapshotOf } from './live-snapshot.js';

describe('live snapshot of a replayed exchange', () => {
  it('keeps everything the joiner compares and stores, and the outbound calls; drops the request', () => {
    const exchange = sampleExchange({ outboundCalls: [sampleOutboundCall()] });
    const back = exchangeOfSnapshot(exchange.exchangeId, liveSnapshotOf(exchange));
    expect(back).toEqual({
      ...exchange,
      requestHeaders: {},
      requestBody: Buffer.alloc(0),
      requestBodyTruncated: false,
      requestBodySize: 0,
      requestContentType: null,
    });
    expect(liveSideEffectsOf(back)).toEqual(liveSideEffectsOf(exchange));
  });

  it('an exchange without outbound calls comes back without the field, like a decoded exchange', () => {
    const { outboundCalls: _none, ...exchange } = sampleExchange();
    const snapshot = liveSnapshotOf(exchange);
    expect(snapshot.outboundCalls).toEqual([]);
    expect(exchangeOfSnapshot(exchange.exchangeId, snapshot)).not.toHaveProperty('outboundCalls');
  });
});
