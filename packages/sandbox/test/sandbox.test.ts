// The sandbox against real servers: a real "payments" HTTP server that counts what reaches it, a
// real challenger HTTP server whose handler calls payments while it handles a replayed request
// (through HTTP_PROXY with undici's ProxyAgent, and through the dependency URL), and nodemailer
// sending to the SMTP sink. The test plays the replayer: expect(), send with the shadow headers,
// settle().
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { traceparentFor, type SideEffect } from '@shadow/contracts';
import nodemailer from 'nodemailer';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '@shadow/sandbox';
import { replayTo, startChallenger, startPayments, startSandbox, until, type Propagate, type Via } from './support/servers.js';

const CHALLENGER = 'candidate';

function shadowHeaders(exchangeId: string): Record<string, string> {
  return { 'x-shadow-exchange-id': exchangeId, 'x-shadow-challenger': CHALLENGER, traceparent: traceparentFor(exchangeId, CHALLENGER, 1) };
}

function liveAnswer(method: string, paymentsPort: number, path: string, body: object, status = 201): RecordedCall {
  return {
    method,
    target: `127.0.0.1:${paymentsPort}`,
    path,
    responseStatus: status,
    responseHeaders: { 'content-type': 'application/json', 'x-request-id': 'req_live_1' },
    responseBody: JSON.stringify(body),
  };
}

describe('sandbox: writes never reach the real dependency', () => {
  const cases: { method: string; via: Via; propagate: Propagate }[] = [
    { method: 'POST', via: 'proxy', propagate: 'header' },
    { method: 'POST', via: 'dependency', propagate: 'traceparent' },
    { method: 'POST', via: 'tunnel', propagate: 'header' },
    { method: 'PATCH', via: 'proxy', propagate: 'traceparent' },
    { method: 'PATCH', via: 'dependency', propagate: 'header' },
    { method: 'DELETE', via: 'proxy', propagate: 'header' },
    { method: 'DELETE', via: 'dependency', propagate: 'traceparent' },
  ];

  for (const { method, via, propagate } of cases) {
    it(`${method} via ${via} (correlated by ${propagate}): payments gets nothing, the challenger gets live's recorded answer`, async () => {
      await using payments = await startPayments();
      await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
      await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
      const exchangeId = randomUUID();
      const other = randomUUID();
      const path = method === 'POST' ? '/v1/charges' : '/v1/charges/ch_1';
      // A second replay in flight, so attribution cannot fall back on "the only one in flight".
      rig.sandbox.expect({ exchangeId: other, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
      rig.sandbox.expect({
        exchangeId,
        challengerId: CHALLENGER,
        attempt: 1,
        runId: 'run-7',
        recorded: [liveAnswer(method, payments.port, path, { id: 'ch_1', live: true })],
      });

      const got = await replayTo(challenger.port, shadowHeaders(exchangeId), { via, method, path, propagate });
      rig.sandbox.settle(exchangeId, CHALLENGER, 1);

      expect(got).toMatchObject({ status: 201, body: JSON.stringify({ id: 'ch_1', live: true }) });
      expect(payments.received).toEqual([]);
      await until(() => rig.effects.length === 1, 'one side effect');
      const [effect] = rig.effects as [SideEffect];
      expect(effect).toMatchObject({
        exchangeId,
        origin: CHALLENGER,
        attempt: 1,
        sequence: 0,
        runId: 'run-7',
        dependencyKind: 'http',
        target: `127.0.0.1:${payments.port}`,
        operation: `${method} ${path}`,
        method,
        path,
        mocked: true,
        disposition: 'recorded',
        responseStatus: 201,
      });
      expect(effect.requestSummary.toString()).toBe(JSON.stringify({ amount: 4200, currency: 'eur' }));
      expect(effect.requestHeaders.authorization).toEqual(['[REDACTED]']);
      expect(effect.responseBody.toString()).toBe(JSON.stringify({ id: 'ch_1', live: true }));
      expect(effect.mockedResponse?.toString()).toBe(JSON.stringify({ id: 'ch_1', live: true }));
      expect(rig.sandbox.stats().writes).toEqual({ recorded: 1, stub: 0, blocked: 0, forwarded: 0 });
    });
  }

  it("a write with no recording gets the rule's stub; payments gets nothing", async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({
      dependencies: { payments: `http://127.0.0.1:${payments.port}` },
      rules: [
        { dependency: 'payments', path: '/v1/refunds', methods: ['POST'], action: 'record', stub: { status: 202, body: { id: 're_stub', stubbed: true } } },
      ],
    });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });

    const got = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'proxy', method: 'POST', path: '/v1/refunds' });

    expect(got).toMatchObject({ status: 202, body: JSON.stringify({ id: 're_stub', stubbed: true }) });
    expect(payments.received).toEqual([]);
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({ exchangeId, disposition: 'stub', mocked: true, responseStatus: 202 });
    expect(rig.sandbox.stats().writes.stub).toBe(1);
  });

  it('a write with neither recording nor stub gets a 503 naming the reason and the exchange', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      // Live charged on another path: no match for the challenger's call.
      recorded: [liveAnswer('POST', payments.port, '/v1/payment_intents', { id: 'pi_1' })],
    });

    const got = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'PUT', path: '/v1/customers/cus_1' });

    expect(got.status).toBe(503);
    const reason = JSON.parse(got.body) as { error: string; exchangeId: string };
    expect(reason.error).toMatch(/^shadow sandbox: writes are never forwarded/);
    expect(reason.exchangeId).toBe(exchangeId);
    expect(payments.received).toEqual([]);
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({ exchangeId, disposition: 'blocked', mocked: true, responseStatus: 503, method: 'PUT' });
    expect(rig.sandbox.stats().writes.blocked).toBe(1);
  });

  it("repeated calls get live's answers in order, numbered by sequence", async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 2,
      runId: null,
      recorded: [liveAnswer('POST', payments.port, '/v1/charges', { n: 1 }), liveAnswer('POST', payments.port, '/v1/charges', { n: 2 })],
    });
    const first = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'proxy' });
    const second = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency' });
    expect([first.body, second.body]).toEqual(['{"n":1}', '{"n":2}']);
    await until(() => rig.effects.length === 2, 'two side effects');
    expect(rig.effects.map((e) => [e.sequence, e.attempt])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(payments.received).toEqual([]);
  });

  it('attributes a call without header or traceparent to the only replay in flight; with two in flight it is unattributed but still blocked', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const a = randomUUID();
    const b = randomUUID();
    rig.sandbox.expect({
      exchangeId: a,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [liveAnswer('POST', payments.port, '/v1/charges', { a: true })],
    });
    const single = await replayTo(challenger.port, shadowHeaders(a), { via: 'proxy', propagate: 'none' });
    expect(single.body).toBe('{"a":true}');

    rig.sandbox.expect({ exchangeId: b, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const ambiguous = await replayTo(challenger.port, shadowHeaders(b), { via: 'proxy', propagate: 'none' });
    expect(ambiguous.status).toBe(503);
    await until(() => rig.effects.length === 2, 'two side effects');
    expect(rig.effects.map((e) => e.exchangeId)).toEqual([a, 'unattributed']);
    expect(rig.sandbox.stats()).toMatchObject({ unattributed: 1, writes: { recorded: 1, blocked: 1 } });
    expect(payments.received).toEqual([]);
  });
});

describe('sandbox: reads', () => {
  it('a read with no recording is forwarded to the real dependency', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });

    const viaProxy = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'proxy', method: 'GET', path: '/v1/balance?currency=eur' });
    expect(viaProxy).toMatchObject({ status: 200, body: JSON.stringify({ real: true, n: 1 }) });
    expect(payments.received).toEqual([{ method: 'GET', url: '/v1/balance?currency=eur', body: '' }]);
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({
      exchangeId,
      disposition: 'forwarded',
      mocked: false,
      mockedResponse: null,
      responseStatus: 200,
      path: '/v1/balance?currency=eur',
    });
    expect(rig.effects[0]?.responseBody.toString()).toBe(JSON.stringify({ real: true, n: 1 }));
    expect(rig.sandbox.stats().reads.forwarded).toBe(1);
  });

  it('a read live also made is answered from the recording and not forwarded', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` } });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [liveAnswer('GET', payments.port, '/v1/balance', { available: 10 }, 200)],
    });

    const got = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'GET', path: '/v1/balance' });
    expect(got).toMatchObject({ status: 200, body: '{"available":10}' });
    expect(payments.received).toEqual([]);
    expect(rig.sandbox.stats().reads).toEqual({ recorded: 1, stub: 0, blocked: 0, forwarded: 0 });
  });

  it('forwardReads: false answers reads only from recordings', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${payments.port}` }, forwardReads: false });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const got = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'proxy', method: 'GET', path: '/v1/balance' });
    expect(got.status).toBe(503);
    expect(payments.received).toEqual([]);
  });

  it('a forward rule with allowWrites is the only way a write goes through', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({
      dependencies: { payments: `http://127.0.0.1:${payments.port}` },
      rules: [{ dependency: 'payments', path: '/v1/quotes', action: 'forward', allowWrites: true }],
    });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const quote = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'POST', path: '/v1/quotes' });
    const charge = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'POST', path: '/v1/charges' });
    expect([quote.status, charge.status]).toEqual([200, 503]);
    expect(payments.received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/quotes']);
    expect(payments.received[0]?.body).toBe(JSON.stringify({ amount: 4200, currency: 'eur' }));
  });
});

describe('sandbox: bounds', () => {
  it('caps captured bodies at maxBodyBytes and does not forward a body over maxForwardBodyBytes', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({
      dependencies: { payments: `http://127.0.0.1:${payments.port}` },
      rules: [{ dependency: 'payments', path: '/v1/quotes', action: 'forward', allowWrites: true }],
      maxBodyBytes: 10,
      maxForwardBodyBytes: 20,
    });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [liveAnswer('POST', payments.port, '/v1/charges', { id: 'ch_long_answer' })],
    });
    const recorded = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'POST', path: '/v1/charges' });
    const tooLarge = await replayTo(challenger.port, shadowHeaders(exchangeId), { via: 'dependency', method: 'POST', path: '/v1/quotes' });
    expect(recorded.body).toBe('{"id":"ch_long_answer"}');
    expect(tooLarge.status).toBe(503);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: expect.stringContaining('maxForwardBodyBytes') });
    expect(payments.received).toEqual([]);
    await until(() => rig.effects.length === 2, 'two side effects');
    const [first] = rig.effects as [SideEffect];
    expect(first.requestSummary.toString()).toBe('{"amount":');
    expect(first.responseBody.toString()).toBe('{"id":"ch_');
  });
});

describe('sandbox: CONNECT', () => {
  it('refuses HTTPS through the proxy (recorded as blocked) unless a rule allows the tunnel', async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({
      challengers: [CHALLENGER],
      rules: [{ host: 'localhost', action: 'forward', tunnel: true }],
    });
    await using challenger = await startChallenger(rig.sandbox, CHALLENGER, payments.port);
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });

    // https on 443: refused before any byte flows (nothing listens on 127.0.0.1:443 here; it is never dialled).
    const refused = await replayTo(challenger.port, shadowHeaders(exchangeId), {
      via: 'tunnel',
      method: 'GET',
      origin: 'https://127.0.0.1',
      path: '/v1/balance',
    });
    expect(refused.status).toBe(0);
    expect(refused.error).toMatch(/503/);

    // https on another port: the tunnel is accepted for inspection, the first byte is a TLS
    // handshake, so it is closed; payments (plain HTTP on that port) is never dialled.
    const sniffed = await replayTo(challenger.port, shadowHeaders(exchangeId), {
      via: 'tunnel',
      method: 'POST',
      origin: `https://127.0.0.1:${payments.port}`,
      path: '/v1/charges',
    });
    expect(sniffed.status).toBe(0);
    expect(payments.received).toHaveLength(0);

    // A rule allows tunnelling to "localhost": the tunnel is opened and recorded with what is known.
    const tunnelled = await replayTo(challenger.port, shadowHeaders(exchangeId), {
      via: 'tunnel',
      method: 'GET',
      origin: `http://localhost:${payments.port}`,
      path: '/v1/balance',
    });
    expect(tunnelled.status).toBe(200);
    expect(payments.received).toHaveLength(1);
    await rig.sandbox.close();
    await until(() => rig.effects.length === 3, 'three side effects');
    const [blocked, closed, opened] = rig.effects as [SideEffect, SideEffect, SideEffect];
    expect(blocked).toMatchObject({ exchangeId, method: 'CONNECT', target: '127.0.0.1:443', disposition: 'blocked', responseStatus: 503 });
    expect(closed).toMatchObject({ exchangeId, method: 'CONNECT', target: `127.0.0.1:${payments.port}`, disposition: 'blocked', responseStatus: 0 });
    expect(opened).toMatchObject({
      exchangeId,
      method: 'CONNECT',
      target: `localhost:${payments.port}`,
      disposition: 'forwarded',
      mocked: false,
      responseStatus: 200,
    });
    expect(JSON.parse(opened.requestSummary.toString())).toMatchObject({ tunnel: `localhost:${payments.port}` });
    expect(rig.sandbox.stats().tunnels).toEqual({ opened: 1, refused: 2 });
  });
});

describe('sandbox: SMTP sink', () => {
  it('accepts an e-mail, records it as a side effect of its exchange and delivers nothing', async () => {
    await using rig = await startSandbox({});
    const smtp = rig.sandbox.endpoints(CHALLENGER).smtp;
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: 'run-1', recorded: [] });
    rig.sandbox.expect({ exchangeId: randomUUID(), challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, auth: { user: 'mailer', pass: 'secret' } });
    try {
      const info = await transport.sendMail({
        from: 'shop@example.com',
        to: ['alice@customer.test', 'bob@other.test'],
        bcc: 'audit@customer.test',
        subject: 'Your order',
        text: 'Thanks for your order 1234',
        headers: { 'X-Shadow-Exchange-Id': exchangeId },
      });
      expect(info.accepted).toEqual(['alice@customer.test', 'bob@other.test', 'audit@customer.test']);
      expect(info.response).toMatch(/^250 .*not delivered/);
    } finally {
      transport.close();
    }
    await until(() => rig.effects.length === 1, 'one side effect');
    const effect = rig.effects[0] as SideEffect;
    expect(effect).toMatchObject({
      exchangeId,
      origin: CHALLENGER,
      attempt: 1,
      sequence: 0,
      runId: 'run-1',
      dependencyKind: 'email',
      target: 'customer.test,other.test',
      operation: 'send',
      method: 'SMTP',
      disposition: 'captured',
      mocked: true,
      responseStatus: 250,
    });
    expect(effect.requestHeaders.subject).toEqual(['Your order']);
    expect(effect.requestHeaders[':rcpt-to']).toEqual(['alice@customer.test', 'bob@other.test', 'audit@customer.test']);
    expect(effect.requestSummary.toString()).toContain('Thanks for your order 1234');
    expect(rig.sandbox.stats().emailsCaptured).toBe(1);
  });
});

describe('sandbox: answers', () => {
  it("replays live's headers, minus hop-by-hop and the tap's redaction placeholders", async () => {
    await using rig = await startSandbox({ dependencies: { payments: 'http://payments.invalid:8080' } });
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [
        {
          method: 'POST',
          target: 'payments.invalid:8080',
          path: '/v1/charges',
          responseStatus: 201,
          responseHeaders: {
            'content-type': ['application/json'],
            'set-cookie': ['[REDACTED]'],
            'x-request-id': ['req_9'],
            connection: ['close'],
            'content-length': ['999'],
          },
          responseBody: Buffer.from('{"id":"ch_9"}'),
        },
      ],
    });
    const r = await request(`${rig.sandbox.endpoints(CHALLENGER).dependencyUrl('payments')}/v1/charges`, {
      method: 'POST',
      headers: { 'x-shadow-exchange-id': exchangeId },
      body: '{}',
    });
    expect(r.statusCode).toBe(201);
    expect(await r.body.text()).toBe('{"id":"ch_9"}');
    expect(r.headers['x-request-id']).toBe('req_9');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['content-length']).toBe('13');
    expect(r.headers['x-shadow-sandbox']).toBeUndefined();
  });

  it("resets the challenger's connection when live got no answer", async () => {
    await using rig = await startSandbox({ dependencies: { payments: 'http://payments.invalid:8080' } });
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [{ method: 'POST', target: 'payments.invalid:8080', path: '/v1/charges', responseStatus: 0, responseHeaders: {}, responseBody: null }],
    });
    await expect(
      request(`${rig.sandbox.endpoints(CHALLENGER).dependencyUrl('payments')}/v1/charges`, {
        method: 'POST',
        headers: { 'x-shadow-exchange-id': exchangeId },
        body: '{}',
      }),
    ).rejects.toThrow();
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({ exchangeId, disposition: 'recorded', responseStatus: 0 });
  });

  it('refuses a WebSocket upgrade and records it as blocked', async () => {
    await using rig = await startSandbox({ dependencies: { payments: 'http://payments.invalid:8080' } });
    const exchangeId = randomUUID();
    rig.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const url = new URL(`${rig.sandbox.endpoints(CHALLENGER).dependencyUrl('payments')}/v1/stream`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'x-shadow-exchange-id': exchangeId },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(503);
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({ exchangeId, disposition: 'blocked', target: 'payments.invalid:8080', path: '/v1/stream' });
  });
});

describe('sandbox: control calls', () => {
  it("endpoints name the challenger's own listener; unknown challengers and dependencies are refused", async () => {
    await using rig = await startSandbox({ challengers: ['a', 'b'], dependencies: { payments: 'http://payments:8080/api' } });
    const a = rig.sandbox.endpoints('a');
    const b = rig.sandbox.endpoints('b');
    expect(a.httpProxyUrl).not.toBe(b.httpProxyUrl);
    expect(a.dependencyUrl('payments')).toBe(`${a.httpProxyUrl}/__dep/payments`);
    expect(() => a.dependencyUrl('ledger')).toThrow(expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT' }));
    expect(() => rig.sandbox.endpoints('c')).toThrow(expect.objectContaining({ code: 'SANDBOX_UNKNOWN_CHALLENGER' }));
    expect(() => rig.sandbox.expect({ exchangeId: 'x', challengerId: 'c', attempt: 1, runId: null, recorded: [] })).toThrow(
      expect.objectContaining({ code: 'SANDBOX_UNKNOWN_CHALLENGER' }),
    );
    // A request to the sandbox that names no dependency is answered 503 and recorded.
    const r = await request(`${a.httpProxyUrl}/v1/charges`, { method: 'POST', body: '{}' });
    expect(r.statusCode).toBe(503);
    expect(await r.body.text()).toMatch(/not a proxy request/);
    await until(() => rig.effects.length === 1, 'one side effect');
    expect(rig.effects[0]).toMatchObject({ origin: 'a', exchangeId: 'unattributed', disposition: 'blocked' });
  });

  it('fails start-up naming the port when a listener cannot bind', async () => {
    await using first = await startSandbox({});
    const port = Number(new URL(first.sandbox.endpoints(CHALLENGER).httpProxyUrl).port);
    await expect(startSandbox({ challengers: ['w', { id: 'x', httpPort: port }] })).rejects.toMatchObject({
      code: 'SANDBOX_LISTEN_FAILED',
      message: expect.stringContaining(`challengers[1].httpPort: cannot listen on 127.0.0.1:${port} for challenger x's HTTP listener`),
      problems: [{ field: 'challengers[1].httpPort', message: expect.stringContaining('EADDRINUSE') }],
    });
  });
});
