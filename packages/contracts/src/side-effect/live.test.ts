import { describe, expect, it } from 'vitest';
import { sampleExchange, sampleOutboundCall } from '../../test/fixtures.js';
import { capturedExchangeContract } from '../exchange/avro.js';
import type { AvroRecord } from '../schema/record-contract.js';
import { sideEffectContract } from './avro.js';
import { liveSideEffectsOf } from './live.js';
import { LIVE_ORIGIN } from './types.js';

describe('liveSideEffectsOf', () => {
  it('maps each recorded call to a live SideEffect of the same exchange, in order', () => {
    const exchange = sampleExchange();
    const [first, second] = exchange.outboundCalls!;
    const effects = liveSideEffectsOf(exchange);
    expect(effects).toHaveLength(2);
    expect(effects[0]).toEqual({
      exchangeId: exchange.exchangeId,
      origin: LIVE_ORIGIN,
      attempt: 0,
      sequence: 0,
      observedTimeMs: first!.startTimeMs,
      dependencyKind: 'http',
      target: 'payments.example.com:443',
      operation: 'POST /v1/charges',
      requestSummary: first!.requestBody,
      mocked: false,
      mockedResponse: null,
      method: 'POST',
      path: '/v1/charges?idempotency=ü',
      requestHeaders: first!.requestHeaders,
      responseStatus: 201,
      responseBody: first!.responseBody,
      durationUs: 4_321,
      disposition: 'live',
      runId: null,
    });
    // A call that failed keeps its 0 status and empty answer.
    expect(effects[1]).toMatchObject({ sequence: 1, operation: 'GET /stock/42', target: second!.target, responseStatus: 0, durationUs: second!.durationUs });
  });

  it('is empty for an exchange without calls (recorder off) or with an empty list', () => {
    const { outboundCalls: _calls, ...withoutCalls } = sampleExchange();
    expect(liveSideEffectsOf(withoutCalls)).toEqual([]);
    expect(liveSideEffectsOf(sampleExchange({ outboundCalls: [] }))).toEqual([]);
  });

  it('produces records the SideEffect contract encodes, from an exchange that went through Avro', () => {
    const bytes = capturedExchangeContract.type.toBuffer(
      capturedExchangeContract.toAvro(sampleExchange({ outboundCalls: [sampleOutboundCall({ path: '/a?b=c' })] })),
    );
    const decoded = capturedExchangeContract.fromAvro(capturedExchangeContract.type.fromBuffer(bytes) as AvroRecord);
    const [effect] = liveSideEffectsOf(decoded);
    expect(effect?.operation).toBe('POST /a');
    const back = sideEffectContract.fromAvro(
      sideEffectContract.type.fromBuffer(sideEffectContract.type.toBuffer(sideEffectContract.toAvro(effect!))) as AvroRecord,
    );
    expect(back).toEqual(effect);
  });
});
