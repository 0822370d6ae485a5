// The watch running inside the joiner, on real components: the joiner service (in-process, embedded
// chDB, real Kafka and registry) started from a config file with a `watch` section, a running tap
// (createTap) and a running replayer (the service, startReplayer) on the same control topic, and a
// webhook receiver (HTTP on port 0). The ramp's steps reach the tap and the replayer; pairs that
// disagree (landed in the joiner's ClickHouse as the joiner lands them) fire the alert once, which
// calls the webhook, pauses the tap and the replayer within 5 s and steps the ramp back; agreeing
// pairs resolve it once. The delays are printed. Short intervals keep it under a minute.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTopics } from '@shadow/contracts';
import { loadConfig as loadReplayerConfig, startReplayer } from '@shadow/replayer';
import type { Replayer } from '@shadow/replayer';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { createTap } from '@shadow/tap';
import type { Tap } from '@shadow/tap';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startJoinerService } from '@shadow/joiner';
import type { JoinerService, WatchStatus } from '@shadow/joiner';

const service = `pricing-${randomUUID().slice(0, 8)}`;
const silent = pino({ level: 'silent' });
let dir: string;
let joiner: JoinerService;
let tap: Tap;
let replayer: Replayer;
let hook: { url: string; bodies: { state: string; alert: string; challengerId: string | null; actions: string[] }[]; server: Server };
const cleanup: (() => Promise<unknown>)[] = [];

async function within(what: string, ms: number, condition: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

async function text(url: string): Promise<string> {
  return (await fetch(url)).text();
}

const watchStatus = async (): Promise<WatchStatus> => (await fetch(`http://127.0.0.1:${joiner.adminAddress.port}/watch`)).json() as Promise<WatchStatus>;
const joinerMetrics = (): Promise<string> => text(`http://127.0.0.1:${joiner.adminAddress.port}/metrics`);
const replayerRate = async (): Promise<number | null> => {
  const line = (await text(`http://127.0.0.1:${replayer.adminAddress.port}/metrics`))
    .split('\n')
    .find((l) => l.startsWith(`shadow_replayer_sampling_rate{service="${service}",source="control"}`));
  return line === undefined ? null : Number(line.split(' ').at(-1));
};

/** Pair rows as the joiner lands them, captured just now (the alert's window is the last 20 s). */
function pairs(n: number, candidateAgrees: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const exchangeId = randomUUID();
    const at = now - 2_000 + Math.floor((i * 1_000) / n);
    for (const [challengerId, role, agree] of [
      ['cand', 'candidate', candidateAgrees],
      ['sec', 'secondary', true],
    ] as const) {
      rows.push({
        exchange_id: exchangeId,
        challenger_id: challengerId,
        challenger_name: challengerId,
        challenger_role: role,
        run_id: '',
        attempt: 1,
        service,
        capture_time: at,
        replay_time: at + 5,
        joined_time: Date.now(),
        route: '/quote',
        method: 'GET',
        path: '/quote',
        live_status: 200,
        shadow_status: 200,
        live_latency_us: 10_000,
        shadow_latency_us: 12_000,
        latency_delta_us: 2000,
        status_match: true,
        headers_match: true,
        body_match: agree,
        side_effects_match: true,
        agree,
        real_agree: agree,
        diff_count: agree ? 0 : 1,
        real_diff_count: agree ? 0 : 1,
        diff_paths: agree ? [] : ['$.total'],
        noisy_paths: [],
      });
    }
  }
  return rows;
}

beforeAll(async () => {
  const prefix = `${uniqueName('joiner-watch')}.`;
  expect((await ensureTopics(kafkaClient(uniqueName('joiner-watch')), { prefix, partitions: 1 })).problems).toEqual([]);
  dir = mkdtempSync(join(tmpdir(), 'joiner-watch-'));
  hook = { url: '', bodies: [], server: createServer() };
  hook.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hook.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof hook.bodies)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/alerts`;
  cleanup.push(() => new Promise((resolve) => hook.server.close(resolve)));

  // A running tap (config rate 1) and replayer (its kill-switch key is the service) on the control topic.
  tap = createTap({
    service,
    environment: 'test',
    sampling: { rate: 1 },
    kafka: { brokers: stack().kafkaBrokers, schemaRegistryUrl: stack().schemaRegistryUrl, topicPrefix: prefix },
  });
  cleanup.push(() => tap.close(1_000));
  await tap.start();
  replayer = await startReplayer(
    loadReplayerConfig({
      KAFKA_BROKERS: stack().kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      REPLAYER_GROUP_ID: `${prefix}replayer`,
      REPLAYER_ADMIN_PORT: '0',
      REPLAYER_KILL_SWITCH_KEYS: service,
      REPLAYER_CHALLENGERS: JSON.stringify([{ id: 'cand', baseUrl: 'http://127.0.0.1:9' }]),
    }),
    silent,
  );
  cleanup.push(() => replayer.close());
  await within('tap and replayer mirroring', 20_000, () => tap.enabled && !replayer.shadow.stats().paused);

  const file = join(dir, 'joiner.yaml');
  writeFileSync(
    file,
    `challengers: [cand, sec]
admin: { port: 0 }
query: { port: "off" }
watch:
  alerts:
    service: ${service}
    challengers: [{ id: cand, role: candidate }, { id: sec, role: secondary }]
    intervalMs: 1000
    windowMs: 20000
    webhook: { url: "${hook.url}", retries: 1, backoffMs: 50 }
    rules:
      - { name: agreement-low, kind: agreement, min: 0.9, resolveAt: 0.95, minSample: 20, actions: [pause] }
  ramp: { service: ${service}, steps: [0.1, 0.5, 1], holdMs: 3000, minSample: 0, intervalMs: 1000 }
`,
  );
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: `${prefix}joiner`,
    JOINER_SESSION_TIMEOUT_MS: '8000',
    JOINER_CONFIG: file,
  });
  joiner = await startJoinerService(config, silent, { env: { CHDB_PATH: join(dir, 'db') } });
  cleanup.push(() => joiner.close());
}, 90_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the watch in the joiner (real Kafka, chDB, tap, replayer, webhook)', () => {
  it('ramp steps reach a running tap and replayer; an alert fires once, pauses both within 5 s, steps the ramp back, resolves once', async () => {
    // The ramp starts at its first step and goes up once the hold passed (no alert, minSample 0).
    const firstIn = await within(
      'the first step at the tap and the replayer',
      10_000,
      async () => tap.stats().sampling?.rate === 0.1 && (await replayerRate()) === 0.1,
    );
    expect(tap.stats().sampling).toEqual({ rate: 0.1, source: 'control', key: service });
    const upAt = Date.now();
    await within('the ramp going up to 0.5', 10_000, async () => (await watchStatus()).ramp?.rate === 0.5);
    const seenUp = await within('0.5 at the tap and the replayer', 5_000, async () => tap.stats().sampling?.rate === 0.5 && (await replayerRate()) === 0.5);
    console.log(
      `[watch ramp] first step seen in ${firstIn} ms; up to 0.5 seen by tap and replayer ${seenUp} ms after /watch showed it (${Date.now() - upAt} ms)`,
    );

    // Disagreeing pairs: the alert fires at the next evaluation.
    await joiner.clickhouse.client.insert({ table: 'pairs', values: pairs(40, false), format: 'JSONEachRow' });
    const landedAt = Date.now();
    await within('the alert firing', 10_000, () => hook.bodies.some((b) => b.state === 'firing'));
    const firedAt = Date.now();
    const tapStopped = await within('the tap paused', 5_000, () => !tap.enabled);
    const replayerStopped = await within('the replayer paused', 5_000, () => replayer.shadow.stats().paused);
    console.log(
      `[watch alert] fired ${firedAt - landedAt} ms after the bad pairs landed; tap stopped ${tapStopped} ms and replayer ${replayerStopped} ms after the webhook got it (${Date.now() - firedAt} ms in all)`,
    );
    expect(hook.bodies[0]).toMatchObject({ state: 'firing', alert: 'agreement-low', challengerId: 'cand', actions: ['pause'] });
    await within('the ramp stepping back', 5_000, async () => (await watchStatus()).ramp?.backoffs === 1);
    const status = await watchStatus();
    expect(status.alerts?.rules).toEqual([expect.objectContaining({ rule: 'agreement-low', challengerId: 'cand', status: 'firing', kind: 'agreement' })]);
    expect(status.alerts?.anyFiring).toBe(true);
    // The firing stepped the ramp back one step; the tap and the replayer follow.
    expect(status.ramp).toMatchObject({ backoffs: 1, last: expect.objectContaining({ direction: 'down' }) });
    const back = status.ramp?.rate as number;
    expect(back).toBe(status.ramp?.last?.to);
    expect(back).toBeLessThan(status.ramp?.last?.from as number);
    await within(
      'the stepped-back rate at the tap and the replayer',
      5_000,
      async () => tap.stats().sampling?.rate === back && (await replayerRate()) === back,
    );

    // Several evaluations later: still one firing, and the ramp did not go up while it fires.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(hook.bodies.filter((b) => b.state === 'firing')).toHaveLength(1);
    expect(await joinerMetrics()).toContain(`shadow_watch_alert_transitions_total{rule="agreement-low",challenger="cand",state="firing"} 1`);
    expect(await joinerMetrics()).toContain(`shadow_watch_alert_firing{rule="agreement-low",challenger="cand"} 1`);
    expect((await watchStatus()).ramp?.rate).toBe(back);

    // Agreeing pairs bring the lower bound back above resolveAt: it resolves once.
    await joiner.clickhouse.client.insert({ table: 'pairs', values: pairs(2000, true), format: 'JSONEachRow' });
    await within('the alert resolving', 10_000, () => hook.bodies.some((b) => b.state === 'resolved'));
    await new Promise((r) => setTimeout(r, 2_500));
    expect(hook.bodies.map((b) => b.state)).toEqual(['firing', 'resolved']);
    const metrics = await joinerMetrics();
    expect(metrics).toContain(`shadow_watch_alert_transitions_total{rule="agreement-low",challenger="cand",state="resolved"} 1`);
    expect(metrics).toContain(`shadow_watch_alert_firing{rule="agreement-low",challenger="cand"} 0`);
    expect(metrics).toMatch(/shadow_watch_pauses_total\{service="[^"]+",outcome="ok"\} 1/);
    // Resolving does not resume mirroring: that stays an operator's act (shadow resume).
    expect(tap.enabled).toBe(false);
    expect((await watchStatus()).alerts?.rules[0]?.status).toBe('ok');
  }, 90_000);
});
