// The demo's pricing service (services/demo) as a standalone process, for docker-compose.yml:
// `PRICING_VERSION=live|candidate PORT=3000 node server.mjs`. No dependencies (it runs in node's
// image, mounted read-only). `candidate` is the version under test, with the demo's deliberate
// differences: /price adds a `currency` field, POST /quote charges 5% more, /describe words its
// summary differently (a figure wrong on every 5th sku). `live` is also the secondary (same code:
// the noise baseline; `quoteId` is random in both). GET /healthz answers 200 for health checks.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const version = process.env.PRICING_VERSION ?? 'live';
if (version !== 'live' && version !== 'candidate') {
  process.stderr.write(`PRICING_VERSION must be live or candidate; got ${JSON.stringify(version)}\n`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be a port number (0-65535); got ${JSON.stringify(process.env.PORT)}\n`);
  process.exit(2);
}

const json = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/healthz') return json(res, 200, { status: 'ok', version });
    if (url.startsWith('/describe/')) {
      const sku = url.slice('/describe/'.length);
      const n = Number(sku.replace(/\D/g, ''));
      const [cents, days] = [100 + sku.length * 7, 2 + (n % 3)];
      const summary =
        version === 'live'
          ? `${sku} costs ${cents} cents and ships in ${days} days.`
          : `Ships in ${n % 5 === 0 ? days + 1 : days} days; ${sku} is ${cents} cents.`;
      return json(res, 200, { sku, summary });
    }
    if (url.startsWith('/price/')) {
      const sku = url.slice('/price/'.length);
      const price = { sku, cents: 100 + sku.length * 7 };
      if (version === 'candidate') price.currency = 'EUR';
      return json(res, 200, price);
    }
    if (url === '/quote' && req.method === 'POST') {
      let items;
      try {
        items = JSON.parse(Buffer.concat(chunks).toString('utf8')).items;
      } catch {
        return json(res, 400, { error: 'bad json' });
      }
      const total = version === 'candidate' ? Math.round(items * 250 * 1.05) : items * 250;
      return json(res, 201, { quoteId: randomUUID(), total });
    }
    return json(res, 404, { error: 'not found' });
  });
});

server.listen(port, process.env.HOST ?? '0.0.0.0', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'pricing listening', version, port: server.address().port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
