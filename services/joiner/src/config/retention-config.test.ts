import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, retentionOf } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1' };

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('joiner retention settings', () => {
  it('unset: no retention field, so the tables keep what they have', () => {
    expect(retentionOf(loadConfig(base))).toEqual({});
  });

  it('maps each setting to its retention field', () => {
    const config = loadConfig({
      ...base,
      JOINER_RETENTION_DAYS: '60',
      JOINER_BODY_RETENTION_DAYS: '14',
      JOINER_AGGREGATE_RETENTION_DAYS: '365',
      JOINER_LABEL_RETENTION_DAYS: '120',
    });
    expect(retentionOf(config)).toEqual({ rowsDays: 60, bodiesDays: 14, aggregatesDays: 365, labelsDays: 120 });
    expect(retentionOf(loadConfig({ ...base, JOINER_LABEL_RETENTION_DAYS: '30' }))).toEqual({ labelsDays: 30 });
  });

  it('names every bad setting at start-up', () => {
    const p = problems({
      ...base,
      JOINER_RETENTION_DAYS: '0',
      JOINER_BODY_RETENTION_DAYS: '1.5',
      JOINER_AGGREGATE_RETENTION_DAYS: '3651',
      JOINER_LABEL_RETENTION_DAYS: 'forever',
    });
    expect(p.map((s) => s.split(':')[0])).toEqual([
      'JOINER_RETENTION_DAYS (retention.rowsDays)',
      'JOINER_BODY_RETENTION_DAYS (retention.bodiesDays)',
      'JOINER_AGGREGATE_RETENTION_DAYS (retention.aggregatesDays)',
      'JOINER_LABEL_RETENTION_DAYS (retention.labelsDays)',
    ]);
    expect(p[0]).toContain('"0"');
    expect(problems({ ...base, JOINER_RETENTION_DAYS: '10', JOINER_BODY_RETENTION_DAYS: '20' })).toEqual([
      'JOINER_BODY_RETENTION_DAYS (retention.bodiesDays): 20 exceeds JOINER_RETENTION_DAYS (retention.rowsDays) (10); bodies live in the pair rows and go with them',
    ]);
  });
});
