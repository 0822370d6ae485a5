// shadow show / captures / status / dashboard / --version through the built CLI (a child process per
// run, as a user runs it) against the real stack: pairs compared by the joiner's real comparer and
// landed as its writer lands them in a real embedded chDB directory; captures produced to a real
// topic through the registry; the kill switch on a real control topic; a consumer group that really
// committed; the dashboard serving until SIGTERM. Also: a taken port names itself and its setting.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import { capturedExchangeContract, createSchemaRegistry, ensureTopics, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import { rowsFor, sharedComparer } from '@shadow/join';
import type { JoinedExchange } from '@shadow/join';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/cli/dist/main.js');
const CANDIDATE = 'pricing-rc';
const SECONDARY = 'pricing-sec';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The clock shift of test/clock/clock-ahead.test.ts (a Date preload in NODE_OPTIONS), so the CLI children run shifted too. */
const clockShift = (): Record<string, string> => {
  const { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options } = process.env;
  return days === undefined ? {} : { SHADOW_CLOCK_SHIFT_DAYS: days, NODE_OPTIONS: options ?? '' };
};

let dir: string;
let chdb: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? dir,
    USER: 'ci-test',
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    ...clockShift(),
    ...extra,
  };
}

function shadow(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: dir, env: env(extra), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const exchangeId = `show-${randomUUID()}`;
const agreeingId = `show-${randomUUID()}`;

/** Two exchanges of POST /quote: one the candidate answers with a higher total and a new field (a random quoteId everywhere: noise), one it answers the same. */
function seedRows(now: number): ReturnType<typeof rowsFor>[] {
  const comparer = sharedComparer({});
  return [exchangeId, agreeingId].map((id, i) => {
    const at = now - 10 * 60_000 + i * 1000;
    const live = { quoteId: randomUUID(), total: 1000, items: [{ sku: 'a', qty: 4 }] };
    const cand = i === 0 ? { quoteId: randomUUID(), total: 1050, items: [{ sku: 'a', qty: 4 }], currency: 'EUR' } : { ...live, quoteId: randomUUID() };
    const sec = { ...live, quoteId: randomUUID() };
    const exchange = {
      exchangeId: id,
      captureTimeMs: at,
      service: 'pricing',
      environment: 'test',
      method: 'POST',
      scheme: 'http',
      host: 'pricing.local',
      path: '/quote',
      query: '',
      routeTemplate: '/quote',
      requestHeaders: {},
      requestBody: json({ items: 4 }),
      requestBodyTruncated: false,
      requestBodySize: 12,
      requestContentType: 'application/json',
      responseStatus: 201,
      responseHeaders: { 'content-type': ['application/json'], 'x-version': ['1.0.0'] },
      responseBody: json(live),
      responseBodyTruncated: false,
      responseBodySize: json(live).length,
      responseContentType: 'application/json',
      liveLatencyUs: 4_000,
      aborted: false,
      samplingRate: 1,
      tapVersion: 'test',
      outboundCalls: [],
    } as CapturedExchange;
    const result = (challengerId: string, role: string, body: unknown, version: string): ShadowResult =>
      ({
        exchangeId: id,
        challengerId,
        challengerName: challengerId,
        attempt: 1,
        replayTimeMs: at + 5,
        responseStatus: 201,
        responseHeaders: { 'content-type': ['application/json'], 'x-version': [version] },
        responseBody: json(body),
        responseBodyTruncated: false,
        responseBodySize: json(body).length,
        responseContentType: 'application/json',
        latencyUs: 6_000,
        errorKind: null,
        errorMessage: null,
        replayerVersion: 'test',
        challengerRole: role,
        runId: null,
      }) as ShadowResult;
    const results = new Map<string, ShadowResult>([
      [CANDIDATE, result(CANDIDATE, 'candidate', cand, i === 0 ? '2.0.0' : '1.0.0')],
      [SECONDARY, result(SECONDARY, 'secondary', sec, '1.0.0')],
    ]);
    const joined = {
      exchangeId: id,
      partition: 0,
      cause: 'complete',
      firstSeenMs: at,
      exchange,
      results,
      sideEffects: [],
      slots: [],
    } as unknown as JoinedExchange;
    return rowsFor(joined, comparer, { challengers: [CANDIDATE, SECONDARY], bodySampleRate: 1, maxBodyBytes: 65_536 }, now);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadow-cli-explore-'));
  chdb = join(dir, 'chdb');
  const ch = await createClickHouse({ mode: 'embedded', path: chdb });
  try {
    await migrate(ch, SCHEMA_MIGRATIONS);
    for (const rows of seedRows(Date.now())) {
      await ch.client.insert({ table: 'pairs', values: rows.pairs, format: 'JSONEachRow' });
      if (rows.diffs.length > 0) await ch.client.insert({ table: 'pair_diffs', values: rows.diffs, format: 'JSONEachRow' });
    }
  } finally {
    await ch.close();
  }
}, 180_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('shadow show <exchange-id>', () => {
  it('prints live and each challenger side by side: the differing path with both values, noise marked, the differing header, the bodies', async () => {
    const r = await shadow(['show', exchangeId, '--chdb-path', chdb]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`exchange ${exchangeId}: pricing (test) POST /quote, route /quote`);
    expect(r.stdout).toContain(`${CANDIDATE} (candidate)`);
    expect(r.stdout).toContain(`${SECONDARY} (secondary)`);
    expect(r.stdout).toMatch(/! \$\.total {2}\w+: 1000 -> 1050/);
    expect(r.stdout).toMatch(/! \$\.currency {2}\w+: \(absent\) -> "EUR"/);
    expect(r.stdout).toMatch(/~ \$\.quoteId .*\(noise: live and the secondary differ here too\)/);
    expect(r.stdout).toMatch(/! x-version {2}\w+: .*1\.0\.0.* -> .*2\.0\.0/);
    // the bodies, aligned by path: live's total on the left, the candidate's on the right, marked
    expect(r.stdout).toMatch(/! {3}"total": 1000, +│ {3}"total": 1050,/);
    expect(r.stdout).toMatch(/! +│ {3}"currency": "EUR"/);
    // not a terminal: no colour codes
    expect(r.stdout).not.toContain('\u001b[');
  });

  it("--format json is the pair detail (the dashboard's): both challengers, the differences with their values", async () => {
    const r = await shadow(['show', exchangeId, '--chdb-path', chdb, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const detail = JSON.parse(r.stdout) as {
      exchangeId: string;
      pairs: {
        challengerId: string;
        role: string;
        agree: boolean;
        differences: { path: string; noise: boolean; liveValue: string; candidateValue: string }[];
      }[];
    };
    expect(detail.exchangeId).toBe(exchangeId);
    expect(detail.pairs.map((p) => [p.challengerId, p.role])).toEqual([
      [CANDIDATE, 'candidate'],
      [SECONDARY, 'secondary'],
    ]);
    const total = detail.pairs[0]?.differences.find((d) => d.path === '$.total');
    expect(total).toMatchObject({ noise: false, liveValue: '1000', candidateValue: '1050' });
    expect(detail.pairs[0]?.differences.find((d) => d.path === '$.quoteId')?.noise).toBe(true);
  });

  it('an agreeing pair (noise only) says so; --challenger narrows to one', async () => {
    const r = await shadow(['show', agreeingId, '--chdb-path', chdb, '--challenger', CANDIDATE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('agrees once noise is discounted');
    expect(r.stdout).not.toContain(SECONDARY);
  });

  it('an id that is not stored is exit 2 with one line; so is an id of the wrong format, never sent to ClickHouse', async () => {
    const missing = await shadow(['show', `nope-${randomUUID()}`, '--chdb-path', chdb]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(
      missing.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('shadow:')),
    ).toEqual([expect.stringMatching(/^shadow: exchange nope-\S+ not found in database "default", embedded chDB/)]);
    for (const bad of ["x' OR 1=1 --", 'a'.repeat(129), 'tab\there', 'é']) {
      const r = await shadow(['show', bad, '--chdb-path', chdb]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('an exchange id is 1-128 visible ASCII characters');
      expect(r.stderr).not.toContain('clickhouse:');
    }
  });

  it('an unknown database is exit 2 naming it, not a crash', async () => {
    const r = await shadow(['show', exchangeId, '--chdb-path', chdb, '--database', 'nosuchdb']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('database "nosuchdb" does not exist');
  });
});

describe('shadow captures (real Kafka and registry)', () => {
  const prefix = `${uniqueName('cli-cap')}.`;
  const counts = { pricing: 23, catalog: 9 };

  beforeAll(async () => {
    const kafka = kafkaClient(uniqueName('cli-cap'));
    const report = await ensureTopics(kafka, { prefix, partitions: 3 });
    expect(report.problems).toEqual([]);
    const topic = topicNames(prefix).exchanges;
    const serde = new RecordSerde({
      registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(topic),
    });
    await serde.init();
    const now = Date.now();
    const messages = Object.entries(counts).flatMap(([service, n]) =>
      Array.from({ length: n }, (_, i) => {
        const e = {
          exchangeId: randomUUID(),
          captureTimeMs: now - 5_000 + i,
          service,
          environment: 'test',
          method: 'GET',
          scheme: 'http',
          host: 'h',
          path: `/items/${i}`,
          query: '',
          routeTemplate: '/items/:id',
          requestHeaders: { accept: ['application/json'] },
          requestBody: Buffer.alloc(0),
          requestBodyTruncated: false,
          requestBodySize: 0,
          requestContentType: null,
          responseStatus: 200,
          responseHeaders: {},
          responseBody: json({ item: i, service }),
          responseBodyTruncated: false,
          responseBodySize: json({ item: i, service }).length,
          responseContentType: 'application/json',
          liveLatencyUs: 1500,
          aborted: false,
          samplingRate: 1,
          tapVersion: 't',
        } as CapturedExchange;
        return { key: e.exchangeId, value: serde.encodeSync(e) };
      }),
    );
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it('counts per service equal what was produced, per minute and in total', async () => {
    const r = await shadow(['captures', '--since', '10m', '--topic-prefix', prefix, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { total: number; services: Record<string, number>; minutes: { counts: Record<string, number> }[]; tail: unknown[] };
    expect(out.services).toEqual({ catalog: 9, pricing: 23 });
    expect(out.total).toBe(32);
    expect(out.minutes.reduce((n, m) => n + Object.values(m.counts).reduce((a, b) => a + b, 0), 0)).toBe(32);
    expect(out.tail).toEqual([]);
    const text = await shadow(['captures', '--since', '10m', '--topic-prefix', prefix]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/total\s+9\s+23\s+32/);
  });

  it('--tail 3 decodes the last three; --service narrows the counts', async () => {
    const r = await shadow(['captures', '--since', '10m', '--topic-prefix', prefix, '--service', 'pricing', '--tail', '3', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      services: Record<string, number>;
      tail: { service: string; path: string; responseBody: { preview: string }; requestHeaders: Record<string, string[]> }[];
    };
    expect(out.services).toEqual({ pricing: 23 });
    expect(out.tail.map((t) => t.path)).toEqual(['/items/20', '/items/21', '/items/22']);
    expect(out.tail.every((t) => t.service === 'pricing' && t.requestHeaders['accept']?.[0] === 'application/json')).toBe(true);
    expect(out.tail[2]?.responseBody.preview).toBe('{"item":22,"service":"pricing"}');
  });

  it('a window before anything was captured counts nothing; a bad flag is exit 2', async () => {
    const r = await shadow(['captures', '--since', '3h', '--until', '2h', '--topic-prefix', prefix, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { total: number }).total).toBe(0);
    expect((await shadow(['captures', '--since', '72', '--topic-prefix', prefix])).code).toBe(2);
    expect((await shadow(['captures', '--service', 'a b', '--topic-prefix', prefix])).code).toBe(2);
  });
});

describe('shadow status', () => {
  it('shows a paused service after shadow pause, and the lag of a group that committed', async () => {
    const prefix = `${uniqueName('cli-status')}.`;
    const kafka = kafkaClient(uniqueName('cli-status'));
    expect((await ensureTopics(kafka, { prefix, partitions: 2 })).problems).toEqual([]);
    const names = topicNames(prefix);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: names.exchanges, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from('x') })) });
    await producer.disconnect();
    // A group that read and committed 4 of partition 0's records and nothing else.
    const group = uniqueName('cli-status-group');
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(names.exchanges);
    await admin.setOffsets({
      groupId: group,
      topic: names.exchanges,
      partitions: ends.map((o) => ({ partition: o.partition, offset: o.partition === 0 ? String(Math.max(0, Number(o.high) - 4)) : o.high })),
    });
    await admin.disconnect();
    const lagOf0 = Math.min(4, Number(ends.find((o) => o.partition === 0)?.high ?? 0));

    const paused = await shadow(['pause', '--service', 'pricing', '--reason', 'status test', '--topic-prefix', prefix]);
    expect(paused.code, paused.stderr).toBe(0);
    const r = await shadow([
      'status',
      '--topic-prefix',
      prefix,
      '--service',
      'catalog',
      '--group',
      group,
      '--chdb-path',
      chdb,
      '--since',
      '1h',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      killSwitch: { entries: { key: string; mirroring: string; reason: string }[]; services: { service: string; state: string }[] };
      groups: { groupId: string; lag: number; topics: { topic: string; lag: number }[] }[];
      challengers: { challengerId: string; pairs: number; lastPairLanded: string }[];
    };
    expect(s.killSwitch.entries).toEqual([expect.objectContaining({ key: 'pricing', mirroring: 'paused', reason: 'status test' })]);
    expect(s.killSwitch.services).toEqual([
      { service: 'catalog', state: 'active', decidedBy: null, sampling: { rate: null, source: 'config', key: null } },
      { service: 'pricing', state: 'paused', decidedBy: 'pricing', sampling: { rate: null, source: 'config', key: null } },
    ]);
    expect(s.groups).toEqual([
      expect.objectContaining({ groupId: group, lag: lagOf0, topics: [expect.objectContaining({ topic: names.exchanges, lag: lagOf0 })] }),
    ]);
    expect(s.challengers.map((c) => [c.challengerId, c.pairs])).toEqual([
      [CANDIDATE, 2],
      [SECONDARY, 2],
    ]);

    const text = await shadow(['status', '--topic-prefix', prefix, '--group', group, '--chdb-path', chdb]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/pricing\s+paused\s+by \S+ at \S+: status test/);
    expect(text.stdout).toContain(`${group}`);
    expect(text.stdout).toContain(`lag ${lagOf0}`);
  });
});

/** Holds a free loopback port until closed. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

describe('shadow dashboard, --version, taken ports', () => {
  it('serves the dashboard at the URL it prints until SIGTERM, then exits 0', async () => {
    const child = spawn(process.execPath, [MAIN, 'dashboard', '--chdb-path', chdb, '--port', '0', '--log-level', 'silent'], {
      cwd: dir,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no URL within 60 s:\n${out}\n${err}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m !== null) {
            clearTimeout(timer);
            ok(m[1] as string);
          }
        });
        void exited.then((code) => fail(new Error(`exited ${String(code)} before printing its URL:\n${out}\n${err}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script');
      const challengers = (await (await fetch(`${url}api/overview?since=1h`)).json()) as { challengers?: { challengerId: string }[] };
      expect(JSON.stringify(challengers)).toContain(CANDIDATE);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);

  it('--version prints the package version and the commit', async () => {
    const r = await shadow(['--version']);
    expect(r.code).toBe(0);
    const { version } = JSON.parse(await readFile(join(ROOT, 'services/cli/package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toMatch(new RegExp(`^shadow ${version.replaceAll('.', '\\.')}( \\(commit [0-9a-f]{7,40}\\))?$`));
  });

  it('a taken port fails start-up with one line naming the port and its setting (joiner admin, dashboard)', async () => {
    const held = await holdPort();
    try {
      const joiner = await shadow(['start', 'joiner'], {
        JOINER_CHALLENGERS: 'a',
        JOINER_ADMIN_PORT: String(held.port),
        JOINER_QUERY_PORT: 'off',
        CHDB_PATH: join(dir, 'chdb-ports'),
        SHADOW_TOPIC_PREFIX: `${uniqueName('cli-ports')}.`,
      });
      expect(joiner.code).toBe(1);
      expect(joiner.stderr).toContain(`port ${held.port} on 127.0.0.1 is already in use (JOINER_ADMIN_PORT)`);
      const query = await shadow(['start', 'joiner'], {
        JOINER_CHALLENGERS: 'a',
        JOINER_QUERY_PORT: String(held.port),
        JOINER_ADMIN_PORT: '0',
        CHDB_PATH: join(dir, 'chdb-ports'),
        SHADOW_TOPIC_PREFIX: `${uniqueName('cli-ports')}.`,
      });
      expect(query.code).toBe(1);
      expect(query.stderr).toContain(`port ${held.port} on 127.0.0.1 is already in use (JOINER_QUERY_PORT)`);
      const dashboard = await shadow(['dashboard', '--chdb-path', chdb, '--port', String(held.port)]);
      expect(dashboard.code).toBe(1);
      expect(dashboard.stderr).toContain(`port ${held.port} on 127.0.0.1 is already in use (--port / DASHBOARD_PORT)`);
    } finally {
      held.server.close();
    }
  }, 120_000);
});
