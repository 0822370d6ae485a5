// What the sandbox costs a challenger per outbound write: the same POST load (concurrency 32, 1 KB
// body) against a plain node:http server answering directly, and against the sandbox answering
// live's recorded answer (through the dependency URL, and through the proxy in absolute-form).
// Each call carries x-shadow-exchange-id of one of 1 000 registered replays. Prints req/s and
// latency quantiles; nothing is asserted. Run:
//   node --conditions=@shadow/source --import tsx packages/sandbox/bench/sandbox.bench.ts [seconds]
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import { createSandbox } from '@shadow/sandbox';

const seconds = Number(process.argv[2] ?? 3);
const CONCURRENCY = 32;
const answer = JSON.stringify({ id: 'ch_1', status: 'succeeded', amount: 4200, currency: 'eur', metadata: { order: '1234' } });
const body = JSON.stringify({ amount: 4200, currency: 'eur', description: 'x'.repeat(950) });

const direct = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(answer);
  });
});
direct.listen(0, '127.0.0.1');
await once(direct, 'listening');
const directPort = (direct.address() as AddressInfo).port;

let effects = 0;
const sandbox = createSandbox({
  challengers: ['bench'],
  dependencies: { payments: `http://127.0.0.1:${directPort}` },
  onSideEffect: () => {
    effects++;
  },
});
await sandbox.start();
const ids = Array.from({ length: 1000 }, () => randomUUID());
for (const exchangeId of ids) {
  sandbox.expect({
    exchangeId,
    challengerId: 'bench',
    attempt: 1,
    runId: null,
    recorded: [
      {
        method: 'POST',
        target: `127.0.0.1:${directPort}`,
        path: '/v1/charges',
        responseStatus: 201,
        responseHeaders: { 'content-type': ['application/json'] },
        responseBody: answer,
      },
    ],
  });
}
const endpoints = sandbox.endpoints('bench');

async function run(label: string, url: string, dispatcher: Dispatcher): Promise<void> {
  const latencies: number[] = [];
  let n = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await dispatcher.request({
          origin: new URL(url).origin,
          path: new URL(url).pathname,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-shadow-exchange-id': ids[n++ % ids.length] as string },
        });
        await r.body.text();
        if (r.statusCode !== 201) failed++;
      } catch {
        failed++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
  console.log(`${label.padEnd(28)} ${(latencies.length / elapsed).toFixed(0).padStart(7)} req/s  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  failed ${failed}`);
}

const directPool = new Pool(`http://127.0.0.1:${directPort}`, { connections: CONCURRENCY });
const sandboxPool = new Pool(endpoints.httpProxyUrl, { connections: CONCURRENCY });
const proxy = new ProxyAgent({ uri: endpoints.httpProxyUrl, proxyTunnel: false, connections: CONCURRENCY });

await run('warm-up (direct)', `http://127.0.0.1:${directPort}/v1/charges`, directPool);
await run('direct (no sandbox)', `http://127.0.0.1:${directPort}/v1/charges`, directPool);
await run('sandbox, dependency URL', `${endpoints.dependencyUrl('payments')}/v1/charges`, sandboxPool);
await run('sandbox, proxy absolute-form', `http://127.0.0.1:${directPort}/v1/charges`, proxy);
console.log(`side effects emitted: ${effects}; stats: ${JSON.stringify(sandbox.stats().writes)}`);

await Promise.all([directPool.close(), sandboxPool.close(), proxy.close()]);
await sandbox.close();
direct.closeAllConnections();
direct.close();
