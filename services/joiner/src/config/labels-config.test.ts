import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1' };

describe('joiner config: labels', () => {
  it('lands labels by default, can be switched off, and the group id is left to derive from JOINER_GROUP_ID', () => {
    expect(loadConfig(base).labels.enabled).toBe(true);
    expect(loadConfig(base).labels.groupId).toBeUndefined();
    expect(loadConfig({ ...base, JOINER_LABELS: 'off' }).labels.enabled).toBe(false);
    expect(loadConfig({ ...base, JOINER_LABELS: 'false' }).labels.enabled).toBe(false);
    expect(loadConfig({ ...base, JOINER_LABELS_GROUP_ID: 'g-labels' }).labels.groupId).toBe('g-labels');
  });

  it('names JOINER_LABELS when its value is not on/off', () => {
    expect(() => loadConfig({ ...base, JOINER_LABELS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, JOINER_LABELS: 'maybe' })).toThrow(/JOINER_LABELS \(labels\.enabled\): .*got "maybe"/);
  });
});
