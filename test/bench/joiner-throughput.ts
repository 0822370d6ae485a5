// Joiner throughput: pairs per second from pre-filled topics to ClickHouse rows, against the raw
// consume rate of the same topics by a no-op kafkajs consumer in the same run, with 1, 2 and 3
// instances. Goals (issue 10): >= 20 000 pairs/s and a ratio >= 0.5 to raw consume; peak RSS flat.
//
//   npm run bench:joiner -- [--exchanges 50000] [--instances 1,2,3] [--partitions 6] [--insert default,client] [--rounds 1]
//
// --insert runs every instance count once per insert path, interleaved, `--rounds` times: `default`
// is the joiner's own (a raw JSONCompactEachRow Buffer on chDB), `client` the @clickhouse/client
// JSONEachRow insert it replaced (issue 20), so the two are compared in one run on one machine.
//
// Every instance is its own process with its own chDB engine and data directory (one engine per
// process; instances share nothing, as deployed). A pair is counted when ClickHouse acknowledged
// its batch. Each exchange has a candidate and a secondary result (2 pairs) and every third a side
// effect per challenger, so records = exchanges * (3 + 2/3). Prints figures; never fails CI.
// BENCH_BATCH_MAX_ROWS and BENCH_BATCH_MAX_DELAY_MS set the joiner's batchMaxRows and batchMaxDelayMs. BENCH_CPU_PROF=1 writes a CPU profile of every joiner instance to reports/.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { endpointsFromEnv, findRepoRoot, readLocalStackEnv, stackDir } from '@shadow/stack-harness';

const { values } = parseArgs({
  options: {
    exchanges: { type: 'string', default: '50000' },
    instances: { type: 'string', default: '1,2,3' },
    partitions: { type: 'string', default: '6' },
    insert: { type: 'string', default: 'default' },
    rounds: { type: 'string', default: '1' },
  },
});
const root = findRepoRoot();
const stack = endpointsFromEnv(process.env, join(stackDir(root), 'data', 'chdb')) ?? readLocalStackEnv(stackDir(root));
if (stack === undefined) throw new Error('no stack: run `npm run stack up` or set KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
const env = { ...process.env, KAFKA_BROKERS: stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl };
const worker = join(root, 'packages/join/test/bench-worker.ts');
const n = Number(values.exchanges);
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type Line = Record<string, unknown>;
function run(
  args: string[],
  onLine: (l: Line) => void = () => undefined,
  flags: string[] = [],
  extraEnv: Record<string, string> = {},
): { done: Promise<Line[]>; kill: () => void } {
  const child = spawn(process.execPath, [...flags, '--conditions=@shadow/source', '--import', 'tsx', worker, ...args], {
    cwd: join(root, 'packages/join'),
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (s) => {
    try {
      const l = JSON.parse(s) as Line;
      lines.push(l);
      onLine(l);
    } catch {
      // log lines from libraries
    }
  });
  return { done: new Promise((resolve) => child.once('exit', () => resolve(lines))), kill: () => child.kill('SIGTERM') };
}

const prefix = `bench-join-${Date.now()}.`;
const fill = (await run(['fill', prefix, String(n), values.partitions]).done).find((l) => l.filled !== undefined);
const pairs = Number(fill?.pairs);
const records = n + pairs + 2 * Math.ceil(n / 3);
console.log(`filled ${n} exchanges (${pairs} expected pairs, ${records} records) in ${(Number(fill?.ms) / 1000).toFixed(1)} s`);

const raw = (await run(['raw', prefix, String(records)]).done).find((l) => l.records !== undefined);
const rawRate = Number(raw?.records) / (Number(raw?.ms) / 1000);
console.log(
  `raw consume (no-op kafkajs consumer): ${Math.round(rawRate)} records/s = ${Math.round((rawRate * pairs) / records)} pairs-equivalent/s, peak RSS ${Math.round(Number(raw?.peakRss) / 2 ** 20)} MiB`,
);

const variants = values.instances
  .split(',')
  .map(Number)
  .flatMap((k) => Array.from({ length: Number(values.rounds) }, () => values.insert.split(',').map((insert) => ({ k, insert }))).flat());
for (const { k, insert } of variants) {
  const groupId = `bench-join-${k}-${Date.now()}`;
  const dirs: string[] = [];
  const landed = new Array<number>(k).fill(0);
  const idleRss = new Array<number>(k).fill(0);
  let started = 0;
  let t0 = 0;
  let finished: () => void = () => undefined;
  const all = new Promise<void>((r) => {
    finished = r;
  });
  const workers = Array.from({ length: k }, (_, i) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-joiner-chdb-'));
    dirs.push(dir);
    return run(
      ['join', prefix, groupId, dir],
      (l) => {
        if (typeof l.idleRss === 'number') idleRss[i] = l.idleRss / 2 ** 20;
        if (l.started === true && ++started === k) t0 = performance.now();
        if (typeof l.pairs === 'number') {
          landed[i] = l.pairs;
          if (landed.reduce((a, b) => a + b, 0) >= pairs) finished();
        }
      },
      process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'reports')}`] : [],
      { BENCH_INSERT: insert },
    );
  });
  await all;
  const seconds = (performance.now() - t0) / 1000;
  for (const w of workers) w.kill();
  const finals = await Promise.all(workers.map((w) => w.done));
  const rss = finals.map((ls) => Number(ls.find((l) => l.final === true)?.peakRss ?? 0) / 2 ** 20);
  const cpuMs = finals.reduce((sum, ls) => sum + Number(ls.find((l) => l.final === true)?.cpuMs ?? 0), 0);
  const mainCpuMs = finals.reduce((sum, ls) => sum + Number(ls.find((l) => l.final === true)?.mainCpuMs ?? 0), 0);
  const rate = pairs / seconds;
  const rawPairs = (rawRate * pairs) / records;
  console.log(
    `${k} instance(s), insert ${insert}: ${pairs} pairs in ${seconds.toFixed(1)} s = ${Math.round(rate)} pairs/s (goal >= 20000: ${rate >= 20_000 ? 'PASS' : 'FAIL'}), ` +
      `ratio to raw ${(rate / rawPairs).toFixed(2)} (goal >= 0.5: ${rate / rawPairs >= 0.5 ? 'PASS' : 'FAIL'}), peak RSS per instance ${rss.map((m) => `${Math.round(m)} MiB`).join(', ')} ` +
      `(before the first record ${idleRss.map((m) => `${Math.round(m)}`).join(', ')} MiB), ` +
      `joiner CPU ${((cpuMs * 1000) / pairs).toFixed(0)} us per pair (all threads, start-up included; main thread ${((mainCpuMs * 1000) / pairs).toFixed(0)}); load ${load()}`,
  );
  // Threads that exited (a finished insert's pipeline) are not counted here; the total above has them.
  const byThread = new Map<string, number>();
  for (const ls of finals) {
    const threads = (ls.find((l) => l.final === true)?.threads ?? {}) as Record<string, number>;
    for (const [name, ms] of Object.entries(threads)) byThread.set(name, (byThread.get(name) ?? 0) + ms);
  }
  const top = [...byThread].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`  CPU us per pair by live thread name: ${top.map(([name, ms]) => `${name} ${((ms * 1000) / pairs).toFixed(0)}`).join(', ')}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
