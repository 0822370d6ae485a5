// Scale-out, shown: 3 replayers and 3 joiners (one consumer group each) on 6-partition topics of the
// real broker, each a process started as its image starts it (`node services/<svc>/dist/main.js`,
// configured by variables only). Mid-run one replayer and one joiner are killed with SIGKILL (no
// leave-group, no commit, no flush) and started again. Afterwards every (challenger, run, exchange)
// is in ClickHouse exactly once (FINAL; re-delivered copies collapse), each group's committed offsets
// reach the end of every topic it reads (lag 0), and each group was split 2/2/2 partitions.
//
// Why the joiners land through clickhouse-http.ts: in a deployment all joiners write to one
// ClickHouse server, and exactly-once is only worth showing against one shared store (a copy landed
// by the killed joiner and again by the one that took its partitions must collapse). No server can be
// installed here, and chDB runs one engine per process, so this process owns the engine and serves
// ClickHouse's HTTP interface to the joiner processes, which run in server mode (CLICKHOUSE_URL) as
// in docker-compose.yml. Running the joiners in this process instead would share the engine but not
// be killable with SIGKILL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AssignerProtocol, Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { createClickHouse } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';
import { serveClickHouseHttp } from './clickhouse-http.js';
import type { ClickHouseHttp } from './clickhouse-http.js';

const root = findRepoRoot();
const N = 3000; // exchanges; two challengers, so 6000 pairs
const PARTITIONS = 6;
const INSTANCES = 3;
const CHALLENGERS = ['cand', 'sec'];
const prefix = `${uniqueName('scale')}.`;
const names = topicNames(prefix);
const replayerGroup = `${prefix}replayer`;
const joinerGroup = `${prefix}joiner`;

interface Instance {
  readonly name: string;
  proc: ChildProcess;
  admin: string;
  /** The counter at the last scrape of each process this instance ran as (a killed one keeps its last value). */
  counted: number[];
}

function exchange(id: string, i: number): CapturedExchange {
  return {
    exchangeId: id,
    captureTimeMs: Date.now(),
    service: 'pricing',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'live',
    path: `/price/sku-${i}`,
    query: '',
    routeTemplate: null,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: { 'content-type': ['application/json'] },
    responseBody: Buffer.from(JSON.stringify({ sku: `sku-${i}`, cents: 100 + i })),
    responseBodyTruncated: false,
    responseBodySize: 0,
    responseContentType: 'application/json',
    liveLatencyUs: 100,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'scale-out-test',
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, detail: () => Promise<string> | string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${await detail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('scale-out: 3 replayers and 3 joiners on 6 partitions, one of each killed with SIGKILL and restarted', () => {
  const kafka: Kafka = kafkaClient('scale-out');
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'shadow-scale-out-'));
  let clickhouse: ClickHouseHttp;
  // The test reads as the joiners write: through the stand-in's HTTP interface (one statement at a time).
  let reader: ClickHouse;
  const logs: string[] = [];

  beforeAll(async () => {
    const report = await ensureTopics(kafka, { prefix, partitions: PARTITIONS });
    if (!report.ok) throw new Error(report.problems.join('; '));
    clickhouse = await serveClickHouseHttp({ path: dataDir, database: 'scale' });
    reader = await createClickHouse({ mode: 'server', url: clickhouse.url, database: 'scale' });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of servers) s.close();
    await reader?.close();
    await clickhouse?.close();
    rmSync(dataDir, { recursive: true, force: true });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
    await admin.disconnect();
  });

  async function challenger(id: string): Promise<string> {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const sku = (req.url ?? '').slice('/price/'.length);
        const body: Record<string, unknown> = { sku, cents: 100 + Number(sku.replace(/\D/g, '')) };
        if (id === 'cand') body.currency = 'EUR';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts `node services/<svc>/dist/main.js` (the image's CMD) and resolves with its admin address once it logged its start. */
  function start(service: 'replayer' | 'joiner', name: string, env: Record<string, string>): Promise<{ proc: ChildProcess; admin: string }> {
    const proc = spawn(process.execPath, [join(root, 'services', service, 'dist/main.js'), ...(service === 'replayer' ? ['serve'] : [])], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(proc);
    proc.stderr?.on('data', (d: Buffer) => logs.push(`[${name} stderr] ${d.toString().slice(0, 500)}`));
    return new Promise((resolve, reject) => {
      createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.includes('"level":50') || line.includes('"level":40')) logs.push(`[${name}] ${line.slice(0, 500)}`);
        if (!line.includes('replayer running') && !line.includes('joiner started')) return;
        const parsed = JSON.parse(line) as { admin?: string; adminAddress?: AddressInfo };
        resolve({ proc, admin: parsed.admin ?? `127.0.0.1:${parsed.adminAddress?.port}` });
      });
      proc.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it started:\n${logs.slice(-10).join('\n')}`)));
    });
  }

  async function counter(admin: string, metric: string): Promise<number> {
    const text = await (await fetch(`http://${admin}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  }

  async function scrape(instances: readonly Instance[], metric: string): Promise<void> {
    await Promise.all(
      instances.map(async (i) => {
        if (i.proc.exitCode !== null || i.proc.signalCode !== null) return;
        const n = await counter(i.admin, metric).catch(() => undefined);
        if (n !== undefined) i.counted[i.counted.length - 1] = n;
      }),
    );
  }

  /** Partitions of `topic` per member of a stable group, or undefined while it is rebalancing. */
  async function assignment(groupId: string, topic: string): Promise<number[] | undefined> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (group?.state !== 'Stable') return undefined;
      return group.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]?.length ?? 0).sort((a, b) => a - b);
    } finally {
      await admin.disconnect();
    }
  }

  /** Sum over `topics` of (end offset - committed offset): what the group has not finished. */
  async function lag(groupId: string, topics: readonly string[]): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      let behind = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of ends) {
          const c = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
          behind += Number(end.high) - (c < 0 ? Number(end.low) : c);
        }
      }
      return behind;
    } finally {
      await admin.disconnect();
    }
  }

  async function rows<T>(query: string): Promise<T[]> {
    return (await reader.client.query({ query, format: 'JSONEachRow' })).json<T>();
  }

  async function finalKeys(): Promise<{ final: number; distinct: number; raw: number; unmatched: number; perChallenger: Record<string, number> }> {
    const q = async <T>(query: string): Promise<T[]> => (await reader.client.query({ query, format: 'JSONEachRow' })).json<T>();
    const [counts] = await q<{ final: string; distinct: string }>(
      'SELECT count() AS final, uniqExact(challenger_id, run_id, exchange_id) AS distinct FROM pairs FINAL',
    );
    const [raw] = await q<{ n: string }>('SELECT count() AS n FROM pairs');
    const [unmatched] = await q<{ n: string }>('SELECT count() AS n FROM unmatched FINAL');
    const per = await q<{ challenger_id: string; n: string }>('SELECT challenger_id, count() AS n FROM pairs FINAL GROUP BY challenger_id');
    return {
      final: Number(counts?.final),
      distinct: Number(counts?.distinct),
      raw: Number(raw?.n),
      unmatched: Number(unmatched?.n),
      perChallenger: Object.fromEntries(per.map((r) => [r.challenger_id, Number(r.n)])),
    };
  }

  it('lands every (challenger, run, exchange) exactly once, splits the work 2/2/2 and ends with lag 0', async () => {
    const [cand, sec] = await Promise.all(CHALLENGERS.map(challenger));
    const common = { KAFKA_BROKERS: stack().kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl, SHADOW_TOPIC_PREFIX: prefix };
    const replayerEnv = {
      ...common,
      REPLAYER_GROUP_ID: replayerGroup,
      REPLAYER_START_FROM: 'earliest',
      REPLAYER_ADMIN_PORT: '0',
      REPLAYER_CHALLENGERS: JSON.stringify([
        { id: 'cand', baseUrl: cand, role: 'candidate' },
        { id: 'sec', baseUrl: sec, role: 'secondary' },
      ]),
      LOG_LEVEL: 'info',
    };
    const joinerEnv = {
      ...common,
      JOINER_GROUP_ID: joinerGroup,
      JOINER_CHALLENGERS: CHALLENGERS.join(','),
      // Longer than a replayer can stall: a SIGKILLed member holds its partitions until its session
      // times out (kafkajs' 30 s) and the group rebalances; exchanges waiting longer than the window
      // are counted not_replayed and their results become late records (docs/joiner.md).
      JOINER_WINDOW_MS: '90000',
      JOINER_SIDE_EFFECT_GRACE_MS: '100',
      JOINER_SESSION_TIMEOUT_MS: '6000', // the smallest the joiner accepts: a killed member is evicted soonest
      JOINER_BATCH_MAX_DELAY_MS: '300',
      JOINER_ADMIN_PORT: '0',
      JOINER_LABELS: 'false',
      CLICKHOUSE_URL: clickhouse.url,
      CLICKHOUSE_DATABASE: 'scale',
      LOG_LEVEL: 'info',
    };
    const instance = async (service: 'replayer' | 'joiner', name: string): Promise<Instance> => {
      const { proc, admin } = await start(service, name, service === 'replayer' ? replayerEnv : joinerEnv);
      return { name, proc, admin, counted: [0] };
    };
    // The joiners first: the first one runs the migrations the others then find applied.
    const first = await instance('joiner', 'joiner-1');
    const joiners = [first, ...(await Promise.all([2, 3].map((i) => instance('joiner', `joiner-${i}`))))];
    const replayers = await Promise.all([1, 2, 3].map((i) => instance('replayer', `replayer-${i}`)));
    const exchangeTopics = [names.exchanges];
    const joinerTopics = [names.exchanges, names.results, names.sideEffects, names.progress];
    const even = Array.from({ length: INSTANCES }, () => PARTITIONS / INSTANCES);
    await waitFor(
      'both groups stable with 3 members, 2 exchange partitions each',
      async () => {
        const [r, j] = await Promise.all([assignment(replayerGroup, names.exchanges), assignment(joinerGroup, names.exchanges)]);
        return JSON.stringify(r) === JSON.stringify(even) && JSON.stringify(j) === JSON.stringify(even);
      },
      60_000,
    );

    // Traffic: the tap's records (registry-framed Avro, keyed by exchange id), in two halves around the kill.
    const serde = new RecordSerde({
      registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(names.exchanges),
    });
    await serde.init();
    const ids = Array.from({ length: N }, () => randomUUID());
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Paced (50 every 250 ms), so the kill can land while exchanges are still arriving.
    let produced = 0;
    const produce = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 50) {
        const batch = ids.slice(i, Math.min(to, i + 50)).map((id, k) => ({ key: id, value: serde.encodeSync(exchange(id, i + k)) }));
        await producer.send({ topic: names.exchanges, acks: -1, messages: batch });
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const expected = N * CHALLENGERS.length;
    const scrapeAll = () => Promise.all([scrape(replayers, 'shadow_replayer_replayed_total'), scrape(joiners, 'shadow_joiner_pairs_written_total')]);
    const landedPairs = async () =>
      Number((await (await reader.client.query({ query: 'SELECT count() AS n FROM pairs FINAL', format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);

    // Phase 1: the first half, and one replayer and one joiner SIGKILLed while it flows.
    const firstHalf = produce(0, N / 2);
    await waitFor(
      'pairs landing',
      async () => (await landedPairs()) >= 100,
      90_000,
      async () => JSON.stringify(await finalKeys()),
    );
    await scrapeAll();
    const victims = [replayers[0] as Instance, joiners[0] as Instance];
    for (const v of victims) v.proc.kill('SIGKILL');
    const producedAtKill = produced;
    await Promise.all(victims.map((v) => new Promise((r) => (v.proc.exitCode !== null || v.proc.signalCode !== null ? r(null) : v.proc.once('exit', r)))));
    expect(victims.map((v) => v.proc.signalCode)).toEqual(['SIGKILL', 'SIGKILL']);
    const atKill = await finalKeys();
    const lagAtKill = { replayers: await lag(replayerGroup, exchangeTopics), joiners: await lag(joinerGroup, joinerTopics) };
    // Mid-run: less than the first half's pairs had landed, and both groups had records left to finish.
    expect(atKill.final).toBeLessThan(N);
    expect(lagAtKill.replayers + lagAtKill.joiners).toBeGreaterThan(0);
    for (const [v, service] of [
      [victims[0], 'replayer'],
      [victims[1], 'joiner'],
    ] as const) {
      const again = await start(service, `${v?.name} (restarted)`, service === 'replayer' ? replayerEnv : joinerEnv);
      Object.assign(v as Instance, { proc: again.proc, admin: again.admin });
      v?.counted.push(0);
    }
    await firstHalf;
    // The killed members leave the groups only when their sessions time out; then 3 members again, 2 partitions each.
    await waitFor(
      'both groups back to 3 members, 2 exchange partitions each',
      async () => {
        const [r, j] = await Promise.all([assignment(replayerGroup, names.exchanges), assignment(joinerGroup, names.exchanges)]);
        return JSON.stringify(r) === JSON.stringify(even) && JSON.stringify(j) === JSON.stringify(even);
      },
      90_000,
    );

    // Phase 2: the second half, on the restarted groups; the work each instance does from here is its share.
    await scrapeAll();
    const before = [...replayers, ...joiners].map((i) => i.counted.at(-1) ?? 0);
    await produce(N / 2, N);
    await producer.disconnect();
    await waitFor(
      'every pair landed and both groups caught up',
      async () => {
        await scrapeAll();
        return (await landedPairs()) === expected && (await lag(replayerGroup, exchangeTopics)) === 0 && (await lag(joinerGroup, joinerTopics)) === 0;
      },
      120_000,
      async () =>
        `${JSON.stringify(await finalKeys())} lag replayer=${await lag(replayerGroup, exchangeTopics)} joiner=${await lag(joinerGroup, joinerTopics)}\n${logs.slice(-10).join('\n')}`,
    );
    await scrapeAll();

    // Exactly once: one row per (challenger, run, exchange) after FINAL, for exactly the exchanges produced.
    const end = await finalKeys();
    const keys = await (
      await reader.client.query({ query: 'SELECT DISTINCT exchange_id FROM pairs FINAL', format: 'JSONEachRow' })
    ).json<{ exchange_id: string }>();
    expect(new Set(keys.map((k) => k.exchange_id))).toEqual(new Set(ids));
    expect({ final: end.final, distinct: end.distinct, unmatched: end.unmatched, perChallenger: end.perChallenger }).toEqual({
      final: expected,
      distinct: expected,
      unmatched: 0,
      perChallenger: { cand: N, sec: N },
    });
    // Lag 0 at the end, and both groups still split 2/2/2.
    expect(await lag(replayerGroup, exchangeTopics)).toBe(0);
    expect(await lag(joinerGroup, joinerTopics)).toBe(0);
    expect(await assignment(replayerGroup, names.exchanges)).toEqual(even);
    expect(await assignment(joinerGroup, names.exchanges)).toEqual(even);

    // Storage per row as landed (docs/scaling.md): compressed bytes on disk over rows, per table.
    const storage = await rows<{ table: string; rows: string; bytes: string }>(
      "SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE database = 'scale' AND active AND table IN ('pairs', 'pair_diffs', 'unmatched', 'pair_minutes', 'capture_minutes') GROUP BY table ORDER BY table",
    );
    const table = [...replayers, ...joiners].map((i, k) => ({
      instance: i.name,
      total: i.counted.reduce((a, b) => a + b, 0),
      perProcess: i.counted.join(' + '),
      phase2: (i.counted.at(-1) ?? 0) - (before[k] ?? 0),
    }));
    console.log(
      `scale-out: ${N} exchanges x ${CHALLENGERS.length} challengers, ${PARTITIONS} partitions; killed after ${producedAtKill} exchanges were produced, ` +
        `${atKill.final} pairs landed (lag: replayers ${lagAtKill.replayers}, joiners ${lagAtKill.joiners}); rows landed ${end.raw} (re-delivered copies ${end.raw - end.final}), after FINAL ${end.final}; ` +
        `ClickHouse requests: ${clickhouse.counts.inserts} inserts, ${clickhouse.counts.queries} other; on disk ` +
        storage.map((t) => `${t.table} ${t.rows} rows ${t.bytes} B (${(Number(t.bytes) / Math.max(1, Number(t.rows))).toFixed(0)} B/row)`).join(', ') +
        '\n' +
        '  instance             total (per process)        after the restart\n' +
        table.map((t) => `  ${t.instance.padEnd(12)} ${String(t.total).padStart(12)} (${t.perProcess})`.padEnd(45) + String(t.phase2).padStart(8)).join('\n'),
    );
    // After the restart each instance (the restarted ones included) did at least a fifth of its group's
    // work: 2 of 6 partitions each, so a third give or take the keys' spread and the backlog left at the kill.
    for (const group of [table.slice(0, INSTANCES), table.slice(INSTANCES)]) {
      const sum = group.reduce((a, t) => a + t.phase2, 0);
      for (const t of group) expect(t.phase2, `${t.instance}: ${t.phase2} of ${sum}`).toBeGreaterThanOrEqual(sum / 5);
    }
  }, 240_000);
});
