import { describe, expect, it } from 'vitest';
import { RETENTION_MIGRATIONS } from './retention-migrations.js';
import { DEFAULT_RETENTION, columnTtlDays, landingCheckDays, retentionProblems, tableTtlDays } from './retention.js';

describe('retentionProblems', () => {
  it('accepts whole days from 1 to 3650 and an empty object (keep everything)', () => {
    expect(retentionProblems({})).toEqual([]);
    expect(retentionProblems({ rowsDays: 1, bodiesDays: 1, aggregatesDays: 3650, labelsDays: 90 })).toEqual([]);
  });

  it('names every bad field by its path', () => {
    expect(retentionProblems({ rowsDays: 0, bodiesDays: '7', labelsDays: Number.NaN, aggregatesDays: 4000, rowDays: 2 })).toEqual([
      'retention.rowsDays: must be a whole number of days from 1 to 3650; got 0',
      'retention.bodiesDays: must be a whole number of days from 1 to 3650; got "7"',
      'retention.labelsDays: must be a whole number of days from 1 to 3650; got NaN',
      'retention.aggregatesDays: must be a whole number of days from 1 to 3650; got 4000',
      'retention.rowDays: unknown field (accepted: rowsDays, bodiesDays, aggregatesDays, labelsDays)',
    ]);
    expect(retentionProblems(30)).toEqual(['retention: expected an object with rowsDays, bodiesDays, aggregatesDays, labelsDays (whole days), got 30']);
    expect(retentionProblems({ rowsDays: 5, bodiesDays: 6 })).toEqual([
      'retention.bodiesDays: 6 exceeds retention.rowsDays (5); bodies live in the pair rows and go with them',
    ]);
  });
});

describe('reading TTLs back from the engine', () => {
  const engine =
    'ReplacingMergeTree(joined_time) PARTITION BY toYYYYMMDD(capture_time) ORDER BY (challenger_id, exchange_id) TTL toDateTime(joined_time) + toIntervalDay(30) SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192';

  it('reads a table TTL by landing time, and nothing else', () => {
    expect(tableTtlDays(engine, 'toDateTime(joined_time)')).toBe(30);
    expect(tableTtlDays('AggregatingMergeTree ORDER BY minute TTL landed_time + toIntervalDay(180)', 'landed_time')).toBe(180);
    // Capture time, a second TTL element, or no TTL: not ours.
    expect(tableTtlDays(engine.replace('joined_time) +', 'capture_time) +'), 'toDateTime(joined_time)')).toBeNull();
    expect(tableTtlDays(engine.replace(' SETTINGS', ', toDateTime(joined_time) + toIntervalDay(1) DELETE SETTINGS'), 'toDateTime(joined_time)')).toBeNull();
    expect(tableTtlDays('MergeTree ORDER BY id', 'toDateTime(joined_time)')).toBeNull();
  });

  it('reads a column TTL and the landing check', () => {
    const create =
      'CREATE TABLE d.pairs (`bodies_kept` Bool, `live_body` String CODEC(ZSTD(3)) TTL toDateTime(joined_time) + toIntervalDay(7), `shadow_body` String, INDEX i exchange_id TYPE bloom_filter(0.01) GRANULARITY 4, CONSTRAINT landed_within_retention CHECK (joined_time > (now() - toIntervalDay(30))) AND ((NOT bodies_kept) OR (joined_time > (now() - toIntervalDay(7))))) ENGINE = ReplacingMergeTree(joined_time) ORDER BY id';
    expect(columnTtlDays(create, 'live_body')).toBe(7);
    expect(columnTtlDays(create, 'shadow_body')).toBeNull();
    expect(landingCheckDays(create)).toEqual([30, 7]);
    expect(landingCheckDays(create.replace('landed_within_retention', 'other'))).toBeNull();
  });
});

describe('migration 40', () => {
  it('sets exactly the documented defaults', () => {
    const days = (pattern: RegExp) => RETENTION_MIGRATIONS[0]?.statements.filter((s) => pattern.test(s)).map((s) => Number(/INTERVAL (\d+) DAY/.exec(s)?.[1]));
    expect(days(/MODIFY TTL toDateTime\(joined_time\)/)).toEqual([DEFAULT_RETENTION.rowsDays, DEFAULT_RETENTION.rowsDays, DEFAULT_RETENTION.rowsDays]);
    expect(days(/MODIFY COLUMN \w+_body TTL/)).toEqual([DEFAULT_RETENTION.bodiesDays, DEFAULT_RETENTION.bodiesDays]);
    expect(days(/pair_minutes MODIFY TTL/)).toEqual([DEFAULT_RETENTION.aggregatesDays]);
    expect(days(/labels MODIFY TTL/)).toEqual([DEFAULT_RETENTION.labelsDays]);
  });
});
