// The plain JSON judge against real HTTP servers: what is sent, what is accepted, and what becomes
// `error` (garbage, a judge that hangs, statuses) without a verdict either way.
import { describe, expect, it } from 'vitest';
import { pair, makeJudges, side } from './support/judges.js';
import { startJudgeServer, tableJudge } from './support/servers.js';

const TABLE = {
  '"Paris is the capital of France."': { verdict: 'equal', score: 0.96, reason: 'same fact, reworded' },
  '"Berlin is the capital of France."': { verdict: 'different', score: 0.1, reason: 'names another city' },
};

describe('http judge', () => {
  it('POSTs {exchangeId, method, route, path, live, candidate, secondary} with the configured headers and lands the verdict', async () => {
    await using server = await startJudgeServer(tableJudge(TABLE));
    await using judges = makeJudges(
      {
        facts: { type: 'http', url: server.url, headers: { authorization: { env: 'JUDGE_TOKEN', prefix: 'Bearer ' }, 'x-team': { value: 'search' } } },
      },
      { JUDGE_TOKEN: 'tok-1' },
    );
    const live = 'The capital of France is Paris.';
    const request = pair(live, 'Paris is the capital of France.', { secondary: side("France's capital is Paris.") });
    const equal = await judges.get('facts').judge(request);
    expect(equal).toMatchObject({
      judgeId: 'facts',
      verdict: 'equal',
      score: 0.96,
      reason: 'same fact, reworded',
      kind: null,
      cached: false,
      tokens: 0,
      audit: null,
    });
    expect(equal.latencyMs).toBeGreaterThanOrEqual(0);
    const different = await judges.get('facts').judge(pair(live, 'Berlin is the capital of France.'));
    expect(different).toMatchObject({ verdict: 'different', score: 0.1, reason: 'names another city' });

    expect(server.received).toHaveLength(2);
    const [first] = server.received;
    expect(first?.method).toBe('POST');
    expect(first?.headers).toMatchObject({ authorization: 'Bearer tok-1', 'x-team': 'search', 'content-type': 'application/json' });
    expect(first?.body).toEqual({
      exchangeId: request.exchangeId,
      method: 'POST',
      route: '/answer',
      path: '$.text',
      live: { status: 200, contentType: 'application/json', value: live },
      candidate: { status: 200, contentType: 'application/json', value: 'Paris is the capital of France.' },
      secondary: { status: 200, contentType: 'application/json', value: "France's capital is Paris." },
    });
    expect(server.received[1]?.body).not.toHaveProperty('secondary');
  });

  it.each([
    ['HTML', '<html><body>Bad gateway</body></html>', /^bad_answer: the judge's answer: not JSON .*<html>/],
    ['an empty body', '', /^bad_answer: the judge's answer: not JSON/],
    ['a verdict outside the format', { verdict: 'mostly_equal' }, /"verdict" must be "equal" or "different", got "mostly_equal"/],
    ['a score as text', { verdict: 'equal', score: 'high' }, /"score" must be a finite number, got "high"/],
    ['extra fields', { verdict: 'equal', confidence: 0.9 }, /unexpected field "confidence"/],
  ])('turns garbage (%s) into error with the reason, and does not retry it', async (_name, body, why) => {
    await using server = await startJudgeServer(() => ({ body }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url } });
    const result = await judges.get('j').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'bad_answer', score: null, cached: false });
    expect(result.reason).toMatch(why);
    expect(server.received).toHaveLength(1);
  });

  it('turns a judge that hangs into error (timeout) without retrying, and does not cache it', async () => {
    await using server = await startJudgeServer(() => 'hang');
    await using judges = makeJudges({ j: { type: 'http', url: server.url, timeoutMs: 300 } });
    const request = pair('a', 'b');
    const result = await judges.get('j').judge(request);
    expect(result).toMatchObject({ verdict: 'error', kind: 'timeout', reason: 'timeout: no answer within 300 ms', cached: false });
    expect(server.received).toHaveLength(1);
    const again = await judges.get('j').judge(request);
    expect(again).toMatchObject({ verdict: 'error', cached: false });
    expect(server.received).toHaveLength(2);
  });

  it('stops at the deadline of the whole judgement, retries included', async () => {
    await using server = await startJudgeServer(() => ({ status: 503, headers: { 'retry-after': '1' } }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, timeoutMs: 500, deadlineMs: 1500, retries: { max: 10 } } });
    const result = await judges.get('j').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'http_status' });
    expect(result.reason).toMatch(/^http_status: HTTP 503; the next attempt \(in 1000 ms, Retry-After\) would pass the deadline/);
    expect(server.received.length).toBeLessThanOrEqual(2);
  });

  it('does not retry a request the judge refuses (HTTP 400), and says what it answered', async () => {
    await using server = await startJudgeServer(() => ({ status: 400, body: { message: 'live is required' } }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url } });
    const result = await judges.get('j').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'http_status', reason: 'http_status: HTTP 400: {"message":"live is required"}' });
    expect(server.received).toHaveLength(1);
  });

  it('retries 429 after the Retry-After the judge asked for, then lands the verdict', async () => {
    await using server = await startJudgeServer((_r, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } } : { body: { verdict: 'equal' } },
    );
    await using judges = makeJudges({ j: { type: 'http', url: server.url, retries: { initialDelayMs: 1, maxDelayMs: 1 } } });
    const result = await judges.get('j').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'equal', kind: null });
    expect(server.received).toHaveLength(2);
    // Retry-After (1 s) wins over the configured 1 ms backoff.
    const [first, second] = server.received;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    const calls = judges.events.filter((e) => e.type === 'call');
    expect(calls.map((e) => [e.status, e.outcome, e.failure])).toEqual([
      [429, 'retry', 'rate_limited'],
      [200, 'ok', null],
    ]);
  });

  it('retries 5xx and a connection reset with backoff, and gives up after retries.max with the last reason', async () => {
    await using flaky = await startJudgeServer((_r, i) => (i === 0 ? { status: 502 } : i === 1 ? 'reset' : { body: { verdict: 'different' } }));
    await using judges = makeJudges({
      flaky: { type: 'http', url: flaky.url, retries: { max: 3, initialDelayMs: 20, maxDelayMs: 50 } },
    });
    expect(await judges.get('flaky').judge(pair('a', 'b'))).toMatchObject({ verdict: 'different' });
    expect(flaky.received).toHaveLength(3);

    await using down = await startJudgeServer(() => ({ status: 503, body: 'overloaded' }));
    await using judges2 = makeJudges({ down: { type: 'http', url: down.url, retries: { max: 2, initialDelayMs: 10, maxDelayMs: 20 } } });
    const result = await judges2.get('down').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'http_status', reason: 'http_status: HTTP 503: overloaded (after 3 attempts)' });
    expect(down.received).toHaveLength(3);
  });

  it('reports a judge nobody listens on as error (network) after its retries', async () => {
    const server = await startJudgeServer(() => ({ body: { verdict: 'equal' } }));
    const url = server.url;
    await server[Symbol.asyncDispose]();
    await using judges = makeJudges({ j: { type: 'http', url, retries: { max: 1, initialDelayMs: 10, maxDelayMs: 10 } } });
    const result = await judges.get('j').judge(pair('a', 'b'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'network' });
    expect(result.reason).toMatch(/^network: .*ECONNREFUSED.*\(after 2 attempts\)$/);
  });

  it('refuses an answer larger than maxResponseBytes as bad_answer', async () => {
    await using server = await startJudgeServer(() => ({ body: { verdict: 'equal', reason: 'x'.repeat(5000) } }));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, maxResponseBytes: 1024 } });
    expect(await judges.get('j').judge(pair('a', 'b'))).toMatchObject({
      verdict: 'error',
      kind: 'bad_answer',
      reason: 'bad_answer: the answer is larger than maxResponseBytes (1024)',
    });
  });

  it('does not send a request larger than maxRequestBytes (not_run too_large), and the server sees nothing', async () => {
    await using server = await startJudgeServer(tableJudge(TABLE));
    await using judges = makeJudges({ j: { type: 'http', url: server.url, maxRequestBytes: 2048 } });
    expect(await judges.get('j').judge(pair('a', 'b'.repeat(4096)))).toMatchObject({ verdict: 'not_run', reason: 'too_large', kind: 'too_large' });
    expect(server.received).toHaveLength(0);
  });

  it('after close(), judges nothing more (not_run closed) and the server sees nothing', async () => {
    await using server = await startJudgeServer(tableJudge(TABLE));
    const judges = makeJudges({ j: { type: 'http', url: server.url } });
    await judges.close();
    expect(await judges.get('j').judge(pair('a', 'b'))).toMatchObject({ verdict: 'not_run', reason: 'closed' });
    expect(server.received).toHaveLength(0);
    expect(() => judges.get('nobody')).toThrow(expect.objectContaining({ code: 'JUDGE_UNKNOWN_JUDGE' }));
  });
});
