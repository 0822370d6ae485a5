// The README's main job. End to end on the real stack:
//   1. a "pricing" live service embeds the tap (node:http adapter);
//   2. a "catalog" live service sits behind the tap proxy;
//   3. mixed traffic (JSON, PII to redact, binary, errors) hits both;
//   4. the captures are read back from Kafka, decoded through the schema registry, checked
//      (count, redaction, byte-identical binary bodies) and summarised in ClickHouse;
//   5. the captured window is replayed (historical replay, @shadow/replay) to two pricing
//      challengers: a candidate with a deliberate difference (adds a field, charges 5% more for
//      quotes) and a secondary (same code as live, the noise baseline); the results are read back
//      and compared with what live answered;
//   6. the joiner (@shadow/join), running since before the capture as an operator runs it, pairs
//      live with each challenger from the run's results (a run is self-contained: its window's age
//      and the joiner's window do not matter), compares them (@shadow/compare: JSON diff, noise told
//      apart by the secondary) and lands the pairs in ClickHouse; the demo waits until the run has
//      landed (as `shadow report --run-id R --wait` does), prints the run's line (exchanges in the
//      window, replayed, paired, unmatched) and per route: pairs, agreement, the top differing paths
//      and which of them are noise. The live captures nothing replayed live are counted, not
//      unmatched;
//      The pricing service's /describe route answers a generated text (`summary`) the candidate words
//      differently: a judge (@shadow/judge, docs/judge.md) decides whether the two texts say the same,
//      where a diff calls every rewording a difference. The demo's judge is a local stand-in speaking
//      the chat-completions API that compares the figures in both texts (a rule, not a model);
//   7. the promotion gate (@shadow/analysis) judges the candidate and the secondary against a
//      criteria file (examples/gate.yaml): the candidate must fail on agreement, the secondary must pass;
//      the demo prints the agreement on /describe before and after the judge;
//   8. it hands over: where the data is (chDB database `demo`; the topics are kept so the traffic can
//      be replayed again) and the next commands, exactly runnable; with --dashboard it serves the
//      dashboard over its own engine until Ctrl-C.
// Each stage prints a header as it starts and its counts as they move.
// Exits non-zero when anything does not add up, so it doubles as a smoke test of the whole stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import {
  createClickHouseExploreStore,
  createClickHousePairStore,
  evaluateGate,
  judgeReport,
  measurementQueryFor,
  parseCriteria,
  renderVerdictText,
} from '@shadow/analysis';
import type { ReportJudge } from '@shadow/analysis';
import { createJudges, resolveJudgeConfigOrThrow } from '@shadow/judge';
import { createClickHouse, clickhouseOptionsFromEnv, formatRunSummary, migrate, SCHEMA_MIGRATIONS, summarizeRun } from '@shadow/clickhouse';
import type { ClickHouse, RunSummary } from '@shadow/clickhouse';
import { dashboardCommand } from '@shadow/dashboard';
import { createJoiner, formatRouteSummary, sharedComparer, summarizeByRoute } from '@shadow/join';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, shadowResultContract, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { replayWindow } from '@shadow/replay';
import type { ReplaySummary } from '@shadow/replay';
import { endpointsFromEnv, findRepoRoot, readLocalStackEnv, stackDir } from '@shadow/stack-harness';
import type { StackEndpoints } from '@shadow/stack-harness';
import { createKafkaTransport, createTap } from '@shadow/tap';
import { attachToServer } from '@shadow/tap/node';
import { loadConfig, startTapProxy } from '@shadow/tap-proxy';
import { createClickHouseResourceReader, createClickHouseSampleSink, createScraper, resourceVerdicts } from '@shadow/watch';
import type { ResourceVerdicts } from '@shadow/watch';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { pricingHandler } from './pricing.js';

const REQUESTS_PER_SERVICE = 200;
// warn by default: the demo's own output is the summary table; LOG_LEVEL=info shows the taps' logs.
const log = pino({ name: 'demo', level: process.env.LOG_LEVEL ?? 'warn' });
/** `npm run demo -- --dashboard`: at the end, serve the dashboard over the demo's data until Ctrl-C. */
const WITH_DASHBOARD = process.argv.slice(2).includes('--dashboard');
const STAGES = 7;
let stageNumber = 0;
/** A header per stage as it starts, so a user sees where the demo is (the summary comes at the end). */
function stage(title: string): void {
  stageNumber++;
  console.log(`\n[${stageNumber}/${STAGES}] ${title}`);
}
/** A progress line under the current stage. */
const progress = (line: string): void => console.log(`      ${line}`);

function endpoints(): StackEndpoints {
  const root = findRepoRoot();
  const fromEnv = endpointsFromEnv(process.env, join(stackDir(root), 'data', 'chdb'));
  const found = fromEnv ?? readLocalStackEnv(stackDir(root));
  if (found === undefined) throw new Error('no stack: run `npm run stack up` or set KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
  return found;
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The figures of a text, sorted: what the demo's stand-in judge compares. */
const figures = (text: unknown): string => (typeof text === 'string' ? (text.match(/\d+/g) ?? []).sort().join(' ') : '');

/**
 * The demo's judge: a local server speaking the OpenAI-compatible chat-completions API that answers
 * by a rule (equal when both texts state the same figures), NOT a model. A real judge is a model
 * server or an HTTP endpoint named by URL in the joiner's configuration (docs/judge.md).
 */
function standInJudge(): ReturnType<typeof createServer> {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const user = ((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages?: { content?: string }[] }).messages ?? []).at(-1)?.content ?? '';
      // The judge's prompt holds each answer as one JSON line after its label (docs/judge.md "Escaping").
      const side = (label: string): unknown => {
        const line = new RegExp(`${label} answer:\n(.*)`).exec(user)?.[1];
        return line === undefined ? null : JSON.parse(line);
      };
      const [live, candidate] = [figures(side('LIVE')), figures(side('CANDIDATE'))];
      const verdict = live === candidate ? { verdict: 'equal', reason: 'same figures' } : { verdict: 'different', reason: 'a figure differs' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'demo',
          object: 'chat.completion',
          model: 'demo-rule',
          choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(verdict) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: Math.ceil(user.length / 4), completion_tokens: 12, total_tokens: Math.ceil(user.length / 4) + 12 },
        }),
      );
    });
  });
}

/** Live's and the challenger's bodies as JSON without the fields that differ on every call. */
function comparable(body: Buffer): string {
  try {
    const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    delete value.quoteId;
    return JSON.stringify(value);
  } catch {
    return body.toString('base64');
  }
}

async function main(): Promise<void> {
  const stack = endpoints();
  const prefix = `demo-${Date.now()}.`;
  stage(`topics and the joiner: topics under the prefix "${prefix}", the joiner pairing into ClickHouse database "demo"`);
  const names = topicNames(prefix);
  const kafka = new Kafka({ clientId: 'demo', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // Every topic of the pipeline, co-partitioned, the control topic compacted (docs/contracts.md).
  const provisioned = await ensureTopics(kafka, { prefix, partitions: 3 });
  if (!provisioned.ok) throw new Error(`topics not ready: ${provisioned.problems.join('; ')}`);
  log.info({ stack: stack.source, topics: names }, 'topics ready');

  // 0. the joiner, a long-running service: started before anything is captured, as in production.
  const ch = await createClickHouse({
    ...clickhouseOptionsFromEnv(
      stack.clickhouse.mode === 'embedded'
        ? { CHDB_PATH: stack.clickhouse.path }
        : {
            CLICKHOUSE_URL: stack.clickhouse.url,
            CLICKHOUSE_USER: stack.clickhouse.username,
            CLICKHOUSE_PASSWORD: stack.clickhouse.password,
            CLICKHOUSE_DATABASE: stack.clickhouse.database,
          },
    ),
    database: 'demo',
  });
  await migrate(ch, SCHEMA_MIGRATIONS);
  const registry = createSchemaRegistry({ url: stack.schemaRegistryUrl });
  // The judge of /describe's summaries: configured as a team configures one (docs/judge.md), pointed at the stand-in.
  const judgeServer = standInJudge();
  const judgeUrl = await listen(judgeServer);
  const judges = createJudges(
    resolveJudgeConfigOrThrow(
      { summary: { type: 'openai-chat', baseUrl: `${judgeUrl}/v1`, model: 'demo-rule', concurrency: 8, timeoutMs: 5000, deadlineMs: 10_000 } },
      { field: 'compare.judges' },
    ),
  );
  const joiner = createJoiner({
    kafka,
    registry,
    clickhouse: ch,
    groupId: `${prefix}joiner`,
    topicPrefix: prefix,
    challengers: ['pricing-candidate', 'pricing-secondary'],
    // The live captures nothing replays live expire from the join window quickly and are counted.
    windowMs: 3000,
    batchMaxDelayMs: 200,
    // node:http knows no route templates: configure the pricing service's (docs/compare.md); /describe's summary is judged.
    comparer: sharedComparer(
      {
        routes: { patterns: ['/price/:sku', '/describe/:sku'] },
        judges: { summary: judges.get('summary').asJudgeFn() },
        rules: [{ route: '/describe/:sku', judge: { path: '$.summary', use: 'summary' } }],
        judgeTimeoutMs: 11_000,
      },
      { judgeVersions: { summary: judges.get('summary').configVersion } },
    ),
    logger: log.child({ component: 'joiner' }),
  });
  await joiner.start();

  progress('joiner started (group ' + `${prefix}joiner)`);
  progress(
    `judge of /describe summaries: a local stand-in at ${judgeUrl} speaking the chat-completions API, deciding by a rule (same figures = equal), not a model`,
  );
  // The pricing challengers run as their own processes, and every side's /metrics is scraped into
  // ClickHouse while the demo runs (docs/watch.md): live is this process (it serves live pricing).
  const [candidateProcess, secondaryProcess] = await Promise.all([startPricing('candidate', 2), startPricing('live', 0)]);
  const liveMetrics = liveMetricsServer();
  const liveMetricsUrl = await listen(liveMetrics);
  const scrapeFrom = Date.now();
  const scraper = createScraper({
    config: {
      intervalMs: 500,
      timeoutMs: 450,
      targets: [
        { url: `${liveMetricsUrl}/metrics`, side: 'live', service: 'pricing' },
        { url: `${candidateProcess.url}/metrics`, side: 'challenger', service: 'pricing', challengerId: 'pricing-candidate' },
        { url: `${secondaryProcess.url}/metrics`, side: 'challenger', service: 'pricing', challengerId: 'pricing-secondary' },
      ],
    },
    sink: createClickHouseSampleSink(ch),
    // A scrape that times out on a busy machine is an `up = 0` row, not news for the demo's output.
    logger: log.child({ component: 'scraper' }, { level: 'error' }),
  });
  scraper.start();
  progress(
    `scraping /metrics of live (this process), the candidate (pid ${candidateProcess.pid}) and the secondary (pid ${secondaryProcess.pid}) every 500 ms`,
  );

  stage('capture: a pricing service embedding the tap, a catalog service behind the tap proxy');
  // 1. pricing: embeds the tap.
  const tapLogger = log.child({ component: 'tap' });
  const pricingTap = createTap({
    service: 'pricing',
    environment: 'demo',
    transport: createKafkaTransport({
      service: 'pricing',
      brokers: stack.kafkaBrokers,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      topicPrefix: prefix,
      logger: tapLogger,
    }),
    redaction: { jsonPaths: ['$.customer.email', '$.card.number'] },
    exchangeIdHeaders: ['x-request-id'],
    logger: tapLogger,
  });
  await pricingTap.start();
  const pricing = createServer(pricingHandler('live'));
  attachToServer(pricingTap, pricing);
  const pricingUrl = await listen(pricing);

  // 2. catalog: behind the tap proxy.
  const catalog = createServer((req, res) => {
    if (req.url === '/image') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(randomBytes(1024));
      setTimeout(() => res.end(randomBytes(3072)), 5);
    } else if (req.url === '/boom') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('catalog unavailable');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: ['a', 'b', 'c'] }));
    }
  });
  const catalogUrl = await listen(catalog);
  const proxy = await startTapProxy(
    loadConfig({
      TAP_PROXY_UPSTREAM: catalogUrl,
      TAP_PROXY_PORT: '0',
      TAP_PROXY_ADMIN_PORT: '0',
      SHADOW_SERVICE: 'catalog',
      SHADOW_ENVIRONMENT: 'demo',
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      SHADOW_TAP_EXCHANGE_ID_HEADERS: 'x-request-id',
    }),
    log.child({ component: 'tap-proxy' }),
  );
  const proxyUrl = `http://127.0.0.1:${proxy.address.port}`;

  // A tap mirrors once it has read the kill-switch topic (fail-closed start); wait for both.
  const deadline = Date.now() + 30_000;
  while (!pricingTap.enabled || !proxy.tap.enabled) {
    if (Date.now() > deadline) throw new Error('taps did not start mirroring within 30 s (kill switch unread?)');
    await new Promise((r) => setTimeout(r, 100));
  }

  stage(`traffic: ${REQUESTS_PER_SERVICE} requests to each service (JSON, a bearer token, an e-mail and a card number to redact, binary bodies, 404s, 503s)`);
  // 3. traffic.
  const served = new Map<string, Buffer>();
  const t0 = Date.now();
  const windowFrom = t0 - 1;
  for (let i = 0; i < REQUESTS_PER_SERVICE; i++) {
    // Unique per run (the run's prefix), so `shadow show <id>` finds this run's pair, not every demo's.
    const id = `${prefix.slice(0, -1)}-${i}`;
    if (i % 4 === 0) {
      await fetch(`${pricingUrl}/quote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `${id}-p`, authorization: 'Bearer secret-token' },
        body: JSON.stringify({ items: i, customer: { email: `user${i}@example.com` }, card: { number: '4111111111111111' } }),
      }).then((r) => r.arrayBuffer());
    } else {
      const route = i % 10 === 1 ? 'nope' : i % 4 === 2 ? `describe/sku-${i}` : `price/sku-${i}`;
      await fetch(`${pricingUrl}/${route}`, { headers: { 'x-request-id': `${id}-p` } }).then((r) => r.arrayBuffer());
    }
    if ((i + 1) % 50 === 0) progress(`${i + 1}/${REQUESTS_PER_SERVICE} requests sent to each service`);
    const path = i % 5 === 0 ? '/image' : i % 17 === 0 ? '/boom' : '/items';
    const response = await fetch(`${proxyUrl}${path}`, { headers: { 'x-request-id': `${id}-c` } });
    const body = Buffer.from(await response.arrayBuffer());
    if (path === '/image') served.set(`${id}-c`, body);
  }
  const trafficMs = Date.now() - t0;

  const pricingStats = await pricingTap.close(10_000);
  const proxyStats = await proxy.close();
  pricing.close();
  catalog.close();
  log.info({ trafficMs, pricing: pricingStats.transport, proxy: proxyStats.transport }, 'traffic done, taps flushed');

  stage('read back: every capture from Kafka, decoded through the schema registry and checked');
  // 4. read back and check.
  const expected = 2 * REQUESTS_PER_SERVICE;
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack.schemaRegistryUrl }),
    contract: capturedExchangeContract,
    subject: subjectFor(names.exchanges),
  });
  const consumer = kafka.consumer({ groupId: `${prefix}reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: names.exchanges, fromBeginning: true });
  const captured: CapturedExchange[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${captured.length}/${expected} captures arrived within 60 s`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        captured.push(await serde.decode(message.value as Buffer));
        if (captured.length % 100 === 0) progress(`${captured.length}/${expected} captures read back`);
        if (captured.length === expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();

  const problems: string[] = [];
  const ids = new Set(captured.map((c) => c.exchangeId));
  if (ids.size !== expected) problems.push(`expected ${expected} distinct exchanges, got ${ids.size}`);
  for (const c of captured) {
    const text = `${JSON.stringify(c.requestHeaders)} ${c.requestBody.toString('utf8')}`;
    if (text.includes('secret-token') || text.includes('@example.com') || text.includes('4111111111111111')) {
      problems.push(`exchange ${c.exchangeId} leaks a redacted value`);
    }
    const servedBody = served.get(c.exchangeId);
    if (servedBody !== undefined && !servedBody.equals(c.responseBody)) problems.push(`exchange ${c.exchangeId}: binary body differs from what the client got`);
  }

  // 5. summarise in ClickHouse.
  const table = `captured_${prefix.replace(/\W/g, '_')}`;
  await ch.client.command({
    query: `CREATE TABLE ${table} (exchange_id String, service LowCardinality(String), route String, status UInt16, live_latency_us UInt64, response_bytes UInt64) ENGINE = MergeTree ORDER BY (service, exchange_id)`,
  });
  await ch.client.insert({
    table,
    format: 'JSONEachRow',
    values: captured.map((c) => ({
      exchange_id: c.exchangeId,
      service: c.service,
      route: c.routeTemplate ?? c.path,
      status: c.responseStatus,
      live_latency_us: c.liveLatencyUs,
      response_bytes: c.responseBodySize,
    })),
  });
  const summary = await (
    await ch.client.query({
      query: `SELECT service, status, count() AS exchanges, round(quantile(0.5)(live_latency_us) / 1000, 2) AS p50_ms, round(quantile(0.99)(live_latency_us) / 1000, 2) AS p99_ms, sum(response_bytes) AS bytes FROM ${table} GROUP BY service, status ORDER BY service, status`,
      format: 'JSONEachRow',
    })
  ).json();
  await ch.client.command({ query: `DROP TABLE ${table} SYNC` });

  stage("replay: the captured pricing window to a candidate (adds a field, quotes 5% higher) and a secondary (live's code)");
  // 6. replay the captured window to the pricing challengers.
  const [candidateUrl, secondaryUrl] = [candidateProcess.url, secondaryProcess.url];
  const replay: ReplaySummary = await replayWindow({
    kafka,
    registry,
    topicPrefix: prefix,
    fromMs: windowFrom,
    toMs: Date.now() + 1,
    runId: `demo-${Date.now()}`,
    challengers: [
      { id: 'pricing-candidate', name: 'pricing@2.0.0-rc1', baseUrl: candidateUrl, role: 'candidate', services: ['pricing'], maxConcurrency: 4 },
      { id: 'pricing-secondary', name: 'pricing@1.0.0', baseUrl: secondaryUrl, role: 'secondary', services: ['pricing'], maxConcurrency: 4 },
    ],
    speed: 'max',
    logger: log.child({ component: 'replay' }),
  });
  const resultSerde = new RecordSerde({ registry, contract: shadowResultContract, subject: subjectFor(names.results) });
  const resultReader = kafka.consumer({ groupId: `${prefix}results-reader` });
  await resultReader.connect();
  await resultReader.subscribe({ topic: names.results, fromBeginning: true });
  const results: ShadowResult[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${results.length}/${replay.sent} replay results arrived within 30 s`)), 30_000);
    void resultReader.run({
      eachMessage: async ({ message }) => {
        results.push(await resultSerde.decode(message.value as Buffer));
        if (results.length >= replay.sent) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await resultReader.disconnect();

  progress(`replayed ${replay.sent} requests in ${replay.durationMs} ms; ${results.length} results on Kafka`);
  stage("join: waiting until the joiner has landed the run's pairs in ClickHouse");
  // 7. the running joiner pairs the run: wait until it has landed, then judge it.
  const pricingCaptured = captured.filter((c) => c.service === 'pricing').length;
  const joinStart = Date.now();
  const run = await waitForRun(ch, replay.runId);
  const joinMs = Date.now() - joinStart;
  const live = await liveCounts(ch, expected);
  const routeSummary = await summarizeByRoute(ch, { runId: replay.runId, topPaths: 3 });
  progress(`landed ${run.challengers.reduce((n, c) => n + c.paired, 0)} pairs in ${joinMs} ms`);
  await scraper.close();
  candidateProcess.process.kill('SIGTERM');
  secondaryProcess.process.kill('SIGTERM');
  liveMetrics.close();
  const resourceWindow = { fromMs: scrapeFrom, toMs: Date.now() + 1 };
  const resources = await resourceVerdicts(createClickHouseResourceReader(ch), {
    service: 'pricing',
    challengerId: 'pricing-candidate',
    secondaryId: 'pricing-secondary',
    window: resourceWindow,
    cpu: { bucketMs: 1000, minBuckets: 5 },
    // the report's default: a run of seconds is too short to judge memory growth, and says so
    memory: { maxBytesPerHour: 1024 * 1024 },
  });
  stage(`decide: the promotion gate on ${CRITERIA_FILE} for both challengers`);
  const verdicts = await gateChallengers(ch, replay.runId);
  const judged = await judgedDescribe(ch, replay.runId);
  await judges.close();
  judgeServer.close();
  // One real difference of the candidate, for the `shadow show` the demo suggests.
  const example = await createClickHouseExploreStore(ch).pairs({
    challengerId: 'pricing-candidate',
    window: { fromMs: windowFrom, toMs: Date.now() + 1 },
    runId: replay.runId,
    path: '$.total',
    filter: 'differing',
    pageSize: 1,
  });
  await joiner.close();
  // The topics stay: the captured traffic can be replayed again (the demo's closing lines say how).
  await admin.disconnect();

  const liveById = new Map(captured.map((c) => [c.exchangeId, c]));
  const replayTable = replay.perChallenger.map((c) => {
    const mine = results.filter((r) => r.challengerId === c.id);
    const differs = mine.filter((r) => {
      const live = liveById.get(r.exchangeId);
      return live !== undefined && (r.responseStatus !== live.responseStatus || comparable(r.responseBody) !== comparable(live.responseBody));
    }).length;
    return { challenger: c.id, role: c.role, sent: c.sent, ok: c.succeeded, errors: c.sent - c.succeeded, results: mine.length, 'differs from live': differs };
  });
  for (const row of replayTable) {
    if (row.sent !== pricingCaptured) problems.push(`${row.challenger}: replayed ${row.sent} of ${pricingCaptured} captured pricing exchanges`);
    if (row.errors !== 0) problems.push(`${row.challenger}: ${row.errors} replay errors`);
    if (row.results !== row.sent) problems.push(`${row.challenger}: ${row.results} results on Kafka for ${row.sent} replays`);
  }
  const candidateRow = replayTable.find((r) => r.role === 'candidate');
  const secondaryRow = replayTable.find((r) => r.role === 'secondary');
  if (candidateRow === undefined || candidateRow['differs from live'] === 0) problems.push("the candidate's deliberate difference was not seen");
  if (secondaryRow === undefined || secondaryRow['differs from live'] !== 0) problems.push('the secondary (same code as live) differs from live');
  if (!run.landed) problems.push(`run ${run.runId} did not land within 60 s (${run.state}, ${run.drainedPartitions}/${run.partitions} partitions)`);
  for (const c of run.challengers) {
    if (c.paired !== pricingCaptured) problems.push(`${c.id}: ${c.paired} pairs of the run for ${pricingCaptured} replayed exchanges`);
    const unmatched = Object.values(c.unmatched).reduce((a, b) => a + b, 0);
    if (unmatched !== 0) problems.push(`${c.id}: ${unmatched} unmatched rows in the run`);
  }
  if (live.unmatched !== 0) problems.push(`${live.unmatched} unmatched rows for live captures nothing was expected to replay`);
  const candidatePairs = routeSummary.reduce((n, r) => n + r.pairs, 0);
  if (candidatePairs !== pricingCaptured) problems.push(`ClickHouse holds ${candidatePairs} candidate pairs for ${pricingCaptured} replayed exchanges`);
  if (!routeSummary.some((r) => r.topDifferingPaths.some((p) => !p.noise))) problems.push('no real differing path was reported for the candidate');
  if (verdicts.candidate.verdict !== 'fail') problems.push(`the gate's verdict for the candidate is ${verdicts.candidate.verdict}, expected fail`);
  if (verdicts.secondary.verdict !== 'pass') problems.push(`the gate's verdict for the secondary is ${verdicts.secondary.verdict}, expected pass`);
  const describePairs = captured.filter((c) => c.service === 'pricing' && c.path.startsWith('/describe/')).length;
  if (judged.judge === null || judged.judge.needed !== describePairs)
    problems.push(`the judge was needed on ${judged.judge?.needed ?? 0} of ${describePairs} /describe pairs`);
  else if (judged.judge.equal === 0 || judged.judge.different === 0 || judged.judge.error !== 0)
    problems.push(
      `the judge said equal ${judged.judge.equal}, different ${judged.judge.different}, error ${judged.judge.error}: expected rewordings equal, changed figures different, no error`,
    );

  console.log(`\ncaptured ${captured.length}/${expected} exchanges (${REQUESTS_PER_SERVICE} per service) in ${trafficMs} ms of traffic`);
  console.table(summary);
  console.log(
    `\nreplayed the ${pricingCaptured} captured pricing exchanges (run ${replay.runId}) in ${replay.durationMs} ms, ${replay.achievedRatePerSecond} req/s:`,
  );
  console.table(replayTable);
  console.log(`\nthe joiner, running since before the capture, landed the run ${joinMs} ms after the replay ended:`);
  console.log(formatRunSummary(run));
  console.log(
    `live captures (no live replayer in the demo): ${live.seen} seen, ${live.notReplayed} counted as not replayed per challenger, ${live.unmatched} unmatched rows`,
  );
  console.log('\nper route, candidate vs live (noise judged by the secondary):');
  console.log(formatRouteSummary(routeSummary));
  if (judged.judge !== null) {
    const j = judged.judge;
    console.log(
      "\nthe judge on /describe/:sku, whose summary the candidate words differently (the demo's judge is a local stand-in deciding by a rule, not a model; docs/judge.md configures a real one by URL):",
    );
    console.log(
      `  agreement before the judge ${pct(judged.before)}, after the judge ${pct(j.agreementAfter.estimate)} [${pct(j.agreementAfter.lower)} .. ${pct(j.agreementAfter.upper)}] on ${j.agreementAfter.trials} pairs`,
    );
    console.log(`  ${j.needed} pairs needed the judge: equal ${j.equal}, different ${j.different}, error ${j.error}; ${j.tokens} tokens`);
    for (const e of j.examples)
      console.log(`  ${e.verdict.padEnd(9)} ${String(e.pairs).padStart(4)}  ${e.reason}  (e.g. npx shadow show ${e.examplePairId} --database demo)`);
  }
  console.log(`\npromotion gate, candidate pricing-candidate (exit code ${verdicts.candidate.exitCode}):`);
  console.log(renderVerdictText(verdicts.candidate));
  console.log(`\npromotion gate, secondary pricing-secondary (exit code ${verdicts.secondary.exitCode}):`);
  console.log(renderVerdictText(verdicts.secondary));
  printResources(resources, resourceWindow);
  if (resources.cpuRatio.overSecondary?.ratio === null || resources.cpuRatio.overSecondary === null)
    problems.push(`the candidate's CPU ratio over the secondary was not measured: ${resources.cpuRatio.overSecondary?.reason ?? 'no secondary'}`);
  if (resources.memoryGrowth.challenger.length !== 1 || resources.memoryGrowth.live.length !== 1)
    problems.push(
      `resident memory of ${resources.memoryGrowth.challenger.length} candidate and ${resources.memoryGrowth.live.length} live processes scraped, expected 1 each`,
    );
  if (problems.length > 0) {
    console.error(`demo FAILED:\n  ${problems.slice(0, 20).join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    "demo OK: every exchange captured once, redacted fields absent, binary bodies byte-identical; every pricing exchange replayed to both challengers and paired in ClickHouse, the candidate's difference found and gated, the secondary identical to live",
  );
  handOver({ stack, prefix, runId: replay.runId, windowFrom, windowTo: Date.now(), exampleId: example.items[0]?.exchangeId });
  if (WITH_DASHBOARD) {
    // The demo's process holds the embedded chDB: the dashboard reads through the demo's own engine.
    console.log('\nThe dashboard reads through this process, which holds the chDB: Ctrl-C stops both, then the commands above work.');
    const where = stack.clickhouse.mode === 'embedded' ? { CHDB_PATH: stack.clickhouse.path } : { CLICKHOUSE_URL: stack.clickhouse.url };
    const code = await dashboardCommand.run(
      { ...where, CLICKHOUSE_DATABASE: 'demo', DASHBOARD_CRITERIA: CRITERIA_FILE, DASHBOARD_WINDOW: '1h', LOG_LEVEL: 'warn' },
      { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env, cwd: findRepoRoot() },
      { clickhouse: ch },
    );
    await ch.close();
    process.exit(code);
  }
  await ch.close();
}

/** A pricing challenger as a child process (pricing-process.js), with its URL once it listens. */
async function startPricing(version: 'live' | 'candidate', workMs: number): Promise<{ process: ChildProcess; url: string; pid: number }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'pricing-process.js')], {
    env: { ...process.env, PRICING_VERSION: version, WORK_MS: String(workMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The demo never leaves a challenger running behind it, whatever way it ends.
  process.once('exit', () => child.kill('SIGTERM'));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`pricing ${version} exited with ${code} before listening`)));
  });
  return { process: child, url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0 };
}

/** This process' default metrics (it serves live pricing) on a port of their own: the tap never sees a scrape. */
function liveMetricsServer(): ReturnType<typeof createServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
}

/** The candidate's resources beside the secondary's and live's, as `shadow report`'s Resources section states them. */
function printResources(r: ResourceVerdicts, window: { fromMs: number; toMs: number }): void {
  const mib = (x: number | null) => (x === null ? '-' : `${(x / (1024 * 1024)).toFixed(1)} MiB/h`);
  console.log(
    `\nresources of pricing over the ${Math.round((window.toMs - window.fromMs) / 1000)} s the demo scraped (live is the demo's own process: it also runs the taps, the joiner and ClickHouse):`,
  );
  for (const ratio of [r.cpuRatio.overSecondary, r.cpuRatio.overLive]) {
    if (ratio === null) continue;
    const line =
      ratio.ratio === null || ratio.interval === null
        ? `not measured: ${ratio.reason}`
        : `${ratio.ratio.toFixed(3)}x (95% CI ${ratio.interval.lower.toFixed(3)}x .. ${ratio.interval.upper.toFixed(3)}x, ${ratio.n} paired buckets of 1 s)`;
    console.log(`  CPU candidate / ${ratio.baseline}: ${line}${ratio.warnings.length > 0 ? ' (warning: the baseline is live)' : ''}`);
  }
  for (const [side, list] of [
    ['candidate', r.memoryGrowth.challenger],
    ['live', r.memoryGrowth.live],
  ] as const) {
    for (const g of list) {
      const what = g.slopeBytesPerHour === null ? `insufficient: ${g.reason.replace(/^memory growth not judged: /, '')}` : `${mib(g.slopeBytesPerHour)}`;
      console.log(`  memory growth ${side} ${g.target}: ${what} (${g.n} points)`);
    }
  }
  console.log('  (npx shadow report --database demo --challenger pricing-candidate --since 1h --resource-bucket 1s shows the same; docs/gate.md "Resources")');
}

/** The demo's closing lines: where the data is and the next commands, exactly runnable from the repository. */
function handOver(o: { stack: StackEndpoints; prefix: string; runId: string; windowFrom: number; windowTo: number; exampleId: string | undefined }): void {
  const ch = o.stack.clickhouse;
  const where = ch.mode === 'embedded' ? `embedded chDB ${ch.path}, database demo` : `ClickHouse server ${ch.url}, database demo`;
  // The CLI finds the local stack's chDB by itself; a server is named explicitly.
  const at = ch.mode === 'embedded' ? '--database demo' : `--clickhouse-url ${ch.url} --database demo`;
  const from = new Date(o.windowFrom).toISOString();
  const to = new Date(o.windowTo + 1000).toISOString();
  console.log(`
Where the data is
  pairs, differences, runs:  ${where}
  captured traffic:          Kafka topics ${o.prefix}shadow.* (kept: replay them again, below)

Next, from this directory (\`npx shadow <command> --help\` for every flag; docs/cli.md)
  npx shadow report ${at} --challenger pricing-candidate --since 1h
  npx shadow report ${at} --run-id ${o.runId}
  npx shadow show ${o.exampleId ?? '<exchange-id>'} ${at}
  npx shadow gate --criteria ${CRITERIA_FILE} ${at} --challenger pricing-candidate --run-id ${o.runId}
  npx shadow dashboard ${at} --criteria ${CRITERIA_FILE}      # then open http://127.0.0.1:9480/ (Ctrl-C stops it)
  npx shadow captures --topic-prefix ${o.prefix} --since 1h --tail 3
  npx shadow replay --topic-prefix ${o.prefix} --from ${from} --to ${to} --challenger mine=http://127.0.0.1:8080
                                   # the same traffic again, to your own challenger on :8080; a joiner (npx shadow start joiner) pairs it
Or run the demo with the dashboard left up: npm run demo -- --dashboard`);
}

// The demo's promotion criteria: examples/gate.yaml (small minimums: the demo replays 200 requests).
const CRITERIA_FILE = 'examples/gate.yaml';
/** Waits (bounded) until the running joiner has landed every result of the run, as `shadow report --run-id R --wait` does. */
async function waitForRun(ch: ClickHouse, runId: string): Promise<RunSummary> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await summarizeRun(ch.client, runId);
    if (run.landed || Date.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What became of the live captures for the candidate (capture_minutes), once they left the join window. */
async function liveCounts(ch: ClickHouse, expected: number): Promise<{ seen: number; notReplayed: number; unmatched: number }> {
  const read = async (): Promise<{ seen: number; notReplayed: number; unmatched: number }> => {
    const [c] = await (
      await ch.client.query({
        query: "SELECT uniqExactMerge(seen) AS seen, uniqExactMerge(not_replayed) AS nr FROM capture_minutes WHERE challenger_id = 'pricing-candidate'",
        format: 'JSONEachRow',
      })
    ).json<{ seen: string; nr: string }>();
    const [u] = await (
      await ch.client.query({ query: "SELECT count() AS n FROM unmatched FINAL WHERE run_id = ''", format: 'JSONEachRow' })
    ).json<{ n: string }>();
    return { seen: Number(c?.seen ?? 0), notReplayed: Number(c?.nr ?? 0), unmatched: Number(u?.n ?? 0) };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const counts = await read();
    if (counts.seen >= expected || Date.now() > deadline) return counts;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

/** The candidate's /describe route: agreement before and after the judge, and what the judge decided. */
async function judgedDescribe(ch: ClickHouse, runId: string): Promise<{ before: number | null; judge: ReportJudge | null }> {
  const m = await createClickHousePairStore(ch).measurements({ challengerId: 'pricing-candidate', runId });
  const route = m.routes.find((r) => r.route === '/describe/:sku');
  if (route === undefined) return { before: null, judge: null };
  const before = route.agreement.trials === 0 ? null : route.agreement.successes / route.agreement.trials;
  return { before, judge: route.judge === undefined ? null : judgeReport(route.judge, 0.95) };
}

async function gateChallengers(ch: ClickHouse, runId: string) {
  const { criteria } = parseCriteria(readFileSync(join(findRepoRoot(), CRITERIA_FILE), 'utf8'), CRITERIA_FILE);
  const store = createClickHousePairStore(ch);
  const judge = async (challengerId: string) => evaluateGate(criteria, await store.measurements(measurementQueryFor(criteria, { challengerId, runId })));
  return { candidate: await judge('pricing-candidate'), secondary: await judge('pricing-secondary') };
}

main().catch((err: unknown) => {
  log.error({ err }, 'demo failed');
  process.exit(1);
});
