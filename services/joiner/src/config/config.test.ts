import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1, sec-1' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('joiner config', () => {
  it('applies defaults and splits lists', () => {
    const c = loadConfig(base);
    expect(c.JOINER_CHALLENGERS).toEqual(['cand-1', 'sec-1']);
    expect(c.JOINER_WINDOW_MS).toBe(30_000);
    expect(c.JOINER_ADMIN_PORT).toBe(9466);
  });

  it('names every bad field with what it got', () => {
    const p = problems({ ...base, JOINER_CHALLENGERS: ' , ', JOINER_WINDOW_MS: 'soon', JOINER_BODY_SAMPLE_RATE: '2', KAFKA_BROKERS: 'nohost' });
    expect(p.find((s) => s.startsWith('JOINER_CHALLENGERS:'))).toContain('at least one challenger');
    expect(p.find((s) => s.startsWith('JOINER_WINDOW_MS:'))).toContain('"soon"');
    expect(p.find((s) => s.startsWith('JOINER_BODY_SAMPLE_RATE:'))).toBeDefined();
    expect(p.find((s) => s.startsWith('KAFKA_BROKERS:'))).toContain('host:port');
  });

  it('reports a missing required field as not set', () => {
    expect(problems({ KAFKA_BROKERS: base.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: base.SCHEMA_REGISTRY_URL })).toEqual([expect.stringMatching(/^JOINER_CHALLENGERS: .*\(not set\)$/)]);
  });

  it('reads a YAML file under the environment, and refuses unknown fields in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-config-'));
    const file = join(dir, 'joiner.yaml');
    writeFileSync(file, 'JOINER_CHALLENGERS: [a, b]\nJOINER_WINDOW_MS: 5000\n');
    expect(loadConfig({ ...base, JOINER_CHALLENGERS: '', JOINER_CONFIG: file })).toMatchObject({ JOINER_CHALLENGERS: ['a', 'b'], JOINER_WINDOW_MS: 5000 });
    expect(loadConfig({ ...base, JOINER_CONFIG: file }).JOINER_CHALLENGERS).toEqual(['cand-1', 'sec-1']); // env wins
    writeFileSync(file, 'JOINER_WINDOW: 5000\n');
    expect(problems({ ...base, JOINER_CONFIG: file })[0]).toMatch(/^JOINER_WINDOW: unknown field/);
  });
});
