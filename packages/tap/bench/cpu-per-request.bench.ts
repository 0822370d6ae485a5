// CPU time per request on a plain node:http server (client and server in this process; the
// client's share is the same for every variant, so the differences are the tap's cost: wrappers,
// body copies, record build and redaction after the response). The transport is a no-op, so this
// is the capture side only. Variants run in rotating rounds; medians are printed. Noisy on a
// shared machine: compare variants of one run, not runs. Run:
//   corepack pnpm exec vitest bench --run packages/tap/bench
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bench, describe } from 'vitest';
import { createTap, type ExchangeTransport, type Tap, type TransportStats } from '@shadow/tap';
import { wrapHandler } from '@shadow/tap/node';

const stats: TransportStats = {
  enqueued: 0,
  sent: 0,
  dropped: { queue_full: 0, paused: 0, closed: 0, encode_error: 0, send_failed: 0 },
  queueDepth: 0,
  queueBytes: 0,
  sentBytes: 0,
};
const nullTransport = (enabled: boolean): ExchangeTransport => ({
  enabled,
  offer: () => true,
  stats: () => stats,
  start: () => Promise.resolve(),
  close: () => Promise.resolve(stats),
});
const tap = (extra: object = {}, enabled = true): Tap => createTap({ service: 'b', environment: 'bench', transport: nullTransport(enabled), ...extra });

function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
    res.end(Buffer.concat(chunks));
  });
}

const BODIES = {
  '1 KB JSON': { body: Buffer.from(JSON.stringify({ user: { email: 'a@b.c', name: 'x'.repeat(900) }, items: [{ ssn: '1' }] })), type: 'application/json' },
  '64 KB binary': { body: Buffer.alloc(64 * 1024, 7), type: 'application/octet-stream' },
};

const VARIANTS: [string, Tap | null][] = [
  ['no tap', null],
  ['paused', tap({}, false)],
  ['sampled out', tap({ sampling: { rate: 0 } })],
  ['captured', tap()],
  ['captured + JSON redaction', tap({ redaction: { jsonPaths: ['$.user.email', 'items[*].ssn'] } })],
];

async function measure(): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const [, t] of VARIANTS) {
    const server = createServer(t === null ? handler : wrapHandler(t, handler));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  const one = (port: number, body: Buffer, type: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/p',
          agent,
          headers: { 'content-type': type, 'content-length': body.length, authorization: 'Bearer x' },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const run = async (port: number, body: Buffer, type: string, n: number): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: 8 }, () => one(port, body, type)));
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.cpuUsage(before);
    return (used.user + used.system) / n;
  };
  for (const [label, { body, type }] of Object.entries(BODIES)) {
    const samples = VARIANTS.map(() => [] as number[]);
    for (let round = 0; round < 7; round++) {
      for (let v = 0; v < VARIANTS.length; v++) {
        const index = (v + round) % VARIANTS.length;
        const us = await run(ports[index] as number, body, type, 2000);
        if (round > 0) samples[index]?.push(us);
      }
    }
    const medians = samples.map((s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] as number);
    const base = medians[0] as number;
    console.log(`\n${label}: CPU µs per request (median of 6 rounds x 2000 requests, 8 concurrent)`);
    VARIANTS.forEach(([name], i) => {
      const m = medians[i] as number;
      console.log(`  ${name.padEnd(28)} ${m.toFixed(1).padStart(7)} µs  (+${(m - base).toFixed(1)} µs, x${(m / base).toFixed(2)})`);
    });
  }
  agent.destroy();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
}

// tinybench calls the task more than once even with iterations: 1; the figures are printed once.
let measured: Promise<void> | null = null;
describe('tap CPU cost per request', () => {
  bench('measure (figures printed above)', () => (measured ??= measure()), { iterations: 1, warmupIterations: 0, time: 0 });
});
