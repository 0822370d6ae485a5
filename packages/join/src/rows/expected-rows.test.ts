// rowsFor and "unmatched means expected and missing": a live exchange without a result is an
// unmatched row only when a replayer sent it; otherwise it is a count in capture_minutes.
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { describe, expect, it } from 'vitest';
import { sharedComparer } from '../compare/shared-compare.js';
import type { Coverage } from '../state/coverage.js';
import type { JoinedExchange } from '../state/types.js';
import { rowsFor } from './pair-rows.js';

const now = Date.now();
const exchange = {
  exchangeId: 'e1',
  captureTimeMs: now - 5000,
  service: 'shop',
  environment: 'prod',
  method: 'GET',
  path: '/a',
  routeTemplate: '/a',
  responseStatus: 200,
  responseHeaders: {},
  responseBody: Buffer.from('{"a":1}'),
  responseBodySize: 7,
  responseContentType: 'application/json',
  liveLatencyUs: 10,
} as unknown as CapturedExchange;
const result = (challengerId: string, runId: string | null = null): ShadowResult =>
  ({
    exchangeId: 'e1',
    challengerId,
    challengerName: challengerId,
    challengerRole: 'candidate',
    attempt: 1,
    replayTimeMs: now,
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.from('{"a":1}'),
    responseBodySize: 7,
    responseContentType: 'application/json',
    latencyUs: 20,
    errorKind: null,
    runId,
  }) as unknown as ShadowResult;

function joined(over: Partial<JoinedExchange>): JoinedExchange {
  return {
    exchangeId: 'e1',
    runId: null,
    partition: 0,
    exchangeOffset: 42,
    challengers: ['a', 'b', 'c'],
    cause: 'window',
    firstSeenMs: now,
    exchange,
    results: new Map(),
    sideEffects: [],
    slots: [],
    ...over,
  };
}

describe('rows of a live exchange by what the replayers did', () => {
  it('unmatched only for the challenger a replayer sent it to; every challenger counted in capture rows', () => {
    const coverage: Record<string, Coverage> = { b: 'expected', c: 'sampled_out', d: 'not_replayed' };
    const rows = rowsFor(
      joined({ results: new Map([['a', result('a')]]) }),
      sharedComparer(),
      {
        challengers: ['a', 'b', 'c', 'd'],
        bodySampleRate: 0,
        maxBodyBytes: 100,
        coverage: (_j, id) => coverage[id] ?? 'not_replayed',
      },
      now,
    );
    expect(rows.pairs.map((p) => p.challenger_id)).toEqual(['a']);
    expect(rows.unmatched.map((u) => [u.challenger_id, u.reason, u.run_id])).toEqual([['b', 'no_result', '']]);
    expect(rows.captures.map((c) => [c.challenger_id, c.status, c.service, c.capture_time])).toEqual([
      ['a', 'replayed', 'shop', now - 5000],
      ['b', 'no_result', 'shop', now - 5000],
      ['c', 'sampled_out', 'shop', now - 5000],
      ['d', 'not_replayed', 'shop', now - 5000],
    ]);
  });

  it('no replayer running: no unmatched row at all, only the counts', () => {
    const rows = rowsFor(joined({}), sharedComparer(), { challengers: ['a', 'b'], bodySampleRate: 0, maxBodyBytes: 100, coverage: () => 'not_replayed' }, now);
    expect(rows.unmatched).toEqual([]);
    expect(rows.captures.map((c) => c.status)).toEqual(['not_replayed', 'not_replayed']);
  });

  it('a run entry: its own challengers and run id, no capture rows (runs are counted in `runs`)', () => {
    const rows = rowsFor(
      joined({ runId: 'r1', challengers: ['x', 'y'], exchangeOffset: null, results: new Map([['x', result('x', 'r1')]]) }),
      sharedComparer(),
      {
        challengers: ['a'],
        bodySampleRate: 0,
        maxBodyBytes: 100,
        coverage: () => 'not_replayed',
      },
      now,
    );
    expect(rows.pairs.map((p) => [p.challenger_id, p.run_id, p.capture_time])).toEqual([['x', 'r1', now - 5000]]);
    expect(rows.unmatched.map((u) => [u.challenger_id, u.reason, u.run_id])).toEqual([['y', 'no_result', 'r1']]);
    expect(rows.captures).toEqual([]);
  });
});
