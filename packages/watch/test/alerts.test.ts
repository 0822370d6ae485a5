// Alerts end to end on real components: pairs landed in real ClickHouse (embedded chDB, the
// project's migrations) read through the analysis layer's PairStore, a real webhook receiver (HTTP
// on port 0, answering 503 once to exercise the retry), and the pause action writing the real
// control topic on the local Kafka, read back by the replayer's own kill-switch reader. The clock
// of the evaluator is moved by the test so the sliding window passes over good, bad and good
// traffic again; ClickHouse is real. The ramp rides on the same evaluator and the same pairs.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS, type ClickHouse } from '@shadow/clickhouse';
import { ControlTopicSwitch } from '@shadow/replay';
import { kafkaClient } from '@shadow/stack-harness/vitest';
import { clickHouseWatchSources, createAlertEvaluator, createRampDriver, type AlertEvent, type ClickHouseWatchSources } from '@shadow/watch';
import { controlTopicPause } from '@shadow/watch/kill-switch';

const CHDB_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);
const S = 1000;
// An hour back from the clock, never a calendar date: pairs expire by landing time.
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

/** A pair row as the joiner lands it (the columns the measurements read; the rest take defaults). */
function pairRow(exchangeId: string, challengerId: string, role: string, captureMs: number, agree: boolean): Record<string, unknown> {
  return {
    exchange_id: exchangeId,
    challenger_id: challengerId,
    challenger_name: challengerId,
    challenger_role: role,
    run_id: '',
    attempt: 1,
    service: 'pricing',
    capture_time: captureMs,
    replay_time: captureMs + 5,
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
  };
}

/** `n` pairs of each challenger captured evenly in [fromMs, fromMs + 60 s). */
function minuteOfPairs(tag: string, fromMs: number, n: number, candidateAgrees: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const at = fromMs + Math.floor((i * 60 * S) / n);
    rows.push(pairRow(`${tag}-${i}`, 'cand', 'candidate', at, candidateAgrees), pairRow(`${tag}-${i}`, 'sec', 'secondary', at, true));
  }
  return rows;
}

interface Hook {
  readonly url: string;
  readonly bodies: AlertEvent[];
  attempts: number;
  readonly server: Server;
}

async function webhookReceiver(failFirst: number): Promise<Hook> {
  const hook = { bodies: [] as AlertEvent[], attempts: 0 } as { bodies: AlertEvent[]; attempts: number; url: string; server: Server };
  let failures = failFirst;
  hook.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hook.attempts += 1;
      if (failures > 0) {
        failures -= 1;
        res.writeHead(503).end();
        return;
      }
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-team']).toBe('payments');
      hook.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/alerts`;
  return hook;
}

let ch: ClickHouse;
let sources: ClickHouseWatchSources;
const database = `watch_alerts_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  ch = await createClickHouse({ mode: 'embedded', path: CHDB_PATH, database, ensureDatabase: true });
  await migrate(ch, SCHEMA_MIGRATIONS);
  // minute 0: all agree; minute 1: the candidate disagrees on half; minutes 2-3: nothing; minute 4: all agree again.
  const rows = [
    ...minuteOfPairs('m0', T0, 120, true),
    ...minuteOfPairs('m1a', T0 + 60 * S, 60, true),
    ...minuteOfPairs('m1b', T0 + 60 * S + 500, 60, false),
    ...minuteOfPairs('m4', T0 + 240 * S, 120, true),
  ];
  // Every row twice, as a re-delivered batch lands: the measurements count distinct pairs.
  await ch.client.insert({ table: 'pairs', values: rows, format: 'JSONEachRow' });
  await ch.client.insert({ table: 'pairs', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplicate: 0 } });
  sources = clickHouseWatchSources(ch);
}, 120_000);

afterAll(async () => {
  if (ch !== undefined) {
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
  }
});

describe('alerts over real ClickHouse, a real webhook and the real control topic', () => {
  it('fires once, resolves once, calls the webhook with the documented JSON and pauses mirroring', async () => {
    const hook = await webhookReceiver(1);
    const kafka = kafkaClient(`watch-test-${randomUUID()}`);
    const topic = `watch-test-${randomUUID()}.control`;
    const service = `pricing-${randomUUID().slice(0, 8)}`;
    const killSwitch = new ControlTopicSwitch({ kafka, topic, keys: [service], startTimeoutMs: 30_000 });
    let clock = T0 + 60 * S;
    const transitions: AlertEvent[] = [];
    const evaluator = createAlertEvaluator({
      config: {
        service,
        challengers: [{ id: 'cand' }, { id: 'sec', role: 'secondary' }],
        windowMs: 60_000,
        webhook: { url: hook.url, retries: 2, backoffMs: 50, timeoutMs: 2000, headers: { 'x-team': { value: 'payments' } } },
        rules: [{ name: 'agreement-low', kind: 'agreement', min: 0.9, resolveAt: 0.95, minSample: 50, actions: ['pause'] }],
      },
      sources,
      pause: controlTopicPause(kafka, { topic }),
      hooks: { onTransition: (e) => transitions.push(e) },
      now: () => clock,
    });
    try {
      // window [0, 60 s): 120 agreeing pairs (each landed twice)
      const [first] = await evaluator.evaluateOnce();
      expect(first).toMatchObject({ rule: 'agreement-low', challengerId: 'cand', sample: 120, condition: 'clear', transition: null });
      // window [60 s, 120 s): 60 of 120 agree -> lower Wilson bound 0.41 < 0.9, evaluated four times
      for (const dt of [60, 5, 5, 5]) {
        clock += dt * S;
        await evaluator.evaluateOnce();
      }
      // the last window, [75 s, 135 s), holds 90 of minute 1's pairs: still a breach, still the one firing
      expect(evaluator.states()[0]?.last).toMatchObject({ condition: 'breach', sample: 90, state: { status: 'firing', firedAtMs: T0 + 120 * S } });
      // the pause went through the control topic: the replayer's reader of it sees `paused`
      await killSwitch.start();
      const deadline = Date.now() + 5000;
      while (killSwitch.state !== 'paused' && Date.now() < deadline) await sleep(50);
      expect(killSwitch.state).toBe('paused');
      // window [180 s, 240 s): nothing landed -> insufficient, still firing; [240 s, 300 s): 120 agree -> resolved
      clock = T0 + 240 * S;
      expect((await evaluator.evaluateOnce())[0]).toMatchObject({ condition: 'insufficient', sample: 0, transition: null });
      clock = T0 + 300 * S;
      expect((await evaluator.evaluateOnce())[0]).toMatchObject({ condition: 'clear', transition: 'resolved' });
      clock += 5 * S;
      await evaluator.evaluateOnce();
      await evaluator.drained();
      expect(transitions.map((t) => t.state)).toEqual(['firing', 'resolved']);
      expect(evaluator.firedCount).toBe(1);
      // the webhook: two deliveries, the first after one 503 and a retry
      expect(hook.attempts).toBe(3);
      expect(hook.bodies).toEqual(transitions);
      const firing = hook.bodies[0] as AlertEvent;
      expect(firing).toEqual({
        version: 1,
        source: 'shadow-watch',
        state: 'firing',
        alert: 'agreement-low',
        kind: 'agreement',
        severity: 'critical',
        service,
        challengerId: 'cand',
        value: expect.closeTo(0.4118, 3),
        threshold: 0.9,
        resolveAt: 0.95,
        direction: 'below',
        sample: 120,
        window: { from: new Date(T0 + 60 * S).toISOString(), to: new Date(T0 + 120 * S).toISOString() },
        firedAt: new Date(T0 + 120 * S).toISOString(),
        at: new Date(T0 + 120 * S).toISOString(),
        summary: 'agreement lower 95% bound (60/120) 0.412 (fires < 0.900, resolves at 0.950) over 60 s, sample 120',
        actions: ['pause'],
        warnings: [],
      });
      expect(hook.bodies[1]).toMatchObject({
        state: 'resolved',
        firedAt: firing.firedAt,
        at: new Date(T0 + 300 * S).toISOString(),
        sample: 120,
        value: expect.closeTo(0.969, 2),
      });
    } finally {
      await evaluator.close();
      await killSwitch.close();
      hook.server.close();
    }
  });

  it('the ramp advances on the pairs that landed, and the alert steps it back', async () => {
    let clock = T0;
    const rates: number[] = [];
    const evaluator = createAlertEvaluator({
      config: {
        service: 'pricing',
        challengers: [{ id: 'cand' }, { id: 'sec', role: 'secondary' }],
        windowMs: 60_000,
        rules: [{ name: 'agreement-low', kind: 'agreement', min: 0.9, minSample: 50 }],
      },
      sources,
      now: () => clock,
    });
    const ramp = createRampDriver({
      config: { service: 'pricing', steps: [0.01, 0.1, 0.5, 1], holdMs: 30_000, minSample: 100 },
      setRate: async (_service, rate) => {
        rates.push(rate);
      },
      sample: (w) => sources.pairCount(['cand'], w),
      alerts: evaluator,
      now: () => clock,
    });
    const tick = async (toMs: number): Promise<void> => {
      clock = toMs;
      await evaluator.evaluateOnce();
      await ramp.tick();
    };
    await tick(T0); // starts at 1%
    await tick(T0 + 40 * S); // held 40 s, but only ~80 pairs since T0: stays
    expect(rates).toEqual([0.01]);
    await tick(T0 + 60 * S); // 120 pairs in [T0, T0 + 60 s), held 60 s, no alert: up to 10%
    await tick(T0 + 100 * S); // 40 s on 10% with ~80 candidate pairs since: stays
    await tick(T0 + 120 * S); // the alert fires on minute 1: back to 1%
    expect(rates).toEqual([0.01, 0.1, 0.01]);
    expect(evaluator.anyFiring()).toBe(true);
    await tick(T0 + 240 * S); // nothing landed: the alert stays firing, the ramp holds
    await tick(T0 + 300 * S); // minute 4 agrees: resolved, and 120 pairs since the step back: up again
    expect(rates).toEqual([0.01, 0.1, 0.01, 0.1]);
    expect(ramp.state.backoffs).toBe(1);
    await evaluator.close();
    await ramp.close();
  });
});
