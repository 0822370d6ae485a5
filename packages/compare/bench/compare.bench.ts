// Micro-benchmark: pairs per second through comparePair for a 1-2 KB JSON answer, on one core.
// Every iteration gets fresh body buffers (as the joiner does: each record decodes to new bytes),
// so the per-body parse cache only helps where it helps in production (live's body reused for the
// secondary within a pair). Run:
//   node --conditions=@shadow/source --import tsx packages/compare/bench/compare.bench.ts [seconds]
import { comparePair, createCompareState, resolveCompareConfig, type AnswerInput, type PairInput } from '@shadow/compare';

const seconds = Number(process.argv[2] ?? 2);

function order(i: number, variant: { ts: number; reqId: string; price?: number }) {
  return {
    id: 100_000 + i,
    status: 'confirmed',
    createdAt: `2024-05-01T10:${String(i % 60).padStart(2, '0')}:00Z`,
    servedAt: variant.ts,
    requestId: variant.reqId,
    customer: { id: 'cus_42', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold', address: { city: 'London', zip: 'NW1', country: 'GB' } },
    items: Array.from({ length: 8 }, (_, k) => ({
      sku: `SKU-${k}`,
      name: `Item number ${k}`,
      qty: 1 + (k % 3),
      price: k === 3 && variant.price !== undefined ? variant.price : 9.99 + k,
      tags: ['a', 'b'],
    })),
    totals: { subtotal: 123.45, tax: 24.69, shipping: 4.99, total: 153.13, currency: 'EUR' },
    flags: { gift: false, express: true, notes: null },
  };
}

function answer(body: Buffer): AnswerInput {
  return {
    status: 200,
    headers: { 'content-type': ['application/json'], date: ['x'], 'x-request-id': ['r'], 'cache-control': ['no-store'], server: ['nginx'] },
    body: Buffer.from(body), // fresh copy each time: no cross-iteration cache hits
    contentType: 'application/json',
    latencyUs: 1200,
    errorKind: null,
    bodyTruncated: false,
  };
}

const live = Buffer.from(JSON.stringify(order(1, { ts: 1, reqId: 'aaa' })));
const secondary = Buffer.from(JSON.stringify(order(1, { ts: 2, reqId: 'bbb' })));
const candEqual = Buffer.from(JSON.stringify(order(1, { ts: 3, reqId: 'ccc' })));
const candDiff = Buffer.from(JSON.stringify(order(1, { ts: 3, reqId: 'ccc', price: 15 })));
console.log(`body sizes: live ${live.length} B, candidate ${candEqual.length} B`);

const config = resolveCompareConfig();

// Rates are per CPU-second of this process (process.cpuUsage), not per wall second: on a shared
// machine wall time mostly measures the other tenants. Both are printed.
function measure(fn: () => number): { rate: number; us: number; checksum: number; wallRate: number } {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  let checksum = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < 200; k++) {
      checksum += fn();
      n++;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { rate: n / cpuSeconds, us: (1e6 * cpuSeconds) / n, checksum, wallRate: n / elapsed };
}

// The floor any comparison pays: copy, decode and JSON.parse the three bodies of a pair. The ratio
// to it is steadier than pairs/s on a shared, loaded machine.
const floor = measure(() => {
  let keys = 0;
  for (const b of [live, candEqual, secondary]) keys += Object.keys(JSON.parse(new TextDecoder().decode(Buffer.from(b))) as object).length;
  return keys;
});
console.log(
  `${'floor: copy + decode + JSON.parse of 3 bodies'.padEnd(58)} ${Math.round(floor.rate).toLocaleString('en-US').padStart(9)} /cpu-s  (${floor.us.toFixed(1)} us; wall ${Math.round(floor.wallRate)}/s)`,
);

function run(name: string, make: () => PairInput, withState: boolean): void {
  const state = withState ? createCompareState(config) : undefined;
  const m = measure(() => comparePair(make(), config, state).realDiffCount);
  console.log(
    `${name.padEnd(58)} ${Math.round(m.rate).toLocaleString('en-US').padStart(9)} pairs/cpu-s  (${m.us.toFixed(1)} us/pair, ${(m.rate / floor.rate).toFixed(2)} x floor; wall ${Math.round(m.wallRate)}/s)`,
  );
}

const base = { method: 'GET', path: '/v1/orders/100001?expand=items' };
run('equal JSON, no secondary, no state', () => ({ ...base, live: answer(live), candidate: answer(candEqual) }), false);
run(
  'equal JSON + secondary (noisy ts/requestId), with state',
  () => ({ ...base, live: answer(live), candidate: answer(candEqual), secondary: answer(secondary) }),
  true,
);
run('one real difference + secondary, with state', () => ({ ...base, live: answer(live), candidate: answer(candDiff), secondary: answer(secondary) }), true);
run('byte-identical bodies + secondary, with state', () => ({ ...base, live: answer(live), candidate: answer(live), secondary: answer(live) }), true);
