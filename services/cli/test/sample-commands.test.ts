// `shadow sample set|clear` and `shadow status` on the real stack: a running tap (createTap) and a
// running replayer (the service, startReplayer) see a rate set by the CLI within 5 s (the delays are
// printed), `status` shows each service's rate and its source next to the kill switch, and `clear`
// returns both to their configuration.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { createTap } from '@shadow/tap';
import type { Tap } from '@shadow/tap';
import { loadConfig, startReplayer } from '@shadow/replayer';
import type { Replayer } from '@shadow/replayer';
import type { CliIo } from '../src/index.js';
import { runCli } from '../src/index.js';

function io(env: Record<string, string | undefined> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, cwd: '/' };
}

const shadow = (args: string[], t: CliIo): Promise<number> => runCli(['node', 'shadow', ...args], t);
const silent = { debug() {}, info() {}, warn() {}, error() {}, fatal() {}, trace() {}, child: () => silent } as never;

async function within(what: string, ms: number, condition: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

describe('shadow sample set / clear (real Kafka, a running tap and replayer)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('a running tap and replayer apply `sample set` within 5 s, status shows rate and source, `clear` returns to config', async () => {
    const prefix = `${uniqueName('cli-sample')}.`;
    const brokers = stack().kafkaBrokers.join(',');
    expect((await ensureTopics(kafkaClient(uniqueName('cli-sample')), { prefix, partitions: 1 })).problems).toEqual([]);
    const service = `pricing-${randomUUID().slice(0, 6)}`;
    const tap: Tap = createTap({
      service,
      environment: 'test',
      sampling: { rate: 0.5 },
      kafka: { brokers: stack().kafkaBrokers, schemaRegistryUrl: stack().schemaRegistryUrl, topicPrefix: prefix },
    });
    cleanup.push(() => tap.close(1_000));
    await tap.start();
    const config = loadConfig({
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
      SHADOW_TOPIC_PREFIX: prefix,
      REPLAYER_GROUP_ID: `${prefix}replayer`,
      REPLAYER_ADMIN_PORT: '0',
      REPLAYER_SAMPLE_RATE: '0.5',
      REPLAYER_CHALLENGERS: JSON.stringify([{ id: 'cand', baseUrl: 'http://127.0.0.1:9' }]),
    });
    const replayer: Replayer = await startReplayer(config, silent);
    cleanup.push(() => replayer.close());
    const replayerRate = async (): Promise<string> => {
      const text = await (await fetch(`http://127.0.0.1:${replayer.adminAddress.port}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('shadow_replayer_sampling_rate{'))
        .sort()
        .join('\n');
    };
    expect(await replayerRate()).toBe('shadow_replayer_sampling_rate{service="",source="config"} 0.5');
    expect(tap.stats().sampling).toEqual({ rate: 0.5, source: 'config', key: null });

    const set = io();
    const started = Date.now();
    expect(
      await shadow(
        [
          'sample',
          'set',
          '--service',
          service,
          '--rate',
          '0.1',
          '--reason',
          'start small',
          '--by',
          'oncall@test',
          '--brokers',
          brokers,
          '--topic-prefix',
          prefix,
        ],
        set,
      ),
    ).toBe(0);
    expect(set.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^sampling rate 0\\.1 for ${service} on ${prefix.replaceAll('.', '\\.')}shadow\\.control\\.v1 \\(by oncall@test at .*: start small\\)$`),
      ),
    ]);
    const written = Date.now();
    await within('the tap applies the rate', 5_000, () => tap.stats().sampling?.rate === 0.1);
    const tapMs = Date.now() - written;
    await within('the replayer applies the rate', 5_000, async () =>
      (await replayerRate()).includes(`shadow_replayer_sampling_rate{service="${service}",source="control"} 0.1`),
    );
    console.log(`[shadow sample set] tap applied ${tapMs} ms, replayer ${Date.now() - written} ms after the write (command took ${written - started} ms)`);
    expect(tap.stats().sampling).toEqual({ rate: 0.1, source: 'control', key: service });

    const status = io();
    expect(
      await shadow(
        [
          'status',
          '--format',
          'json',
          '--brokers',
          brokers,
          '--topic-prefix',
          prefix,
          '--group',
          `${prefix}replayer`,
          '--clickhouse-url',
          'http://127.0.0.1:1',
        ],
        status,
      ),
    ).toBe(0);
    const json = JSON.parse(status.lines.join('\n')) as { killSwitch: { sampling: unknown[]; services: unknown[] } };
    expect(json.killSwitch.sampling).toEqual([{ service, rate: 0.1, reason: 'start small', by: 'oncall@test', at: expect.any(String) }]);
    expect(json.killSwitch.services).toEqual([{ service, state: 'active', decidedBy: null, sampling: { rate: 0.1, source: 'control', key: service } }]);
    const text = io();
    expect(
      await shadow(
        [
          'status',
          '--service',
          'other',
          '--brokers',
          brokers,
          '--topic-prefix',
          prefix,
          '--group',
          `${prefix}replayer`,
          '--clickhouse-url',
          'http://127.0.0.1:1',
        ],
        text,
      ),
    ).toBe(0);
    const lines = text.lines.join('\n');
    expect(lines).toContain(`service ${service}: active (no entry), sampling 0.1 (control topic, entry ${service})`);
    expect(lines).toContain('service other: active (no entry), sampling as configured (no entry)');

    const cleared = io();
    const clearedAt = Date.now();
    expect(await shadow(['sample', 'clear', '--service', service, '--brokers', brokers, '--topic-prefix', prefix], cleared)).toBe(0);
    expect(cleared.lines[0]).toMatch(new RegExp(`^cleared sampling entry for ${service} on `));
    await within('the tap returns to its configuration', 5_000, () => tap.stats().sampling?.source === 'config');
    await within('the replayer returns to its configuration', 5_000, async () => !(await replayerRate()).includes('source="control"'));
    console.log(`[shadow sample clear] both back to config ${Date.now() - clearedAt} ms after the command started`);
    expect(tap.stats().sampling).toEqual({ rate: 0.5, source: 'config', key: null });
  });
});
