// Ground truth landing and the accuracy join, on the real stack: labels posted to the labels topic
// land once in the `labels` table (chDB) even when the topic is read again by another group, a
// record that is not a usable label goes to the dead-letter topic with its reason while the next
// one still lands, and labelledAccuracyQuery over a fixed set of pairs and labels equals counts
// worked out by hand (duplicate rows, a corrected label and a re-landed pair included, merges stopped).
import { labelledAccuracyQuery } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';
import { createSchemaRegistry, ensureTopics, labelContract, RecordSerde, subjectFor, topicNames } from '@shadow/contracts';
import { createLabelIngester, publishLabels } from '@shadow/join';
import type { LabelIngester } from '@shadow/join';
import { uniqueName } from '@shadow/stack-harness';
import { kafkaClient, stack } from '@shadow/stack-harness/vitest';
import { Partitioners } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSchemaDatabase, waitFor } from './fixture.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function rows<T>(ch: ClickHouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow', query_params: params })).json<T>();
}

async function setup(): Promise<{ prefix: string; db: ClickHouse; kafka: ReturnType<typeof kafkaClient>; registry: ReturnType<typeof createSchemaRegistry> }> {
  const kafka = kafkaClient(uniqueName('labels-test'));
  const prefix = `${uniqueName('labels')}.`;
  const report = await ensureTopics(kafka, { prefix, partitions: 3, roles: ['labels', 'deadLetter'] });
  expect(report.problems).toEqual([]);
  const db = await openSchemaDatabase();
  cleanup.push(() => db.close());
  return { prefix, db, kafka, registry: createSchemaRegistry({ url: stack().schemaRegistryUrl }) };
}

function ingester(s: Awaited<ReturnType<typeof setup>>, groupId: string): LabelIngester {
  const ing = createLabelIngester({ kafka: s.kafka, registry: s.registry, clickhouse: s.db, topicPrefix: s.prefix, groupId, sessionTimeoutMs: 8000 });
  cleanup.push(() => ing.close());
  return ing;
}

const latestLabels = `SELECT exchange_id, name, argMax(value, (observed_time, landed_time)) AS value, argMax(toString(value_type), (observed_time, landed_time)) AS type
  FROM labels GROUP BY exchange_id, name ORDER BY exchange_id, name`;

describe('labels (real Kafka, registry, chDB)', () => {
  it('labels published to the topic land once, the latest observation wins, and a second read of the topic is counted once before merges', async () => {
    const s = await setup();
    await s.db.client.command({ query: 'SYSTEM STOP MERGES labels' });
    const t = Date.now() - 60_000;
    const sent = await publishLabels(
      s.kafka,
      s.registry,
      [
        { exchangeId: 'ex-a', name: 'fraud', value: true, observedTimeMs: t },
        { exchangeId: 'ex-b', name: 'clicked', value: 1 },
        { exchangeId: 'ex-c', name: 'category', value: 'books', observedTimeMs: t },
        // a correction of ex-a's label, observed later
        { exchangeId: 'ex-a', name: 'fraud', value: false, observedTimeMs: t + 1000, source: 'chargebacks' },
      ],
      { topicPrefix: s.prefix },
    );
    expect(sent).toEqual({ published: 4 });

    const first = ingester(s, uniqueName('labels-g1'));
    await first.start();
    await waitFor(
      '4 labels landed',
      () => Promise.resolve(first.stats().landed),
      (n) => n === 4,
      30_000,
    );
    expect(first.stats()).toMatchObject({ received: 4, landed: 4, deadLettered: 0 });
    const physical = async () => Number((await rows<{ n: string }>(s.db, 'SELECT count() AS n FROM labels'))[0]?.n);
    // (An insert block already keeps one row per key: ex-a's two labels may land as one.)
    const afterFirst = await physical();

    // Re-delivery: a second group reads the whole topic again and inserts every row a second time.
    const second = ingester(s, uniqueName('labels-g2'));
    await second.start();
    await waitFor(
      '4 labels landed again',
      () => Promise.resolve(second.stats().landed),
      (n) => n === 4,
      30_000,
    );
    expect(await physical()).toBeGreaterThanOrEqual(afterFirst + 3); // the copies are physically there

    const expected = [
      { exchange_id: 'ex-a', name: 'fraud', value: 'false', type: 'boolean' },
      { exchange_id: 'ex-b', name: 'clicked', value: '1', type: 'number' },
      { exchange_id: 'ex-c', name: 'category', value: 'books', type: 'string' },
    ];
    expect(await rows(s.db, latestLabels)).toEqual(expected);
    expect(await rows(s.db, 'SELECT exchange_id, name, value, toString(value_type) AS type FROM labels FINAL ORDER BY exchange_id, name')).toEqual(expected);
  }, 90_000);

  it('a record that is not a usable label goes to the dead-letter topic with its reason; the next label still lands', async () => {
    const s = await setup();
    const names = topicNames(s.prefix);
    const serde = new RecordSerde({ registry: s.registry, contract: labelContract, subject: subjectFor(names.labels) });
    await serde.init();
    const producer = s.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    // All on one key, so one partition keeps their order: garbage, a bad name, then a good label.
    await producer.send({
      topic: names.labels,
      acks: -1,
      messages: [
        { key: 'ex-1', value: Buffer.from('not avro at all') },
        { key: 'ex-1', value: serde.encodeSync({ exchangeId: 'ex-1', name: '1 bad name', value: 'x', observedTimeMs: Date.now(), source: '' }) },
        { key: 'ex-1', value: serde.encodeSync({ exchangeId: 'ex-1', name: 'fraud', value: 'no', observedTimeMs: Date.now(), source: '' }) },
      ],
    });

    const dead: { reason: string; source: string }[] = [];
    const consumer = s.kafka.consumer({ groupId: uniqueName('labels-dlq') });
    cleanup.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [names.deadLetter], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({ reason: String(message.headers?.['shadow-dlq-reason']), source: String(message.headers?.['shadow-dlq-source']) });
      },
    });

    const ing = ingester(s, uniqueName('labels-g'));
    await ing.start();
    await waitFor(
      'the good label',
      () => rows<{ n: string }>(s.db, 'SELECT count() AS n FROM labels'),
      (r) => Number(r[0]?.n) === 1,
      30_000,
    );
    await waitFor(
      '2 dead letters',
      () => Promise.resolve(dead.length),
      (n) => n === 2,
      30_000,
    );
    expect(ing.stats()).toMatchObject({ received: 3, landed: 1, deadLettered: 2 });
    expect(dead.every((d) => d.source.startsWith(`${names.labels}/`))).toBe(true);
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/magic byte|schema id|too short|framing/i),
      expect.stringMatching(/^invalid label: name: /),
    ]);
    expect(await rows(s.db, latestLabels)).toEqual([{ exchange_id: 'ex-1', name: 'fraud', value: 'no', type: 'string' }]);
  }, 90_000);

  it('offsets are committed only after the insert: labels an instance could not land are landed by the next one in the group', async () => {
    const s = await setup();
    const groupId = uniqueName('labels-g');
    const failing = createLabelIngester({
      kafka: s.kafka,
      registry: s.registry,
      clickhouse: s.db,
      topicPrefix: s.prefix,
      groupId,
      sessionTimeoutMs: 8000,
      retryInitialMs: 50,
      retryMaxMs: 100,
      insert: () => Promise.reject(new Error('ClickHouse unavailable')),
    });
    cleanup.push(() => failing.close());
    await failing.start();
    await publishLabels(s.kafka, s.registry, [{ exchangeId: 'ex-r', name: 'fraud', value: 'yes' }], { topicPrefix: s.prefix });
    await waitFor(
      'failed insert attempts',
      () => Promise.resolve(failing.stats().retries),
      (n) => n >= 2,
      30_000,
    );
    await failing.close();
    expect(failing.stats().landed).toBe(0);

    const next = ingester(s, groupId);
    await next.start();
    await waitFor(
      'the label landed by the next instance',
      () => rows(s.db, latestLabels),
      (r) => r.length === 1,
      30_000,
    );
    expect(await rows(s.db, latestLabels)).toEqual([{ exchange_id: 'ex-r', name: 'fraud', value: 'yes', type: 'string' }]);
  }, 90_000);

  it('labelledAccuracyQuery equals hand-computed paired counts, overall and per route (duplicates, a corrected label and a re-landed pair included)', async () => {
    const db = await openSchemaDatabase();
    cleanup.push(() => db.close());
    await db.client.command({ query: 'SYSTEM STOP MERGES pairs' });
    await db.client.command({ query: 'SYSTEM STOP MERGES labels' });
    const t = Date.now() - 3_600_000;
    const pair = (
      id: string,
      route: string,
      method: string,
      live: unknown,
      cand: unknown,
      o: { challenger?: string; kept?: boolean; joined?: number } = {},
    ) => ({
      exchange_id: id,
      challenger_id: o.challenger ?? 'cand',
      run_id: '',
      capture_time: t,
      joined_time: t + (o.joined ?? 1000),
      route,
      method,
      bodies_kept: o.kept ?? true,
      live_body: o.kept === false ? '' : JSON.stringify({ id, decision: live }),
      shadow_body: o.kept === false ? '' : JSON.stringify({ id, decision: cand }),
    });
    const A = ['/score/:id', 'GET'] as const;
    const B = ['/price', 'POST'] as const;
    const pairs = [
      pair('e1', ...A, 'approve', 'approve'),
      pair('e1', ...A, 'approve', 'approve'), // re-delivered copy
      pair('e2', ...A, 'approve', 'decline'),
      pair('e3', ...A, 'decline', 'decline'),
      pair('e4', ...A, 'approve', 'approve', { kept: false }), // labelled, bodies not kept: not scored
      pair('e5', ...A, 'approve', 'approve'), // no label
      pair('e9', ...A, 'approve', 'decline', { joined: 1000 }),
      pair('e9', ...A, 'approve', 'approve', { joined: 2000 }), // landed again later: this row counts
      pair('e6', ...B, 0.1, 0.2),
      pair('e7', ...B, true, false),
      pair('e8', ...B, 'approve', 'approve', { challenger: 'other' }), // another challenger
    ];
    const label = (id: string, value: string, type: string, observed = 0) => ({
      exchange_id: id,
      name: 'verdict',
      value,
      value_type: type,
      observed_time: t + 5000 + observed,
      landed_time: t + 6000,
      source: 'test',
    });
    const labels = [
      label('e1', 'approve', 'string'),
      label('e1', 'approve', 'string'),
      label('e2', 'decline', 'string'),
      label('e3', 'approve', 'string', 0),
      label('e3', 'decline', 'string', 1000), // corrected: decline wins
      label('e4', 'approve', 'string'),
      label('e9', 'approve', 'string'),
      label('e6', '0.1', 'number'),
      label('e7', 'false', 'boolean'),
      label('e8', 'approve', 'string'),
      { ...label('e2', 'approve', 'string'), name: 'other_label' }, // another label name
    ];
    await db.client.insert({ table: 'pairs', values: pairs, format: 'JSONEachRow' });
    await db.client.insert({ table: 'labels', values: labels, format: 'JSONEachRow' });

    const result = await rows<Record<string, unknown>>(db, labelledAccuracyQuery({ outcomePath: '$.decision' }), { challenger: 'cand', label: 'verdict' });
    const counts = result.map((r) => ({
      overall: Number(r['overall']),
      method: r['method'],
      route: r['route'],
      labelled: Number(r['labelled']),
      scored: Number(r['scored']),
      live: Number(r['live']),
      candidate: Number(r['candidate']),
      both: Number(r['both']),
    }));
    // By hand. /score/:id: e1 live+cand right; e2 cand right; e3 both right after the correction;
    // e4 labelled, not scored; e9 both right (latest row). /price: e6 live right (0.10 = 0.1);
    // e7 cand right (false).
    expect(counts).toEqual([
      { overall: 1, method: '', route: '', labelled: 7, scored: 6, live: 4, candidate: 5, both: 3 },
      { overall: 0, method: 'GET', route: '/score/:id', labelled: 5, scored: 4, live: 3, candidate: 4, both: 3 },
      { overall: 0, method: 'POST', route: '/price', labelled: 2, scored: 2, live: 1, candidate: 1, both: 0 },
    ]);

    const windowed = await rows<{ labelled: string }>(db, labelledAccuracyQuery({ outcomePath: '$.decision', window: true }), {
      challenger: 'cand',
      label: 'verdict',
      fromMs: t + 1,
      toMs: t + 10,
    });
    expect(windowed.map((r) => Number(r.labelled))).toEqual([0]); // only the overall row, empty
    const excluded = await rows<{ overall: number; labelled: string; live: string }>(
      db,
      labelledAccuracyQuery({ outcomePath: '$.decision', excludeRoutes: true }),
      { challenger: 'cand', label: 'verdict', excluded: ['POST /price'] },
    );
    expect(excluded.map((r) => [Number(r.overall), Number(r.labelled), Number(r.live)])).toEqual([
      [1, 5, 3],
      [0, 5, 3],
    ]);
    expect(() => labelledAccuracyQuery({ outcomePath: "$.x'; DROP TABLE pairs" })).toThrow(/outcomePath must be a JSONPath/);
  }, 60_000);
});
