// POST /labels on the joiner's admin port, the whole way: the joiner service (in-process, embedded
// chDB) validates the JSON, produces to the labels topic, and its labels ingester lands the rows.
// A bad label is refused with 400 naming the field and nothing of that request is published.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTopics } from '@shadow/contracts';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startJoinerService } from '../src/joiner-service.js';
import type { JoinerService } from '../src/joiner-service.js';

let service: JoinerService;
let dir: string;
let base: string;

beforeAll(async () => {
  const prefix = `${uniqueName('joiner-labels')}.`;
  const report = await ensureTopics(kafkaClient(uniqueName('joiner-labels')), { prefix, partitions: 2 });
  expect(report.problems).toEqual([]);
  dir = mkdtempSync(join(tmpdir(), 'joiner-labels-'));
  const config = loadConfig({
    KAFKA_BROKERS: stack().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack().schemaRegistryUrl,
    SHADOW_TOPIC_PREFIX: prefix,
    JOINER_GROUP_ID: uniqueName('joiner-labels-g'),
    JOINER_CHALLENGERS: 'cand-1',
    JOINER_ADMIN_PORT: '0',
    JOINER_QUERY_PORT: '0',
    JOINER_SESSION_TIMEOUT_MS: '8000',
  });
  expect(config.labels.enabled).toBe(true); // on by default
  service = await startJoinerService(config, pino({ level: 'silent' }), { env: { CHDB_PATH: join(dir, 'db') } });
  base = `http://127.0.0.1:${service.adminAddress.port}`;
}, 60_000);

afterAll(async () => {
  await service?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const post = (body: string) => fetch(`${base}/labels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function landed(): Promise<{ exchange_id: string; name: string; value: string; source: string }[]> {
  const r = await service.clickhouse.client.query({
    query: `SELECT exchange_id, name, argMax(value, (observed_time, landed_time)) AS value, argMax(toString(source), (observed_time, landed_time)) AS source
      FROM labels GROUP BY exchange_id, name ORDER BY exchange_id, name`,
    format: 'JSONEachRow',
  });
  return r.json();
}

describe('POST /labels (joiner service, real Kafka, registry, chDB)', () => {
  it('accepts one label or an array, publishes them to the labels topic, and the joiner lands each once', async () => {
    const one = await post(JSON.stringify({ exchangeId: 'h-1', name: 'fraud', value: true }));
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ published: 1 });
    const many = await post(
      JSON.stringify([
        { exchangeId: 'h-2', name: 'clicked', value: 0, observedAtMs: Date.now() - 1000 },
        { exchangeId: 'h-3', name: 'category', value: 'books', source: 'review-team' },
      ]),
    );
    expect(many.status).toBe(202);
    expect(await many.json()).toEqual({ published: 2 });
    const deadline = Date.now() + 30_000;
    let rows = await landed();
    while (rows.length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      rows = await landed();
    }
    expect(rows).toEqual([
      { exchange_id: 'h-1', name: 'fraud', value: 'true', source: 'http' },
      { exchange_id: 'h-2', name: 'clicked', value: '0', source: 'http' },
      { exchange_id: 'h-3', name: 'category', value: 'books', source: 'review-team' },
    ]);
    expect(service.labels?.stats()).toMatchObject({ landed: 3, deadLettered: 0 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^shadow_joiner_labels_landed_total 3$/m);
  }, 60_000);

  it('refuses a bad label with 400 naming the field, publishes nothing of that request, and answers 405 to GET', async () => {
    const bad = await post(
      JSON.stringify([
        { exchangeId: 'h-9', name: 'fraud', value: 1 },
        { exchangeId: 'h-10', name: 'fraud', value: { nested: 1 } },
      ]),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { problems: string[] };
    expect(body.problems).toEqual([expect.stringMatching(/^\[1\]\.value: expected a string, a finite number or a boolean/)]);
    const missing = await post(JSON.stringify({ name: 'fraud', value: 1, extra: 2 }));
    expect(missing.status).toBe(400);
    const problems = ((await missing.json()) as { problems: string[] }).problems;
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^exchangeId: /), expect.stringMatching(/^\(body\): .*\(extra\)$/)]));
    expect((await post('{not json')).status).toBe(400);
    expect((await fetch(`${base}/labels`)).status).toBe(405);
    // h-9 was valid, but its request was refused as a whole.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await landed()).map((r) => r.exchange_id)).not.toContain('h-9');
  }, 30_000);
});
