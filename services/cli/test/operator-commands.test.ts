// The operator commands on the real stack: `shadow stack status` against the running local stack,
// `shadow pause`/`resume` followed by a running tap transport, `shadow replay` of a small historical
// window through real Kafka + registry to two real HTTP challengers (summary and the results topic),
// and `shadow start replayer` in the foreground until it is stopped (drain, exit 0).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, shadowResultContract, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { createKafkaTransport } from '@shadow/tap';
import type { KafkaTransport } from '@shadow/tap';
import { Partitioners } from 'kafkajs';
import { runService } from '../src/commands/service.js';
import type { CliIo } from '../src/index.js';
import { runCli } from '../src/index.js';

function io(env: Record<string, string | undefined> = {}, cwd = '/'): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, cwd };
}

const shadow = (args: string[], t: CliIo): Promise<number> => runCli(['node', 'shadow', ...args], t);

async function within(what: string, ms: number, condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exchange(i: number, captureTimeMs: number): CapturedExchange {
  return {
    exchangeId: randomUUID(),
    captureTimeMs,
    service: 'orders',
    environment: 'test',
    method: 'GET',
    scheme: 'http',
    host: 'live',
    path: `/items/${i}`,
    query: '',
    routeTemplate: '/items/:id',
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: 200,
    responseHeaders: {},
    responseBody: Buffer.from('{}'),
    responseBodyTruncated: false,
    responseBodySize: 2,
    responseContentType: 'application/json',
    liveLatencyUs: 1,
    aborted: false,
    samplingRate: 1,
    tapVersion: 't',
  };
}

/** A real HTTP challenger answering {"item": <path>} and remembering the paths it saw. */
async function challenger(): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ item: req.url })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

/** Topics of a fresh prefix, exchanges produced through the registry; returns the names. */
async function withExchanges(prefix: string, exchanges: CapturedExchange[]): Promise<ReturnType<typeof topicNames>> {
  const names = topicNames(prefix);
  const kafka = kafkaClient(uniqueName('cli-ops'));
  const report = await ensureTopics(kafka, { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    contract: capturedExchangeContract,
    subject: subjectFor(names.exchanges),
  });
  await serde.init();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic: names.exchanges, acks: -1, messages: exchanges.map((e) => ({ key: e.exchangeId, value: serde.encodeSync(e) })) });
  } finally {
    await producer.disconnect();
  }
  return names;
}

/** Every result on the results topic, read until `count` arrived. */
async function readResults(topic: string, count: number): Promise<ShadowResult[]> {
  const kafka = kafkaClient(uniqueName('cli-ops-results'));
  const serde = new RecordSerde({
    registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
    contract: shadowResultContract,
    subject: subjectFor(topic),
  });
  const results: ShadowResult[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('cli-ops-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void results.push(await serde.decode(message.value as Buffer)) });
    await within(`${count} results on ${topic}`, 30_000, () => results.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return results;
}

describe('shadow stack (the running local stack)', () => {
  it('status exits 0 and prints one running line per component when the stack is up', async () => {
    const t = io({ ...process.env }, findRepoRoot());
    expect(await shadow(['stack', 'status'], t)).toBe(0);
    expect(t.lines.some((l) => /^kafka\s+running\s+pid \d+/.test(l))).toBe(true);
    expect(t.lines.some((l) => /^registry\s+running\s+pid \d+/.test(l))).toBe(true);
  });
});

describe('shadow pause / resume (real Kafka, a running tap transport)', () => {
  const transports: KafkaTransport[] = [];
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close(1_000)));
  });

  it('pauses and resumes a running tap within 5 s; resume --clear removes the entry', async () => {
    const prefix = `${uniqueName('cli-ctl')}.`;
    const brokers = stack().kafkaBrokers.join(',');
    const transport = createKafkaTransport({
      service: 'checkout',
      brokers: stack().kafkaBrokers,
      schemaRegistryUrl: stack().schemaRegistryUrl,
      topicPrefix: prefix,
    });
    transports.push(transport);

    const paused = io();
    expect(
      await shadow(['pause', '--service', '*', '--reason', 'incident 42', '--by', 'oncall@test', '--brokers', brokers, '--topic-prefix', prefix], paused),
    ).toBe(0);
    expect(paused.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^mirroring paused for \\* on ${prefix.replaceAll('.', '\\.')}shadow\\.control\\.v1 \\(by oncall@test at .*: incident 42\\)$`),
      ),
    ]);
    await transport.start();
    await within('the tap pauses', 5_000, () => transport.controlState === 'paused');
    expect(transport.enabled).toBe(false);

    const resumed = io({ KAFKA_BROKERS: brokers });
    expect(await shadow(['resume', '--service', '*', '--reason', 'incident over', '--topic-prefix', prefix], resumed)).toBe(0);
    expect(resumed.errors).toContain(`kafka: ${brokers} (from KAFKA_BROKERS)`);
    await within('the tap resumes', 5_000, () => transport.enabled);

    // A pause of the service itself, lifted by removing its entry (tap-control's `clear`).
    expect(await shadow(['pause', '--service', 'checkout', '--reason', 'load test', '--brokers', brokers, '--topic-prefix', prefix], io())).toBe(0);
    await within('the tap pauses for its own entry', 5_000, () => !transport.enabled);
    const cleared = io();
    expect(await shadow(['resume', '--service', 'checkout', '--clear', '--brokers', brokers, '--topic-prefix', prefix], cleared)).toBe(0);
    expect(cleared.lines[0]).toMatch(/^cleared mirroring entry for checkout on /);
    await within('the tap resumes once the entry is gone', 5_000, () => transport.enabled);
  });

  it('exits 1 naming the failure when Kafka cannot be reached', async () => {
    const t = io();
    expect(await shadow(['pause', '--service', 'x', '--reason', 'r', '--brokers', '127.0.0.1:1', '--timeout-ms', '1000'], t)).toBe(1);
    expect(t.errors.join('\n')).toMatch(/^shadow: pause: /m);
  }, 60_000);
});

describe('shadow replay (real Kafka + registry, real HTTP challengers)', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('replays exactly the window to both challengers, prints the summary, results carry the run id', async () => {
    const prefix = `${uniqueName('cli-replay')}.`;
    const now = Date.now();
    const inside = Array.from({ length: 6 }, (_, i) => exchange(i, now - 60_000 + i * 1_000));
    const outside = exchange(99, now - 30 * 60_000);
    const names = await withExchanges(prefix, [outside, ...inside]);
    const candidate = await challenger();
    const secondary = await challenger();
    servers.push(candidate.server, secondary.server);
    const runId = uniqueName('run');

    const t = io();
    const code = await shadow(
      [
        'replay',
        '--from',
        new Date(now - 61_000).toISOString(),
        '--to',
        String(now),
        '--run-id',
        runId,
        '--challenger',
        `cand=${candidate.url}`,
        '--challenger',
        `sec=${secondary.url},role=secondary`,
        '--brokers',
        stack().kafkaBrokers.join(','),
        '--schema-registry-url',
        stack().schemaRegistryUrl,
        '--topic-prefix',
        prefix,
      ],
      t,
    );
    expect(code, [...t.lines, ...t.errors].join('\n')).toBe(0);
    expect(t.lines[0]).toBe(`run ${runId} completed`);
    expect(t.lines).toContain('  exchanges  6 replayed, 1 outside the window, 0 sampled out, 0 dead-lettered');
    expect(t.lines).toContain('  requests   12 sent, 12 succeeded, failed: none');
    expect(t.lines).toContain('    cand (candidate): sent 6, ok 6, errors 0');
    expect(t.lines).toContain('    sec (secondary): sent 6, ok 6, errors 0');
    // Not a terminal here: progress went out as log lines, not a bar.
    expect(t.errors.some((l) => l.includes('"msg":"replay progress"') || l.includes('"runId"'))).toBe(true);
    expect(candidate.paths.sort()).toEqual(inside.map((e) => e.path).sort());
    expect(secondary.paths).toHaveLength(6);

    const results = await readResults(names.results, 12);
    expect(results).toHaveLength(12);
    expect(new Set(results.map((r) => r.runId))).toEqual(new Set([runId]));
    expect(results.filter((r) => r.challengerId === 'sec').every((r) => r.challengerRole === 'secondary')).toBe(true);
    expect(new Set(results.map((r) => r.exchangeId))).toEqual(new Set(inside.map((e) => e.exchangeId)));
    expect(results.every((r) => r.responseStatus === 200)).toBe(true);
  }, 120_000);

  it('exits 1 with the reason when the exchanges topic does not exist', async () => {
    const t = io();
    const code = await shadow(
      [
        'replay',
        '--from',
        '2026-11-29T10:00:00Z',
        '--to',
        '2026-11-29T11:00:00Z',
        '--challenger',
        'cand=http://127.0.0.1:1',
        '--brokers',
        stack().kafkaBrokers.join(','),
        '--schema-registry-url',
        stack().schemaRegistryUrl,
        '--topic-prefix',
        `${uniqueName('cli-none')}.`,
      ],
      t,
    );
    expect(code).toBe(1);
    expect(t.errors.join('\n')).toMatch(/replay failed: .*shadow\.exchanges\.v1/);
  }, 60_000);
});

/** `shadow` as a real process from source (a pipe, not a terminal); resolves with its exit code and output. */
function shadowProcess(
  args: string[],
  onStarted: (kill: (signal: NodeJS.Signals) => void, output: () => string) => void = () => undefined,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = findRepoRoot();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', join(root, 'services/cli/src/main.ts'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    onStarted(
      (signal) => child.kill(signal),
      () => stdout,
    );
  });
}

describe('shadow replay as a process: SIGINT interrupts, the same --run-id resumes', () => {
  it('exits 130 with INTERRUPTED, then completes the rest of the window on resume', async () => {
    const prefix = `${uniqueName('cli-resume')}.`;
    const now = Date.now();
    const exchanges = Array.from({ length: 40 }, (_, i) => exchange(i, now - 60_000 + i * 100));
    const names = await withExchanges(prefix, exchanges);
    const paths: string[] = [];
    const slow = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 100);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const runId = uniqueName('resume');
    const args = [
      'replay',
      '--from',
      String(now - 61_000),
      '--to',
      String(now),
      '--run-id',
      runId,
      '--challenger',
      `cand=${url},concurrency=1`,
      '--brokers',
      stack().kafkaBrokers.join(','),
      '--schema-registry-url',
      stack().schemaRegistryUrl,
      '--topic-prefix',
      prefix,
    ];
    try {
      const first = await shadowProcess(args, (kill) => {
        void within('some requests', 60_000, () => paths.length >= 5).then(() => kill('SIGINT'));
      });
      expect(first.code, first.stderr).toBe(130);
      expect(first.stdout).toContain(`run ${runId} INTERRUPTED (resume with --run-id ${runId})`);
      const seenBefore = paths.length;
      expect(seenBefore).toBeLessThan(40);

      const second = await shadowProcess(args);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain(`run ${runId} completed (resumed)`);
      // Every exchange of the window reached the challenger across the two sessions.
      expect(new Set(paths)).toEqual(new Set(exchanges.map((e) => e.path)));
      const results = await readResults(names.results, 40);
      expect(new Set(results.map((r) => r.exchangeId))).toEqual(new Set(exchanges.map((e) => e.exchangeId)));
    } finally {
      slow.close();
    }
  }, 180_000);
});

describe('shadow start replayer (foreground, real Kafka + registry)', () => {
  it('replays what arrives, then drains and exits 0 when stopped', async () => {
    const prefix = `${uniqueName('cli-start')}.`;
    const inside = Array.from({ length: 4 }, (_, i) => exchange(i, Date.now()));
    const names = await withExchanges(prefix, inside);
    const candidate = await challenger();
    const dir = mkdtempSync(join(tmpdir(), 'cli-start-'));
    const config = join(dir, 'replayer.yaml');
    writeFileSync(
      config,
      [
        `kafka: { brokers: [${JSON.stringify(stack().kafkaBrokers[0])}] }`,
        `schemaRegistry: { url: ${JSON.stringify(stack().schemaRegistryUrl)} }`,
        `topicPrefix: ${JSON.stringify(prefix)}`,
        `groupId: ${JSON.stringify(`${prefix}replayer`)}`,
        'startFrom: earliest',
        `challengers: [{ id: cand, baseUrl: ${JSON.stringify(candidate.url)} }]`,
        'admin: { port: 0 }',
        'logLevel: info',
      ].join('\n'),
    );
    const t = io();
    const stop = new AbortController();
    const running = runService('replayer', { config }, t, stop.signal);
    try {
      await within('the candidate receives every exchange', 60_000, () => candidate.paths.length >= 4);
      await readResults(names.results, 4);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
    expect(t.lines.some((l) => l.includes('"msg":"replayer running"'))).toBe(true);
    expect(t.lines.some((l) => l.includes('"msg":"draining"'))).toBe(true);
    expect(t.lines.some((l) => l.includes('"msg":"replayer stopped"'))).toBe(true);
    candidate.server.close();
  }, 120_000);
});

describe('shadow start joiner (a process: real Kafka + registry, embedded chDB)', () => {
  it('starts (tables migrated), and on SIGTERM drains and exits 0', async () => {
    const prefix = `${uniqueName('cli-joiner')}.`;
    expect((await ensureTopics(kafkaClient(uniqueName('cli-joiner')), { prefix, partitions: 2 })).problems).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'cli-joiner-'));
    const config = join(dir, 'joiner.yaml');
    writeFileSync(
      config,
      `JOINER_CHALLENGERS: cand\nJOINER_GROUP_ID: ${prefix}joiner\nJOINER_ADMIN_PORT: 0\nJOINER_QUERY_PORT: 0\nSHADOW_TOPIC_PREFIX: ${JSON.stringify(prefix)}\n`,
    );
    const env = { KAFKA_BROKERS: stack().kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl, CHDB_PATH: join(dir, 'chdb') };
    const run = await shadowProcess(
      ['start', 'joiner', '--config', config],
      (kill, output) => {
        void within('the joiner to start', 90_000, () => output().includes('"msg":"joiner started"')).then(
          () => kill('SIGTERM'),
          () => kill('SIGKILL'),
        );
      },
      env,
    );
    expect(run.stdout, run.stderr).toContain('"msg":"joiner started"');
    expect(run.stdout).toContain('"msg":"migrations checked"');
    expect(run.stdout).toContain('"msg":"draining"');
    expect(run.code, run.stderr).toBe(0);
  }, 150_000);
});
