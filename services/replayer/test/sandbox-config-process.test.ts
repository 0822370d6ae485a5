// The replayer as a process (main.ts, config from a YAML file + env) and its `sandbox:` section:
// - a bad section exits 2 naming every bad field by its full path, with the other sections' (it
//   exited 1 naming only the first);
// - the per-challenger ports of `sandbox.challengers` are honoured (they were replaced by random
//   ones) and printed: a challenger started BEFORE `replay`, pointed at the configured port, gets
//   live's recorded answer through the sandbox; `serve` logs the same addresses;
// - a configured port that is taken fails start-up naming the port and the config field.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { capturedExchangeContract, createSchemaRegistry, createTopicsAndWait, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import type { CapturedExchange } from '@shadow/contracts';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';

const root = findRepoRoot();
const prefix = `${uniqueName('replayer-sbx-cfg')}.`;
const names = topicNames(prefix);
const dir = mkdtempSync(join(tmpdir(), 'replayer-sandbox-config-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function replayer(
  args: string[],
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): { done: Promise<Run>; stdout: () => string; kill: (signal: NodeJS.Signals) => void } {
  const file = join(dir, `${randomUUID()}.yaml`);
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, ['--conditions=@shadow/source', '--import', 'tsx', join(root, 'services/replayer/src/main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, REPLAYER_CONFIG: file, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { done, stdout: () => stdout, kill: (signal) => child.kill(signal) };
}

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; port: number; server: Server }> {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, server: s };
}

async function freePort(): Promise<number> {
  const s = await server(() => undefined);
  await new Promise<void>((r) => s.server.close(() => r()));
  return s.port;
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function baseConfig(challengerUrl: string, sandbox: Record<string, unknown>): Record<string, unknown> {
  return {
    kafka: { brokers: stack().kafkaBrokers },
    schemaRegistry: { url: stack().schemaRegistryUrl },
    topicPrefix: prefix,
    groupId: `${prefix}${randomUUID()}`,
    startFrom: 'earliest',
    killSwitch: { enabled: false },
    admin: { port: 0 },
    challengers: [{ id: 'cand', baseUrl: challengerUrl }],
    sandbox,
    logLevel: 'info',
  };
}

describe('replayer process: the sandbox section', () => {
  const kafka = kafkaClient('replayer-sbx-cfg');
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(
      admin,
      [names.exchanges, names.results, names.sideEffects, names.deadLetter].map((topic) => ({ topic, numPartitions: 1 })),
      30_000,
    );
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('a bad sandbox section exits 2 naming every bad field by its full path, for serve and replay', async () => {
    const config = {
      ...baseConfig('http://127.0.0.1:1', {
        dependencies: { payments: 'ftp://payments' },
        rules: [{ action: 'drop' }, { action: 'block', methods: [] }],
        challengers: [
          { id: 'cand', httpPort: 70000 },
          { id: 'ghost', httpPort: 1 },
        ],
        maxBodyBytes: -1,
      }),
      admin: { port: 'nine' },
    };
    const expected = [
      'admin.port',
      'sandbox.challengers[0].httpPort: must be an integer in [0, 65535], got 70000',
      'sandbox.dependencies.payments.url: must be an http: or https: URL, got "ftp://payments"',
      'sandbox.rules[0].action: must be one of record, forward, block, got "drop"',
      'sandbox.rules[1].methods: must be a non-empty array of HTTP methods',
      'sandbox.maxBodyBytes: must be an integer in [0, 67108864], got -1',
      'sandbox.challengers[1].id: "ghost" is not one of the challengers (cand)',
    ];
    const serve = await replayer([], config).done;
    expect(serve.code).toBe(2);
    for (const line of expected) expect(serve.stderr).toContain(line);
    expect(serve.stderr).not.toMatch(/\n\s+at /);

    const now = Date.now();
    const replay = await replayer(['replay', '--from', new Date(now - 60_000).toISOString(), '--to', new Date(now).toISOString()], config).done;
    expect(replay.code).toBe(2);
    for (const line of expected) expect(replay.stderr).toContain(line);
  });

  it("replay honours the configured sandbox port: a challenger started first, pointed at it, gets live's recorded answer", async () => {
    const sandboxPort = await freePort();
    let paymentsCalls = 0;
    const payments = await server((req, res) => {
      paymentsCalls++;
      res.writeHead(500).end('the real payments server must not be called');
    });
    // Started before the replayer: its dependency URL is the configured address, known in advance.
    const dependencyUrl = `http://127.0.0.1:${sandboxPort}/__dep/payments`;
    const answers: { status: number; body: string }[] = [];
    const challenger = await server((req, res) => {
      req.resume();
      req.on('end', () => {
        void (async () => {
          const r = await fetch(`${dependencyUrl}/v1/charges`, {
            method: 'POST',
            body: '{"amount":1}',
            headers: { 'x-shadow-exchange-id': String(req.headers['x-shadow-exchange-id']) },
          });
          answers.push({ status: r.status, body: await r.text() });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        })().catch(() => res.destroy());
      });
    });
    const exchange: CapturedExchange = {
      exchangeId: randomUUID(),
      captureTimeMs: Date.now(),
      service: 'checkout',
      environment: 'test',
      method: 'POST',
      scheme: 'http',
      host: 'live',
      path: '/checkout',
      query: '',
      routeTemplate: null,
      requestHeaders: {},
      requestBody: Buffer.from('{}'),
      requestBodyTruncated: false,
      requestBodySize: 2,
      requestContentType: null,
      responseStatus: 200,
      responseHeaders: {},
      responseBody: Buffer.from('{"ok":true}'),
      responseBodyTruncated: false,
      responseBodySize: 11,
      responseContentType: 'application/json',
      liveLatencyUs: 1,
      aborted: false,
      samplingRate: 1,
      tapVersion: 't',
      outboundCalls: [
        {
          sequence: 0,
          startTimeMs: Date.now(),
          durationUs: 900,
          dependencyKind: 'http',
          scheme: 'http',
          target: `127.0.0.1:${payments.port}`,
          method: 'POST',
          path: '/v1/charges',
          requestHeaders: {},
          requestBody: Buffer.from('{"amount":1}'),
          requestBodyTruncated: false,
          responseStatus: 201,
          responseHeaders: { 'content-type': ['application/json'] },
          responseBody: Buffer.from('{"charge":"live"}'),
          responseBodyTruncated: false,
          errorMessage: null,
        },
      ],
    };
    const registry = createSchemaRegistry({ url: stack().schemaRegistryUrl });
    const serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(names.exchanges) });
    await serde.init();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, acks: -1, messages: [{ key: exchange.exchangeId, value: serde.encodeSync(exchange) }] });
    await producer.disconnect();

    try {
      const config = baseConfig(challenger.url, {
        dependencies: { payments: payments.url },
        smtp: false,
        challengers: [{ id: 'cand', httpPort: sandboxPort }],
      });
      const from = new Date(exchange.captureTimeMs - 60_000).toISOString();
      const to = new Date(exchange.captureTimeMs + 60_000).toISOString();
      const run = await replayer(['replay', '--from', from, '--to', to, '--run-id', uniqueName('run')], config, { LOG_LEVEL: 'warn' }).done;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // Printed before the run, per challenger: the configured port, the dependency URL.
      expect(run.stdout).toContain(`sandbox: challenger cand: HTTP_PROXY=http://127.0.0.1:${sandboxPort} payments=${dependencyUrl}\n`);
      expect(run.stdout.indexOf('sandbox: challenger cand')).toBeLessThan(run.stdout.indexOf('run '));
      expect(answers).toEqual([{ status: 201, body: '{"charge":"live"}' }]);
      expect(paymentsCalls).toBe(0);
    } finally {
      payments.server.close();
      challenger.server.close();
    }
  });

  it('serve honours and logs the configured port; a taken port fails start-up naming the port and the field', async () => {
    const sandboxPort = await freePort();
    const smtpPort = await freePort();
    const challenger = await server((_req, res) => res.end('{}'));
    try {
      const config = baseConfig(challenger.url, {
        dependencies: { payments: 'http://127.0.0.1:9' },
        challengers: [{ id: 'cand', httpPort: sandboxPort, smtpPort }],
      });
      const serve = replayer([], config);
      await waitFor('the sandbox addresses in the log', () => serve.stdout().includes('replayer running'), 40_000, serve.stdout);
      const line = serve
        .stdout()
        .split('\n')
        .find((l) => l.includes('sandbox: challenger cand'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        msg: `sandbox: challenger cand: HTTP_PROXY=http://127.0.0.1:${sandboxPort} payments=http://127.0.0.1:${sandboxPort}/__dep/payments smtp=127.0.0.1:${smtpPort}`,
        challenger: 'cand',
        httpProxy: `http://127.0.0.1:${sandboxPort}`,
        smtp: `127.0.0.1:${smtpPort}`,
      });
      // The sandbox listens there: a call to an unknown dependency is answered (and refused) by it.
      const r = await fetch(`http://127.0.0.1:${sandboxPort}/__dep/ledger/x`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: string }).error).toContain('unknown dependency "ledger"');

      // The same port again while the first holds it.
      const second = await replayer([], { ...config, groupId: `${prefix}${randomUUID()}` }).done;
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`sandbox.challengers[0].httpPort: cannot listen on 127.0.0.1:${sandboxPort} for challenger cand's HTTP listener`);
      expect(second.stderr).toContain('EADDRINUSE');

      serve.kill('SIGTERM');
      expect((await serve.done).code).toBe(0);
    } finally {
      challenger.server.close();
    }
  });
});
