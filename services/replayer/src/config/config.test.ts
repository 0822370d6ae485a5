import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { undocumentedSettings } from '@shadow/service-admin';
import { ConfigError, loadConfig, replayerConfig } from './config.js';

const minimal = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"http://c:8080"}]' };

function problems(env: Record<string, string>): readonly string[] {
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
    expect(text).toMatch(/KAFKA_BROKERS \(kafka\.brokers\[0\]\): each broker must be host:port, got "nohost"/);
    expect(text).toMatch(/SCHEMA_REGISTRY_URL \(schemaRegistry\.url\): must be an http/);
    expect(text).toMatch(/REPLAYER_CHALLENGERS \(challengers\[0\]\.baseUrl\): must be an http/);
    expect(text).toMatch(/REPLAYER_CHALLENGERS \(challengers\[0\]\.role\): .*"boss"/);
    expect(text).toMatch(/challengers\[0\]\.maxConcurrency/);
    expect(text).toMatch(/REPLAYER_ORDERING \(ordering\): must be none, all or header:<name>/);
    expect(text).toMatch(/REPLAYER_SAMPLE_RATE \(sampling\.rate\)/);
    expect(text).toMatch(/REPLAYER_ADMIN_PORT \(admin\.port\)/);
  });

  it('reads YAML with env overrides on top, and rejects unknown fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replayer-config-'));
    const file = join(dir, 'replayer.yaml');
    writeFileSync(
      file,
      [
        'kafka: { brokers: ["a:9092"] }',
        'schemaRegistry: { url: "http://r:8081" }',
        'challengers:',
        '  - { id: cand, baseUrl: "http://cand:8080", maxRatePerSecond: 50 }',
        '  - { id: sec, baseUrl: "http://sec:8080", role: secondary }',
        'ordering: "header:x-session"',
      ].join('\n'),
    );
    const c = loadConfig({ REPLAYER_CONFIG: file, KAFKA_BROKERS: 'b:9092,c:9092' });
    expect(c.kafka.brokers).toEqual(['b:9092', 'c:9092']);
    expect(c.challengers.map((x) => x.role)).toEqual(['candidate', 'secondary']);
    expect(c.challengers[0]?.maxRatePerSecond).toBe(50);
    writeFileSync(file, 'kafka: { brokers: ["a:9092"] }\nschemaRegistry: { url: "http://r:8081" }\nchallengers: [{ id: c, baseUrl: "http://c" }]\ntypo: 1\n');
    expect(problems({ REPLAYER_CONFIG: file }).join('\n')).toMatch(/typo/);
    expect(problems({ REPLAYER_CONFIG: join(dir, 'missing.yaml') }).join('\n')).toMatch(/REPLAYER_CONFIG: cannot read/);
    expect(problems({ ...minimal, REPLAYER_CHALLENGERS: '[not json' }).join('\n')).toMatch(/REPLAYER_CHALLENGERS/);
    expect(problems({ ...minimal, REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"http://a"},{"id":"c","baseUrl":"http://b"}]' }).join('\n')).toMatch(
      /REPLAYER_CHALLENGERS \(challengers\): challenger ids must be unique/,
    );
  });
  it('reads the challengers from the shared file (challengersFile), not both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replayer-challengers-'));
    writeFileSync(
      join(dir, 'challengers.yaml'),
      'challengers:\n  - { id: cand, baseUrl: "http://cand:8080", maxConcurrency: 4 }\n  - { id: sec, baseUrl: "http://sec:8080", role: secondary }\n',
    );
    writeFileSync(join(dir, 'replayer.yaml'), 'kafka: { brokers: ["a:9092"] }\nschemaRegistry: { url: "http://r:8081" }\nchallengersFile: challengers.yaml\n');
    const c = loadConfig({ REPLAYER_CONFIG: join(dir, 'replayer.yaml') });
    expect(c.challengers.map((x) => [x.id, x.role, x.maxConcurrency])).toEqual([
      ['cand', 'candidate', 4],
      ['sec', 'secondary', 32],
    ]);
    expect(problems({ REPLAYER_CONFIG: join(dir, 'replayer.yaml'), REPLAYER_CHALLENGERS: '[{"id":"c","baseUrl":"http://c"}]' })).toEqual([
      'challengersFile: set challengers or challengersFile, not both',
    ]);
  });
});

describe('docs/replayer.md', () => {
  it('has a row for every setting: its variable and its file key', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/replayer.md'), 'utf8');
    expect(undocumentedSettings(replayerConfig.settings, doc)).toEqual([]);
  });

  it('its challengers.yaml example (the one docs/joiner.md shows too) is read as the challengers file', () => {
    const example = (name: string): string | undefined =>
      /```yaml\n(# challengers\.yaml[^\n]*\n[\s\S]*?)```/.exec(readFileSync(join(import.meta.dirname, `../../../../docs/${name}.md`), 'utf8'))?.[1];
    expect(example('replayer')).toBeDefined();
    expect(example('replayer')).toBe(example('joiner'));
    const dir = mkdtempSync(join(tmpdir(), 'doc-challengers-'));
    writeFileSync(join(dir, 'challengers.yaml'), example('replayer') as string);
    const c = loadConfig({ KAFKA_BROKERS: 'a:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REPLAYER_CHALLENGERS_FILE: join(dir, 'challengers.yaml') });
    expect(c.challengers.map((x) => x.id)).toEqual(['pricing-rc', 'pricing-2']);
  });
});
