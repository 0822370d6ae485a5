// A pricing challenger as its own process, as a team deploys one: the pricing handler of the given
// VERSION (live's code for the secondary, the candidate's) and prom-client's default metrics on
// /metrics (process CPU, resident memory, heap), what the demo's scraper (@shadow/watch) reads.
// WORK_MS burns that much CPU per request: the candidate's deliberate extra cost. Prints
// `listening <port>` once it accepts connections; SIGTERM stops it.
import { createServer } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { pricingHandler } from './pricing.js';

const version = process.env.PRICING_VERSION === 'candidate' ? 'candidate' : 'live';
const workMs = Number(process.env.WORK_MS ?? 0);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const handle = pricingHandler(version);

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
    return;
  }
  const until = performance.now() + workMs;
  while (performance.now() < until) {
    // the candidate's extra CPU per request
  }
  handle(req, res);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
