// Regression: every sandbox answer carried `x-shadow-sandbox: <disposition>`; a challenger that
// passes its dependency's response headers on to its own client (a gateway, a BFF) handed it to the
// replayer, so every pair differed on it. A real gateway-like challenger is run twice, once calling
// the real dependency (what live does) and once through the sandbox: its client gets the same header
// names either way, and no answer the sandbox gives (recorded, stub, blocked, refused, forwarded,
// failed forward) carries a header of the sandbox's own. The disposition is in the SideEffect.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { listen, startPayments, startSandbox, until } from './support/servers.js';

const CHALLENGER = 'candidate';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length']);

/** A challenger that answers its client with its dependency's status, headers and body, as received. */
async function startGateway(dependencyBase: () => string): Promise<AsyncDisposable & { port: number }> {
  return listen((req, res) => {
    void (async () => {
      const upstream = await request(`${dependencyBase()}${req.url ?? '/'}`, {
        method: (req.method ?? 'GET') as 'GET',
        headers: { 'x-shadow-exchange-id': String(req.headers['x-shadow-exchange-id'] ?? '') },
        body: req.method === 'GET' ? null : '{"amount":1}',
      });
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      const body = Buffer.from(await upstream.body.arrayBuffer());
      res.writeHead(upstream.statusCode, headers).end(body);
    })().catch(() => res.destroy());
  });
}

async function callGateway(port: number, method: string, path: string, exchangeId: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const r = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', headers: { 'x-shadow-exchange-id': exchangeId } });
  await r.body.dump();
  return { status: r.statusCode, headers: r.headers as IncomingHttpHeaders };
}

function names(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers)
    .filter((n) => n !== 'date')
    .sort();
}

describe("sandbox answers carry no header of the sandbox's own", () => {
  it("a gateway challenger's client sees the same header names through the sandbox as live does with the real dependency", async () => {
    await using payments = await startPayments();
    await using rig = await startSandbox({
      dependencies: { payments: `http://127.0.0.1:${payments.port}` },
      rules: [
        {
          dependency: 'payments',
          path: '/v1/refunds',
          action: 'record',
          stub: { status: 202, headers: { 'content-type': 'application/json' }, body: { stub: true } },
        },
        { dependency: 'payments', path: '/v1/private/**', action: 'block' },
      ],
      smtp: false,
    });
    let base = `http://127.0.0.1:${payments.port}`;
    await using gateway = await startGateway(() => base);

    // Live: the gateway calls the real dependency.
    const liveRead = await callGateway(gateway.port, 'GET', '/v1/balance', randomUUID());
    const liveWrite = await callGateway(gateway.port, 'POST', '/v1/charges', randomUUID());
    expect([liveRead.status, liveWrite.status]).toEqual([200, 200]);

    // Shadow: the same gateway through the sandbox; live's write answer is the recording.
    base = rig.sandbox.endpoints(CHALLENGER).dependencyUrl('payments');
    const exchangeId = randomUUID();
    rig.sandbox.expect({
      exchangeId,
      challengerId: CHALLENGER,
      attempt: 1,
      runId: null,
      recorded: [
        {
          method: 'POST',
          target: `127.0.0.1:${payments.port}`,
          path: '/v1/charges',
          responseStatus: 200,
          responseHeaders: { 'content-type': ['application/json'] },
          responseBody: '{"real":true}',
        },
      ],
    });
    const forwarded = await callGateway(gateway.port, 'GET', '/v1/balance', exchangeId);
    const recorded = await callGateway(gateway.port, 'POST', '/v1/charges', exchangeId);
    const stub = await callGateway(gateway.port, 'POST', '/v1/refunds', exchangeId);
    const blocked = await callGateway(gateway.port, 'GET', '/v1/private/keys', exchangeId);
    const refused = await callGateway(gateway.port, 'GET', '/v1/a%2fb', exchangeId);
    await until(() => rig.effects.length === 5, 'five side effects');
    expect(rig.effects.map((e) => [e.disposition, e.responseStatus])).toEqual([
      ['forwarded', 200],
      ['recorded', 200],
      ['stub', 202],
      ['blocked', 503],
      ['blocked', 400],
    ]);

    expect(names(forwarded.headers)).toEqual(names(liveRead.headers));
    expect(names(recorded.headers)).toEqual(names(liveWrite.headers));
    for (const answer of [forwarded, recorded, stub, blocked, refused]) {
      expect(Object.keys(answer.headers).filter((n) => n.startsWith('x-shadow'))).toEqual([]);
    }
  });

  it('a failed forward (the dependency is down) carries no sandbox header either', async () => {
    const down = await listen(() => undefined);
    const port = down.port;
    await down[Symbol.asyncDispose]();
    await using rig = await startSandbox({ dependencies: { payments: `http://127.0.0.1:${port}` }, smtp: false });
    const r = await request(`${rig.sandbox.endpoints(CHALLENGER).dependencyUrl('payments')}/v1/balance`);
    expect(r.statusCode).toBe(502);
    await r.body.dump();
    expect(Object.keys(r.headers).filter((n) => n.startsWith('x-shadow'))).toEqual([]);
  });
});
