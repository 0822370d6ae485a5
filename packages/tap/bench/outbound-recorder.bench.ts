// CPU time per request of a tapped node:http service with the outbound recorder off and on, with
// a handler that makes no outbound call and one that makes one fetch to a local dependency. The
// recorder's costs are process-wide (AsyncLocalStorage propagation, channel subscribers, the
// ClientRequest methods), so every variant runs in its own child process; client, dependency and
// service share that process, so the differences between variants are the tap's and recorder's
// cost. Rotating rounds, medians printed. Noisy on a shared machine: compare variants of one run.
// Run:
//   corepack pnpm exec vitest bench --run packages/tap/bench/outbound-recorder.bench.ts
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { createTap, type ExchangeTransport, type TransportStats } from '@shadow/tap';
import { wrapHandler } from '@shadow/tap/node';

type Variant = 'no tap' | 'tap, recorder off' | 'tap, recorder on';
const VARIANTS: readonly Variant[] = ['no tap', 'tap, recorder off', 'tap, recorder on'];
const CALLS = [0, 1] as const;
const REQUESTS = 2000;
const ROUNDS = 3;

const stats: TransportStats = {
  enqueued: 0,
  sent: 0,
  dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
  queueDepth: 0,
  queueBytes: 0,
  sentBytes: 0,
};
const nullTransport: ExchangeTransport = {
  enabled: true,
  offer: () => true,
  stats: () => stats,
  start: () => Promise.resolve(),
  close: () => Promise.resolve(stats),
};

/** One child: serves REQUESTS requests (8 concurrent) and prints CPU µs per request. */
async function child(variant: Variant, calls: number): Promise<void> {
  const dependency = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"id":"ch_1","status":"paid"}'));
  });
  dependency.listen(0, '127.0.0.1');
  await once(dependency, 'listening');
  const depUrl = `http://127.0.0.1:${(dependency.address() as AddressInfo).port}/v1/charges`;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      if (calls === 0) {
        res.end('ok');
        return;
      }
      void fetch(depUrl, { method: 'POST', body: '{"amount":4200}', headers: { 'content-type': 'application/json' } })
        .then((r) => r.text())
        .then((text) => res.end(text));
    });
  };
  const tap =
    variant === 'no tap'
      ? null
      : createTap({ service: 'b', environment: 'bench', transport: nullTransport, outbound: { enabled: variant === 'tap, recorder on' } });
  const server = createServer(tap === null ? handler : wrapHandler(tap, handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/checkout', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"order":1}');
    });
  const run = async (n: number): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: 8 }, one));
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.cpuUsage(before);
    return (used.user + used.system) / n;
  };
  await run(500); // warm-up
  const us = await run(REQUESTS);
  if (tap !== null && calls > 0 && variant === 'tap, recorder on' && (tap.stats().outboundCalls ?? 0) < REQUESTS) {
    throw new Error(`recorder on but only ${tap.stats().outboundCalls ?? 0} calls recorded`);
  }
  process.stdout.write(`${us}\n`);
  agent.destroy();
  server.closeAllConnections();
  server.close();
  dependency.closeAllConnections();
  dependency.close();
  await tap?.close();
}

function measure(): void {
  const self = fileURLToPath(import.meta.url);
  for (const calls of CALLS) {
    const samples = VARIANTS.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (let v = 0; v < VARIANTS.length; v++) {
        const index = (v + round) % VARIANTS.length;
        const out = execFileSync(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', self], {
          env: { ...process.env, OUTBOUND_BENCH_CHILD: JSON.stringify({ variant: VARIANTS[index], calls }) },
          encoding: 'utf8',
        });
        samples[index]?.push(Number(out.trim().split('\n').pop()));
      }
    }
    const medians = samples.map((s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] as number);
    const base = medians[0] as number;
    console.log(`\nhandler making ${calls} fetch call(s): CPU µs per request (median of ${ROUNDS} child processes x ${REQUESTS} requests, 8 concurrent)`);
    VARIANTS.forEach((name, i) => {
      const m = medians[i] as number;
      console.log(`  ${name.padEnd(20)} ${m.toFixed(1).padStart(7)} µs  (+${(m - base).toFixed(1)} µs, x${(m / base).toFixed(2)})`);
    });
  }
}

const childSpec = process.env['OUTBOUND_BENCH_CHILD'];
if (childSpec !== undefined) {
  const { variant, calls } = JSON.parse(childSpec) as { variant: Variant; calls: number };
  await child(variant, calls);
} else {
  let measured = false;
  describe('outbound recorder CPU cost per request', () => {
    bench(
      'measure (figures printed above)',
      () => {
        if (!measured) {
          measured = true;
          measure();
        }
      },
      { iterations: 1, warmupIterations: 0, time: 0 },
    );
  });
}
