// Retention counts from when a row landed (migration 40, the `retention` option of migrate), against
// the real engine (embedded chDB; a server too when the harness has one). TTLs are forced with
// OPTIMIZE ... FINAL and MATERIALIZE TTL (synchronous), so "survives" means survives a TTL pass, not
// "no merge happened yet". The path through the joiner's writer and `shadow report` is
// services/cli/test/historical-replay.test.ts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, MigrationError, SCHEMA_MIGRATIONS, migrate } from '@shadow/clickhouse';
import type { ClickHouse, ClickHouseOptions } from '@shadow/clickhouse';
import { CHDB_TEST_PATH, openTestClickHouse, serverUnderTest } from './clickhouse-fixture.js';

const DAY = 86_400_000;
const embedded = { mode: 'embedded', path: CHDB_TEST_PATH } as const;
const TABLES = ['pairs', 'pair_diffs', 'unmatched', 'pair_minutes', 'labels'] as const;
const BEFORE_RETENTION = SCHEMA_MIGRATIONS.filter((m) => m.version < 40);

async function rows<T>(ch: ClickHouse, query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function count(ch: ClickHouse, query: string): Promise<number> {
  const [row] = await rows<{ n: string }>(ch, query);
  return Number(row?.n);
}

/** Every TTL applied now: parts merged and their TTL recomputed and enforced, synchronously. */
async function forceTtl(ch: ClickHouse): Promise<void> {
  for (const table of TABLES) {
    await ch.client.command({ query: `ALTER TABLE ${table} MATERIALIZE TTL`, clickhouse_settings: { mutations_sync: '2' } });
    await ch.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  }
}

async function mutations(ch: ClickHouse): Promise<number> {
  return count(ch, 'SELECT count() AS n FROM system.mutations WHERE database = currentDatabase()');
}

/** The engine's rendering of a table's TTL clause (engine_full from TTL up to SETTINGS). */
async function ttlOf(ch: ClickHouse, table: string): Promise<string> {
  const [row] = await rows<{ e: string }>(ch, `SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase() AND name = '${table}'`);
  return /\bTTL (.*?)(?: SETTINGS |$)/.exec(row?.e ?? '')?.[1] ?? '';
}

function pairRow(id: string, captureMs: number, joinedMs: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    exchange_id: id,
    challenger_id: 'cand',
    challenger_role: 'candidate',
    run_id: 'hist',
    attempt: 1,
    route: '/items/:id',
    method: 'GET',
    path: `/items/${id}`,
    capture_time: captureMs,
    replay_time: joinedMs - 1000,
    joined_time: joinedMs,
    live_status: 200,
    shadow_status: 200,
    agree: false,
    real_agree: false,
    body_match: false,
    diff_count: 1,
    real_diff_count: 1,
    diff_paths: ['$.price'],
    bodies_kept: true,
    live_body: `{"id":"${id}","price":10}`,
    shadow_body: `{"id":"${id}","price":11}`,
    ...over,
  };
}

function diffRow(id: string, captureMs: number, joinedMs: number): Record<string, unknown> {
  return {
    exchange_id: id,
    challenger_id: 'cand',
    challenger_role: 'candidate',
    run_id: 'hist',
    capture_time: captureMs,
    joined_time: joinedMs,
    route: '/items/:id',
    method: 'GET',
    diff_path: '$.price',
    kind: 'changed',
    live_example: '10',
    shadow_example: '11',
  };
}

function unmatchedRow(id: string, eventMs: number, joinedMs: number): Record<string, unknown> {
  return {
    exchange_id: id,
    challenger_id: 'cand',
    challenger_role: 'candidate',
    run_id: 'hist',
    reason: 'no_live_record',
    expired_by: 'window',
    has_result: true,
    event_time: eventMs,
    joined_time: joinedMs,
  };
}

function labelRow(id: string, observedMs: number, landedMs: number): Record<string, unknown> {
  return { exchange_id: id, name: 'fraud', value: 'true', value_type: 'boolean', observed_time: observedMs, landed_time: landedMs, source: 'test' };
}

/** Pairs, diffs, unmatched rows and labels of traffic captured 40 and 400 days ago, landed now. */
async function landHistory(ch: ClickHouse, now: number): Promise<void> {
  const ages = [40, 400];
  await ch.client.insert({ table: 'pairs', values: ages.map((d) => pairRow(`p${d}`, now - d * DAY, now)), format: 'JSONEachRow' });
  await ch.client.insert({ table: 'pair_diffs', values: ages.map((d) => diffRow(`p${d}`, now - d * DAY, now)), format: 'JSONEachRow' });
  await ch.client.insert({ table: 'unmatched', values: ages.map((d) => unmatchedRow(`u${d}`, now - d * DAY, now)), format: 'JSONEachRow' });
  await ch.client.insert({ table: 'labels', values: ages.map((d) => labelRow(`p${d}`, now - d * DAY, now)), format: 'JSONEachRow' });
}

async function failure(call: Promise<unknown>): Promise<MigrationError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

async function insertFailure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the insert to be refused');
}

function scenarios(options: () => ClickHouseOptions) {
  it('every TTL counts from landing with the documented defaults (migration 40)', async () => {
    const ch = await openTestClickHouse(options());
    const report = await migrate(ch, SCHEMA_MIGRATIONS, { retention: {} });
    expect(report.retention).toEqual({ days: DEFAULT_RETENTION, changed: [] });
    expect(await ttlOf(ch, 'pairs')).toBe('toDateTime(joined_time) + toIntervalDay(30)');
    expect(await ttlOf(ch, 'pair_diffs')).toBe('toDateTime(joined_time) + toIntervalDay(30)');
    expect(await ttlOf(ch, 'unmatched')).toBe('toDateTime(joined_time) + toIntervalDay(30)');
    expect(await ttlOf(ch, 'pair_minutes')).toBe('landed_time + toIntervalDay(180)');
    expect(await ttlOf(ch, 'capture_minutes')).toBe('landed_time + toIntervalDay(180)');
    expect(await ttlOf(ch, 'labels')).toBe('toDateTime(landed_time) + toIntervalDay(90)');
  });

  it('historical replay: pairs, diffs, unmatched rows, labels and aggregates of traffic captured 40 and 400 days ago survive a forced TTL pass, bodies included', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, SCHEMA_MIGRATIONS);
    const now = Date.now();
    await landHistory(ch, now);
    await forceTtl(ch);
    expect(await rows(ch, 'SELECT exchange_id, live_body, shadow_body FROM pairs FINAL ORDER BY exchange_id')).toEqual([
      { exchange_id: 'p40', live_body: '{"id":"p40","price":10}', shadow_body: '{"id":"p40","price":11}' },
      { exchange_id: 'p400', live_body: '{"id":"p400","price":10}', shadow_body: '{"id":"p400","price":11}' },
    ]);
    expect(await count(ch, 'SELECT count() AS n FROM pair_diffs FINAL')).toBe(2);
    expect(await count(ch, 'SELECT count() AS n FROM unmatched FINAL')).toBe(2);
    expect(await count(ch, 'SELECT count() AS n FROM labels FINAL')).toBe(2);
    // The per-minute aggregates of both capture minutes (keyed by capture minute, kept by landing).
    const minutes = await rows<{ minute: string; pairs: string }>(
      ch,
      'SELECT minute, uniqExactMerge(pairs) AS pairs FROM pair_minutes GROUP BY minute ORDER BY minute',
    );
    expect(minutes.map((m) => [Date.parse(m.minute), Number(m.pairs)])).toEqual([400, 40].map((d) => [Math.floor((now - d * DAY) / 60_000) * 60_000, 1]));
  });

  it('regression: before migration 40 the same landing lost its pairs, diffs and unmatched rows (TTL by capture time), so the test above can fail', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, BEFORE_RETENTION);
    await landHistory(ch, Date.now());
    await forceTtl(ch);
    expect(await count(ch, 'SELECT count() AS n FROM pairs')).toBe(0);
    expect(await count(ch, 'SELECT count() AS n FROM pair_diffs')).toBe(0);
    expect(await count(ch, 'SELECT count() AS n FROM unmatched')).toBe(0);
    // Aggregates expired 180 days after the capture minute, labels 90 days after observation: the
    // 400-day-old ones are gone.
    expect(await count(ch, 'SELECT count() AS n FROM pair_minutes')).toBe(1);
    expect(await count(ch, 'SELECT count() AS n FROM labels')).toBe(1);
  });

  it('upgrading keeps what landed before: bodies of 20-day-old captures are kept after the upgrade, lost without it', async () => {
    const now = Date.now();
    const row = pairRow('old-body', now - 20 * DAY, now);
    const stale = await openTestClickHouse(options());
    await migrate(stale, BEFORE_RETENTION);
    await stale.client.insert({ table: 'pairs', values: [row], format: 'JSONEachRow' });
    await forceTtl(stale);
    expect(await rows(stale, 'SELECT live_body FROM pairs')).toEqual([{ live_body: '' }]);

    const upgraded = await openTestClickHouse(options());
    await migrate(upgraded, BEFORE_RETENTION);
    await upgraded.client.insert({ table: 'pairs', values: [row], format: 'JSONEachRow' });
    expect((await migrate(upgraded, SCHEMA_MIGRATIONS)).applied.map((m) => m.version)).toContain(40);
    await forceTtl(upgraded);
    expect(await rows(upgraded, 'SELECT live_body FROM pairs')).toEqual([{ live_body: '{"id":"old-body","price":10}' }]);
  });

  it('a row whose landing time is already past retention is refused at insert, naming the check; nothing lands silently', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, SCHEMA_MIGRATIONS);
    const now = Date.now();
    const pairs = (values: Record<string, unknown>[]) => ch.client.insert({ table: 'pairs', values, format: 'JSONEachRow' });
    expect(await insertFailure(pairs([pairRow('late', now - 40 * DAY, now - 31 * DAY, { bodies_kept: false, live_body: '', shadow_body: '' })]))).toMatch(
      /landed_within_retention/,
    );
    // Within the rows' 30 days but past the bodies' 7: refused only when it carries bodies.
    expect(await insertFailure(pairs([pairRow('late-bodies', now - 40 * DAY, now - 8 * DAY)]))).toMatch(/landed_within_retention/);
    await pairs([pairRow('late-no-bodies', now - 40 * DAY, now - 8 * DAY, { bodies_kept: false, live_body: '', shadow_body: '' })]);
    expect(await insertFailure(ch.client.insert({ table: 'pair_diffs', values: [diffRow('late', now, now - 31 * DAY)], format: 'JSONEachRow' }))).toMatch(
      /landed_within_retention/,
    );
    expect(await insertFailure(ch.client.insert({ table: 'unmatched', values: [unmatchedRow('late', now, now - 31 * DAY)], format: 'JSONEachRow' }))).toMatch(
      /landed_within_retention/,
    );
    expect(await insertFailure(ch.client.insert({ table: 'labels', values: [labelRow('late', now, now - 91 * DAY)], format: 'JSONEachRow' }))).toMatch(
      /landed_within_retention/,
    );
    // A refused insert is refused whole: nothing of it landed.
    expect(await rows(ch, 'SELECT exchange_id FROM pairs')).toEqual([{ exchange_id: 'late-no-bodies' }]);
    // With 60 days of retention the same 31-day-old landing is accepted.
    await migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 60 } });
    await pairs([pairRow('late', now - 40 * DAY, now - 31 * DAY, { bodies_kept: false, live_body: '', shadow_body: '' })]);
    expect(await count(ch, "SELECT count() AS n FROM pairs WHERE exchange_id = 'late'")).toBe(1);
  });

  it('the retention option changes a TTL only when it differs: the same value again runs nothing; a field left out keeps its value', async () => {
    const ch = await openTestClickHouse(options());
    await migrate(ch, SCHEMA_MIGRATIONS, { retention: {} });
    const first = await migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 60, bodiesDays: 14, aggregatesDays: 365, labelsDays: 120 } });
    expect(first.retention?.days).toEqual({ rowsDays: 60, bodiesDays: 14, aggregatesDays: 365, labelsDays: 120 });
    expect(first.retention?.changed).toEqual(
      expect.arrayContaining([
        'pairs: rows 30 -> 60 days',
        'pairs: bodies 7 -> 14 days',
        'pair_minutes: aggregates 180 -> 365 days',
        'labels: labels 90 -> 120 days',
      ]),
    );
    expect(await ttlOf(ch, 'pairs')).toBe('toDateTime(joined_time) + toIntervalDay(60)');
    expect(await ttlOf(ch, 'unmatched')).toBe('toDateTime(joined_time) + toIntervalDay(60)');
    expect(await ttlOf(ch, 'pair_minutes')).toBe('landed_time + toIntervalDay(365)');
    expect(await ttlOf(ch, 'capture_minutes')).toBe('landed_time + toIntervalDay(365)');
    const [create] = await rows<{ q: string }>(ch, "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'pairs'");
    expect(create?.q).toContain('`shadow_body` String CODEC(ZSTD(3)) TTL toDateTime(joined_time) + toIntervalDay(14)');

    const before = await mutations(ch);
    const again = await migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 60, bodiesDays: 14, aggregatesDays: 365, labelsDays: 120 } });
    expect(again.retention?.changed).toEqual([]);
    // Left out: every field keeps what the previous run set (a joiner restarted without the setting).
    const kept = await migrate(ch, SCHEMA_MIGRATIONS, { retention: {} });
    expect(kept.retention).toEqual({ days: { rowsDays: 60, bodiesDays: 14, aggregatesDays: 365, labelsDays: 120 }, changed: [] });
    expect(await mutations(ch)).toBe(before);
    // Shorter again: a landing 40 days back is now past retention.
    await migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 30 } });
    expect(await ttlOf(ch, 'pair_diffs')).toBe('toDateTime(joined_time) + toIntervalDay(30)');
    const now = Date.now();
    expect(await insertFailure(ch.client.insert({ table: 'pair_diffs', values: [diffRow('x', now, now - 40 * DAY)], format: 'JSONEachRow' }))).toMatch(
      /landed_within_retention/,
    );
  });

  it('bad values are refused before anything runs, naming every field', async () => {
    const ch = await openTestClickHouse(options());
    const err = await failure(migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 0, bodiesDays: 1.5, aggregatesDays: 3651, rowDays: 3 } as never }));
    expect(err.code).toBe('MIGRATE_INVALID');
    expect(err.message).toContain('retention.rowsDays: must be a whole number of days from 1 to 3650; got 0');
    expect(err.message).toContain('retention.bodiesDays: must be a whole number of days from 1 to 3650; got 1.5');
    expect(err.message).toContain('retention.aggregatesDays: must be a whole number of days from 1 to 3650; got 3651');
    expect(err.message).toContain('retention.rowDays: unknown field');
    expect(await rows(ch, 'SHOW TABLES')).toEqual([]);
    // Bodies cannot outlive their rows: checked against the value given or the tables' current one.
    expect((await failure(migrate(ch, SCHEMA_MIGRATIONS, { retention: { rowsDays: 10, bodiesDays: 20 } }))).message).toContain(
      'retention.bodiesDays: 20 exceeds retention.rowsDays (10)',
    );
    await migrate(ch, SCHEMA_MIGRATIONS);
    const current = await failure(migrate(ch, SCHEMA_MIGRATIONS, { retention: { bodiesDays: 45 } }));
    expect(current.message).toContain('retention.bodiesDays (45 days) exceeds retention.rowsDays (30)');
    expect(await ttlOf(ch, 'pairs')).toBe('toDateTime(joined_time) + toIntervalDay(30)');
  });

  it('a dry run reports the retention it would set and changes nothing', async () => {
    const ch = await openTestClickHouse(options());
    const report = await migrate(ch, SCHEMA_MIGRATIONS, { dryRun: true, retention: { rowsDays: 45 } });
    expect(report.retention?.days).toEqual({ ...DEFAULT_RETENTION, rowsDays: 45 });
    expect(report.retention?.changed).toContain('pairs: rows 30 -> 45 days');
    expect(await rows(ch, 'SHOW TABLES')).toEqual([]);
    await migrate(ch, SCHEMA_MIGRATIONS);
    const later = await migrate(ch, SCHEMA_MIGRATIONS, { dryRun: true, retention: { labelsDays: 10 } });
    expect(later.retention?.changed).toEqual(['labels: labels 90 -> 10 days', 'labels: landing check 90 -> 10 days']);
    expect(await ttlOf(ch, 'labels')).toBe('toDateTime(landed_time) + toIntervalDay(90)');
  });
}

describe('retention from landing, embedded (chDB)', () => {
  scenarios(() => embedded);
});

const server = serverUnderTest();
// No ClickHouse server on this machine; CI and developers with Docker or CLICKHOUSE_URL run these.
describe.runIf(server !== undefined)('retention from landing, server', () => {
  scenarios(() => server as ClickHouseOptions);
});
