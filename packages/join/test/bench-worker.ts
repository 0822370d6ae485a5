// One process of the joiner benchmark (test/bench/joiner-throughput.ts spawns it). Modes:
//   fill <prefix> <n> <partitions>            create topics and produce a run of n exchanges
//   raw  <prefix> <records>                   no-op kafkajs consumer: time to read every record
//   join <prefix> <groupId> <chdbPath>        one joiner instance landing into its own chDB
// Each prints JSON lines on stdout; the orchestrator reads them. Not a test.
import { readdirSync, readFileSync } from 'node:fs';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import { createSchemaRegistry, topicNames } from '@shadow/contracts';
import { createJoiner } from '@shadow/join';
import { Kafka, logLevel } from 'kafkajs';
import { CANDIDATE, createJoinTopics, produceRun, SECONDARY, serdesFor } from './fixture.js';

const [mode, prefix = '', ...args] = process.argv.slice(2);
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? '';
const kafka = new Kafka({ clientId: `bench-${mode}`, brokers, logLevel: logLevel.NOTHING });
const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
let peakRss = 0;
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100).unref();

/** A thread's CPU ms from /proc (utime + stime in 1/100 s ticks); null where unreadable. */
function threadCpuMs(tid: string): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** The main thread's CPU (JS, the event loop) apart from chDB's and libuv's threads; Linux only. */
function mainThreadCpuMs(): number | null {
  return threadCpuMs(String(process.pid));
}

/** CPU ms by thread name (chDB names its pools: ParallelParsing, QueryPipelineEx, MergeMutate...); Linux only. */
function cpuByThreadName(): Record<string, number> {
  const by: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8')
        .trim()
        .replace(/[0-9]+$/, '');
      by[name] = (by[name] ?? 0) + (threadCpuMs(tid) ?? 0);
    }
  } catch {
    // not Linux
  }
  return by;
}

if (mode === 'fill') {
  const n = Number(args[0]);
  await createJoinTopics(kafka, prefix, Number(args[1]));
  const serdes = await serdesFor(registryUrl, prefix);
  const t0 = performance.now();
  const expected = await produceRun(kafka, serdes, prefix, { n, missingCandidateEvery: 0, missingLiveEvery: 0, realDiffEvery: 10 }, 'bench');
  out({ filled: n, pairs: expected.pairs.size, ms: performance.now() - t0 });
  process.exit(0);
} else if (mode === 'raw') {
  const want = Number(args[0]);
  const names = topicNames(prefix);
  const consumer = kafka.consumer({ groupId: `raw-${process.pid}-${Date.now()}`, maxBytesPerPartition: 1024 * 1024, maxBytes: 64 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [names.exchanges, names.results, names.sideEffects], fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  // Timed from the assignment, as the joiner is (its start is counted once every instance joined).
  consumer.on(consumer.events.GROUP_JOIN, () => {
    t0 = performance.now();
  });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= want) resolve();
      },
    });
  });
  const ms = performance.now() - t0;
  out({ records: seen, ms, peakRss });
  await consumer.disconnect();
  process.exit(0);
} else if (mode === 'join') {
  const [groupId = 'bench', chdbPath = ':memory:'] = args;
  const ch = await createClickHouse({ path: chdbPath, database: 'bench' });
  await migrate(ch, SCHEMA_MIGRATIONS);
  let pairs = 0;
  let rows = 0;
  const joiner = createJoiner({
    kafka,
    registry: createSchemaRegistry({ url: registryUrl }),
    clickhouse: ch,
    groupId,
    topicPrefix: prefix,
    challengers: [CANDIDATE, SECONDARY],
    sideEffectGraceMs: 0,
    windowMs: 30_000,
    ...(process.env.BENCH_BATCH_MAX_ROWS ? { batchMaxRows: Number(process.env.BENCH_BATCH_MAX_ROWS) } : {}),
    ...(process.env.BENCH_BATCH_MAX_DELAY_MS ? { batchMaxDelayMs: Number(process.env.BENCH_BATCH_MAX_DELAY_MS) } : {}),
    // BENCH_INSERT=client: the @clickhouse/client JSONEachRow insert the default replaced (issue 20).
    ...(process.env.BENCH_INSERT === 'client'
      ? { insert: async (table: string, rows: readonly object[]) => void (await ch.client.insert({ table, values: rows as object[], format: 'JSONEachRow' })) }
      : {}),
    hooks: {
      onLanded: (e) => {
        for (const n of e.pairsByRole.values()) pairs += n;
        rows += e.rows;
        if (process.env.BENCH_VERBOSE) process.stderr.write(`landed ${e.rows} rows + ${e.diffs} diffs in ${e.durationMs.toFixed(0)} ms\n`);
      },
    },
  });
  // What the engine and the modules hold before the first record (the floor under peak RSS).
  out({ idleRss: process.memoryUsage.rss() });
  await joiner.start();
  out({ started: true });
  const timer = setInterval(() => out({ pairs, rows, rss: process.memoryUsage.rss() }), 250);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    const cpu = process.cpuUsage();
    out({ pairs, rows, peakRss, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainThreadCpuMs(), threads: cpuByThreadName(), final: true });
    void joiner.close().finally(() => ch.close().finally(() => process.exit(0)));
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
