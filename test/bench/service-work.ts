// The live service's own work in the benchmark's `work` group: JSON round trips of a small order
// document, the kind of CPU a JSON API spends (and young garbage it makes). tap-overhead.ts
// calibrates how many make the wanted µs, once, and gives both variants the same count.
const ORDER = {
  id: 42,
  customer: { id: 'c-1', tier: 'gold' },
  lines: [
    { sku: 'A-1001', qty: 2, price: 12.5 },
    { sku: 'B-2002', qty: 1, price: 99 },
  ],
  note: 'calibration',
};

let sink = 0;

/** One unit of work. The running sum keeps the JIT from dropping it. */
export function workOnce(): number {
  sink += (JSON.parse(JSON.stringify(ORDER)) as { lines: unknown[] }).lines.length;
  return sink;
}
