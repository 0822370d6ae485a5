import { describe, expect, it } from 'vitest';
import { resolveCompareConfig } from '../options.js';
import { comparePair } from '../pair/compare-pair.js';
import type { AnswerInput, PairInput, SideEffectInput } from '../types.js';
import { formatSandboxCause, sandboxCauses } from './sandbox-causes.js';

const config = resolveCompareConfig();

function call(method: string, path: string, disposition: string, over: Partial<SideEffectInput> = {}): SideEffectInput {
  return {
    method,
    target: 'store:8080',
    path,
    operation: `${method} ${path}`,
    requestBody: Buffer.from('{}'),
    dependencyKind: 'http',
    disposition,
    responseStatus: 200,
    ...over,
  };
}

function answer(body: unknown, status = 200): AnswerInput {
  return {
    status,
    headers: { 'content-type': ['application/json'] },
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    latencyUs: 1000,
    errorKind: null,
    bodyTruncated: false,
  };
}

function pair(candidate: AnswerInput, liveEffects: SideEffectInput[], candidateEffects: SideEffectInput[]): PairInput {
  return {
    method: 'POST',
    path: '/orders',
    live: answer({ id: 1, stock: 9 }, 201),
    candidate,
    liveSideEffects: liveEffects,
    candidateSideEffects: candidateEffects,
  };
}

describe('sandboxCauses', () => {
  it('names calls the sandbox answered itself: a 503 with no recording (blocked) and a stub', () => {
    const causes = sandboxCauses(
      [call('POST', '/v1/orders', 'live')],
      [
        call('POST', '/v2/orders/17', 'blocked', { responseStatus: 503 }),
        call('POST', '/v2/audit', 'stub', { responseStatus: 202 }),
        call('POST', '/v1/orders', 'recorded'),
      ],
      config,
    );
    expect(causes).toEqual([
      { kind: 'sandbox_answer', key: 'http POST store:8080/v2/orders/:id', disposition: 'blocked', status: 503 },
      { kind: 'sandbox_answer', key: 'http POST store:8080/v2/audit', disposition: 'stub', status: 202 },
    ]);
    expect(formatSandboxCause(causes[0]!)).toBe('sandbox_answer blocked 503 http POST store:8080/v2/orders/:id');
  });

  it('names a read forwarded to a target live wrote to in the same exchange, not one forwarded elsewhere', () => {
    const live = [call('GET', '/v1/stock/1', 'live'), call('POST', '/v1/stock/1', 'live')];
    const candidate = [call('GET', '/v2/stock/1', 'forwarded'), call('GET', '/v2/prices/1', 'forwarded', { target: 'prices:80' })];
    expect(sandboxCauses(live, candidate, config)).toEqual([
      { kind: 'read_after_live_write', key: 'http GET store:8080/v2/stock/:id', disposition: 'forwarded', status: 200 },
    ]);
    // Live only read from the store: its state is what live read, the forwarded read is fair.
    expect(sandboxCauses([call('GET', '/v1/stock/1', 'live')], candidate, config)).toEqual([]);
  });

  it('is empty for recorded and captured answers, unknown dispositions and no candidate calls', () => {
    expect(sandboxCauses([call('POST', '/a', 'live')], [call('POST', '/a', 'recorded'), call('SEND', '', 'captured'), call('POST', '/b', '')], config)).toEqual(
      [],
    );
    expect(sandboxCauses([call('POST', '/a', 'live')], undefined, config)).toEqual([]);
  });

  it('lists one cause once however many times the candidate made the call', () => {
    const c = call('POST', '/v2/orders/1', 'blocked', { responseStatus: 503 });
    expect(sandboxCauses([], [c, { ...c, path: '/v2/orders/2' }], config)).toHaveLength(1);
  });
});

describe('comparePair: sandbox-induced pairs', () => {
  const blocked = [call('POST', '/v2/orders', 'blocked', { responseStatus: 503 })];
  const live = [call('POST', '/v1/orders', 'live')];

  it('marks a pair whose candidate got a sandbox 503 and answered differently; its side-effect differences stay', () => {
    const r = comparePair(pair(answer({ error: 'upstream 503' }, 502), live, blocked), config);
    expect(r.sandboxInduced).toBe(true);
    expect(r.sandboxCauses.map((c) => c.kind)).toEqual(['sandbox_answer']);
    expect(r.match).toBe(false);
    expect(r.sideEffectDiffs.map((d) => d.kind).sort()).toEqual(['extra_in_candidate', 'missing_in_candidate']);
  });

  it("does not mark a pair whose answer equals live's, nor one without a cause", () => {
    expect(comparePair(pair(answer({ id: 1, stock: 9 }, 201), live, blocked), config).sandboxInduced).toBe(false);
    const noCause = comparePair(pair(answer({ id: 2 }, 201), live, [call('POST', '/v1/orders', 'recorded')]), config);
    expect(noCause.sandboxInduced).toBe(false);
    expect(noCause.sandboxCauses).toEqual([]);
  });

  it('does not mark a candidate that gave no answer at all (its failure is its own)', () => {
    const r = comparePair(pair({ ...answer({}), status: 0, errorKind: 'timeout' }, live, blocked), config);
    expect(r.sandboxCauses).toHaveLength(1);
    expect(r.sandboxInduced).toBe(false);
  });

  it('has no causes when side effects were not collected', () => {
    const r = comparePair({ method: 'GET', path: '/x', live: answer({ a: 1 }), candidate: answer({ a: 2 }) }, config);
    expect(r.sandboxCauses).toEqual([]);
    expect(r.sandboxInduced).toBe(false);
  });
});
