// The small challenger of test/bench/replay-throughput.ts, in its own process so neither the load
// generator nor the replayer shares its event loop. Answers every request with a small JSON body and
// records, per request carrying x-shadow-exchange-id, when it arrived (performance.now, ms). IPC:
// `stats` -> { count, firstMs, lastMs }, `arrivals` -> [[exchangeId, atMs], ...], `reset`, `close`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const body = Buffer.from(JSON.stringify({ ok: true, items: [1, 2, 3], note: 'small challenger answer' }));
let count = 0;
let firstMs = 0;
let lastMs = 0;
let arrivals: [string, number][] = [];
const record = process.env.BENCH_RECORD_ARRIVALS === '1';

const server = createServer((req, res) => {
  const now = performance.now();
  if (count === 0) firstMs = now;
  count++;
  lastMs = now;
  if (record) {
    const id = req.headers['x-shadow-exchange-id'];
    if (typeof id === 'string') arrivals.push([id, now]);
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', count, firstMs, lastMs });
  else if (message.type === 'arrivals') process.send?.({ type: 'arrivals', arrivals });
  else if (message.type === 'reset') {
    count = 0;
    firstMs = 0;
    lastMs = 0;
    arrivals = [];
    process.send?.({ type: 'reset' });
  } else if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
