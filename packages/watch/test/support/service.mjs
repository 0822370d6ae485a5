// A small service for the resource tests, run as a child process: serves a little traffic and
// prom-client's default metrics on /metrics. LEAK_BYTES_PER_TICK > 0 keeps that many bytes more
// every 100 ms (touched, so they count in RSS); WORK_MS burns that much CPU per request.
// Answers are timed in http_request_duration_seconds{route}. Prints `listening <port>` once it
// accepts connections.
import { createServer } from 'node:http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

const leakBytes = Number(process.env.LEAK_BYTES_PER_TICK ?? 0);
const workMs = Number(process.env.WORK_MS ?? 0);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'time to answer, by route',
  labelNames: ['route'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  registers: [registry],
});
let served = 0;

const kept = [];
if (leakBytes > 0) {
  setInterval(() => kept.push(Buffer.alloc(leakBytes, 1)), 100);
}

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      (error) => {
        res.writeHead(500);
        res.end(String(error));
      },
    );
    return;
  }
  const started = performance.now();
  const until = started + workMs;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, x: x > 0 }));
  served += 1;
  duration.observe({ route: served % 2 === 0 ? '/a' : '/b' }, (performance.now() - started) / 1000);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
