// Joiner throughput with a slow judge: exchanges whose summary differs (every one needs the judge)
// against a judge server that answers after a fixed delay (200 ms by default), at several judge
// concurrencies, through the joiner (@shadow/join with @shadow/judge's judges, as the service wires
// them) on the real broker, registry and chDB. Prints exchanges/s and what the bound predicts,
// min(maxJudgingEntries, concurrency) / delay; never fails CI.
//
//   node --conditions=@shadow/source --import tsx services/joiner/bench/judge-throughput.ts [--exchanges 800] [--delay-ms 200] [--concurrency 4,16,64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import { createSchemaRegistry } from '@shadow/contracts';
import { createJoiner, sharedComparer } from '@shadow/join';
import { createJudges, resolveJudgeConfigOrThrow } from '@shadow/judge';
import { endpointsFromEnv, findRepoRoot, readLocalStackEnv, stackDir, uniqueName } from '@shadow/stack-harness';
import { Kafka, logLevel } from 'kafkajs';
import { CANDIDATE, produceExchanges, SECONDARY, startJudgeServer, type Planned } from '../test/judge-kit.js';

const { values } = parseArgs({
  options: {
    exchanges: { type: 'string', default: '800' },
    'delay-ms': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4,16,64' },
  },
});
const root = findRepoRoot();
const stack = endpointsFromEnv(process.env, join(stackDir(root), 'data', 'chdb')) ?? readLocalStackEnv(stackDir(root));
if (stack === undefined) throw new Error('no stack: run `npm run stack up` or set KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
const n = Number(values.exchanges);
const delayMs = Number(values['delay-ms']);
const maxJudging = 256;

for (const concurrency of values.concurrency.split(',').map(Number)) {
  const judge = await startJudgeServer(() => ({ body: { verdict: 'equal', reason: 'same' }, delayMs }));
  const prefix = `${uniqueName('bench-judge')}.`;
  const run = uniqueName('bj');
  const plan: Planned[] = Array.from({ length: n }, (_, i) => ({
    id: `${run}-${i}`,
    route: 'sum',
    n: i,
    summaries: { live: `Live ${i}.`, candidate: `Candidate ${i}.`, secondary: `Live ${i}.` },
  }));
  const kafka = new Kafka({ clientId: 'bench-judge', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  await produceExchanges(kafka, stack.schemaRegistryUrl, prefix, plan);
  const dir = mkdtempSync(join(tmpdir(), 'bench-judge-'));
  const ch = await createClickHouse({ path: join(dir, 'db'), database: 'bench' });
  await migrate(ch, SCHEMA_MIGRATIONS);
  const judges = createJudges(resolveJudgeConfigOrThrow({ j: { type: 'http', url: judge.url, concurrency, maxQueue: 1000, cache: { maxEntries: 0 } } }));
  const joiner = createJoiner({
    kafka,
    registry: createSchemaRegistry({ url: stack.schemaRegistryUrl }),
    clickhouse: ch,
    groupId: uniqueName('bench-judge-g'),
    topicPrefix: prefix,
    challengers: [CANDIDATE, SECONDARY],
    sideEffectGraceMs: 0,
    batchMaxDelayMs: 200,
    maxJudgingEntries: maxJudging,
    comparer: sharedComparer({
      judges: { j: judges.get('j').asJudgeFn() },
      rules: [{ route: '/sum/:id', judge: { path: '$.summary' } }],
      judgeTimeoutMs: 300_000,
    }),
  });
  const started = performance.now();
  await joiner.start();
  const count = async (): Promise<number> =>
    Number(
      (
        await (
          await ch.client.query({
            query: `SELECT count() AS n FROM pairs FINAL WHERE challenger_id = '${CANDIDATE}' AND judge_verdict = 'equal'`,
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]?.n,
    );
  let judged = await count();
  while (judged < n && performance.now() - started < 600_000) {
    await new Promise((r) => setTimeout(r, 200));
    judged = await count();
  }
  const seconds = (performance.now() - started) / 1000;
  await joiner.close();
  await judges.close();
  await ch.close();
  await judge.close();
  rmSync(dir, { recursive: true, force: true });
  const bound = Math.min(maxJudging, concurrency) / (delayMs / 1000);
  console.log(
    JSON.stringify({
      exchanges: n,
      judged,
      delayMs,
      concurrency,
      seconds: Number(seconds.toFixed(1)),
      perSecond: Number((judged / seconds).toFixed(1)),
      bound,
      ratio: Number((judged / seconds / bound).toFixed(2)),
    }),
  );
}
