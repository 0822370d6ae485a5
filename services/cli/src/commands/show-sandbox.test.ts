// `shadow show` says when a pair is sandbox-induced and why (issue 17), from pairDetail's fields.
import type { PairDetail, PairSide } from '@shadow/analysis';
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import { renderShowText } from './show.js';

const body = { text: null, size: 10, cut: false, hash: 'abcd' };

function side(over: Partial<PairSide>): PairSide {
  return {
    challengerId: 'gw-v2',
    challengerName: null,
    role: 'candidate',
    runId: 'r1',
    attempt: 1,
    joinedMs: 0,
    replayMs: 0,
    live: { status: 201, latencyMs: 10, body },
    candidate: { status: 502, latencyMs: 12, errorKind: null, body },
    agree: false,
    realAgree: false,
    match: { status: false, headers: true, body: false, sideEffects: false },
    bodiesKept: false,
    differences: [{ path: 'status', kind: 'changed', noise: false, sandboxInduced: true, liveValue: '201', candidateValue: '502' }],
    sideEffects: { live: 1, candidate: 1, differences: [] },
    comparator: 'json',
    verdict: 'disagree',
    score: null,
    judge: null,
    sandboxInduced: false,
    sandboxCauses: [],
    ...over,
  };
}

const detail = (s: PairSide): PairDetail => ({ exchangeId: 'ex-1', exchange: null, pairs: [s], unmatched: [] });

describe('renderShowText: sandbox-induced pairs', () => {
  const colors = picocolors.createColors(false);

  it('names the causes of a sandbox-induced pair', () => {
    const text = renderShowText(
      detail(
        side({
          sandboxInduced: true,
          sandboxCauses: [
            { kind: 'sandbox_answer', key: 'http POST store:8080/v2/orders', disposition: 'blocked', status: 503 },
            { kind: 'read_after_live_write', key: 'http GET store:8080/v2/stock/:id', disposition: 'forwarded', status: 200 },
          ],
        }),
      ),
      colors,
      120,
    );
    expect(text).toContain(
      "sandbox-induced: its status, header and body differences are not counted (docs/compare.md); answered by the sandbox http POST store:8080/v2/orders (blocked 503); read forwarded after live's write http GET store:8080/v2/stock/:id (forwarded 200)",
    );
  });

  it('says nothing of the sandbox for another pair', () => {
    expect(renderShowText(detail(side({})), colors, 120)).not.toContain('sandbox-induced');
  });
});
