import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const minimal = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"http://c:8080"}]' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('replayer config', () => {
  it('fills defaults', () => {
    const c = loadConfig(minimal);
    expect(c.groupId).toBe('shadow-replayer');
    expect(c.challengers[0]).toMatchObject({ id: 'c', role: 'candidate', maxConcurrency: 32, timeoutMs: 10_000 });
    expect(c.admin.port).toBe(9465);
    expect(c.killSwitch.enabled).toBe(true);
  });

  it('names every bad field at once, with the env variable that set it', () => {
    const found = problems({
      KAFKA_BROKERS: 'nohost',
      SCHEMA_REGISTRY_URL: 'ftp://r',
      REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"nope","role":"boss","maxConcurrency":0},{"id":"c","baseUrl":"http://x"}]',
      REPLAYER_ORDERING: 'sometimes',
      REPLAYER_SAMPLE_RATE: '2',
      REPLAYER_ADMIN_PORT: 'http',
    });
    const text = found.join('\n');
    expect(text).toMatch(/kafka\.brokers\.0 \(KAFKA_BROKERS\): each broker must be host:port, got "nohost"/);
    expect(text).toMatch(/schemaRegistry\.url \(SCHEMA_REGISTRY_URL\): must be an http/);
    expect(text).toMatch(/challengers\.0\.baseUrl \(REPLAYER_CHALLENGERS\): must be an http/);
    expect(text).toMatch(/challengers\.0\.role \(REPLAYER_CHALLENGERS\): .*"boss"/);
    expect(text).toMatch(/challengers\.0\.maxConcurrency/);
    expect(text).toMatch(/ordering \(REPLAYER_ORDERING\): must be none, all or header:<name>/);
    expect(text).toMatch(/sampling\.rate \(REPLAYER_SAMPLE_RATE\)/);
    expect(text).toMatch(/admin\.port \(REPLAYER_ADMIN_PORT\)/);
  });

  it('reads YAML with env overrides on top, and rejects unknown fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replayer-config-'));
    const file = join(dir, 'replayer.yaml');
    writeFileSync(file, [
      'kafka: { brokers: ["a:9092"] }',
      'schemaRegistry: { url: "http://r:8081" }',
      'challengers:',
      '  - { id: cand, baseUrl: "http://cand:8080", maxRatePerSecond: 50 }',
      '  - { id: sec, baseUrl: "http://sec:8080", role: secondary }',
      'ordering: "header:x-session"',
    ].join('\n'));
    const c = loadConfig({ REPLAYER_CONFIG: file, KAFKA_BROKERS: 'b:9092,c:9092' });
    expect(c.kafka.brokers).toEqual(['b:9092', 'c:9092']);
    expect(c.challengers.map((x) => x.role)).toEqual(['candidate', 'secondary']);
    expect(c.challengers[0]?.maxRatePerSecond).toBe(50);
    writeFileSync(file, 'kafka: { brokers: ["a:9092"] }\nschemaRegistry: { url: "http://r:8081" }\nchallengers: [{ id: c, baseUrl: "http://c" }]\ntypo: 1\n');
    expect(problems({ REPLAYER_CONFIG: file }).join('\n')).toMatch(/typo/);
    expect(problems({ REPLAYER_CONFIG: join(dir, 'missing.yaml') }).join('\n')).toMatch(/REPLAYER_CONFIG: cannot read/);
    expect(problems({ ...minimal, REPLAYER_CHALLENGERS: '[not json' }).join('\n')).toMatch(/REPLAYER_CHALLENGERS/);
    expect(problems({ ...minimal, REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"http://a"},{"id":"c","baseUrl":"http://b"}]' }).join('\n'))
      .toMatch(/challengers \(REPLAYER_CHALLENGERS\): challenger ids must be unique/);
  });
});
