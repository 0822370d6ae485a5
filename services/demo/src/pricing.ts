// The demo's pricing service: live's code and the candidate's, which has deliberate differences
// (adds a field, charges 5% more for quotes, words /describe's summary differently and gets every
// 5th figure wrong). Live runs in the demo's process with the tap; the challengers run as child
// processes (pricing-process.ts) so their CPU and memory are their own.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';

/** The pricing service. `candidate` is the version under test, with a deliberate difference. */
export function pricingHandler(version: 'live' | 'candidate'): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/describe/')) {
        // A generated text: the candidate words it differently; every 5th sku it gets a figure wrong.
        const sku = req.url.slice('/describe/'.length);
        const n = Number(sku.replace(/\D/g, ''));
        const [cents, days] = [100 + sku.length * 7, 2 + (n % 3)];
        const summary =
          version === 'live'
            ? `${sku} costs ${cents} cents and ships in ${days} days.`
            : `Ships in ${n % 5 === 0 ? days + 1 : days} days; ${sku} is ${cents} cents.`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, summary }));
      } else if (req.url?.startsWith('/price/')) {
        const sku = req.url.slice('/price/'.length);
        const price: Record<string, unknown> = { sku, cents: 100 + sku.length * 7 };
        if (version === 'candidate') price.currency = 'EUR'; // the candidate adds a field
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(price));
      } else if (req.url === '/quote' && req.method === 'POST') {
        let items: number;
        try {
          items = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: number }).items;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
          return;
        }
        const total = version === 'candidate' ? Math.round(items * 250 * 1.05) : items * 250; // and charges 5% more
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ quoteId: randomUUID(), total }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      }
    });
  };
}
