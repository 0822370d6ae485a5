import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { undocumentedSettings } from '@shadow/service-admin';
import { ConfigError, joinerConfig, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1, sec-1' };

function problems(env: Record<string, string>): readonly string[] {
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
    expect(c.challengers).toEqual(['cand-1', 'sec-1']);
    expect(c.windowMs).toBe(30_000);
    expect(c.admin.port).toBe(9466);
    expect(c.batch).toEqual({ maxRows: 10_000, maxBytes: 16 * 1024 * 1024, maxDelayMs: 1000 });
  });

  it('names every bad field with what it got: the variable and the path', () => {
    const p = problems({
      ...base,
      JOINER_CHALLENGERS: ' , ',
      JOINER_WINDOW_MS: 'soon',
      JOINER_BODY_SAMPLE_RATE: '2',
      KAFKA_BROKERS: 'nohost',
      JOINER_BATCH_MAX_ROWS: '0',
    });
    expect(p.find((s) => s.startsWith('JOINER_CHALLENGERS (challengers):'))).toContain('at least one challenger');
    expect(p.find((s) => s.startsWith('JOINER_WINDOW_MS (windowMs):'))).toContain('"soon"');
    expect(p.find((s) => s.startsWith('JOINER_BODY_SAMPLE_RATE (body.sampleRate):'))).toBeDefined();
    expect(p.find((s) => s.startsWith('KAFKA_BROKERS (kafka.brokers[0]):'))).toContain('host:port');
    expect(p.find((s) => s.startsWith('JOINER_BATCH_MAX_ROWS (batch.maxRows):'))).toContain('got "0"');
  });

  it('reports a missing required field as not set, by its path and variable', () => {
    expect(problems({ KAFKA_BROKERS: base.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: base.SCHEMA_REGISTRY_URL })).toEqual([
      'challengers (JOINER_CHALLENGERS): required (not set)',
    ]);
  });

  it('reads a YAML file under the environment, keyed by path or by variable, and refuses unknown fields in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-config-'));
    const file = join(dir, 'joiner.yaml');
    writeFileSync(file, 'JOINER_CHALLENGERS: [a, b]\nJOINER_WINDOW_MS: 5000\n');
    expect(loadConfig({ ...base, JOINER_CHALLENGERS: '', JOINER_CONFIG: file })).toMatchObject({ challengers: ['a', 'b'], windowMs: 5000 });
    expect(loadConfig({ ...base, JOINER_CONFIG: file }).challengers).toEqual(['cand-1', 'sec-1']); // env wins
    writeFileSync(file, 'challengers: [a]\nbatch: { maxRows: 50 }\nquery: { port: "off" }\n');
    expect(loadConfig({ ...base, JOINER_CHALLENGERS: '', JOINER_CONFIG: file })).toMatchObject({
      challengers: ['a'],
      batch: { maxRows: 50, maxDelayMs: 1000 },
      query: { port: 'off' },
    });
    writeFileSync(file, 'JOINER_WINDOW: 5000\nbatch: { maxRow: 1 }\n');
    expect(problems({ ...base, JOINER_CONFIG: file })).toEqual([
      'batch.maxRow: unknown field (accepted: maxRows, maxBytes, maxDelayMs)',
      expect.stringMatching(/^JOINER_WINDOW: unknown field/),
    ]);
  });

  it("waits for the challengers of the shared file (the replayer's block), by id", () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-challengers-'));
    writeFileSync(
      join(dir, 'challengers.yaml'),
      'challengers:\n  - { id: cand, baseUrl: "http://cand:8080" }\n  - { id: sec, baseUrl: "http://sec:8080", role: secondary }\n',
    );
    writeFileSync(join(dir, 'joiner.yaml'), 'challengersFile: challengers.yaml\n');
    expect(
      loadConfig({ KAFKA_BROKERS: base.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: base.SCHEMA_REGISTRY_URL, JOINER_CONFIG: join(dir, 'joiner.yaml') }).challengers,
    ).toEqual(['cand', 'sec']);
    // The block's schema is the replayer's: a bad entry is named in the joiner too.
    writeFileSync(join(dir, 'challengers.yaml'), 'challengers:\n  - { id: cand, baseUrl: "ftp://cand" }\n');
    expect(problems({ KAFKA_BROKERS: base.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: base.SCHEMA_REGISTRY_URL, JOINER_CONFIG: join(dir, 'joiner.yaml') })).toEqual([
      expect.stringMatching(/^challengers\[0\]\.baseUrl \(in .*challengers\.yaml\): must be an http/),
    ]);
  });
});

describe('docs/joiner.md', () => {
  it('has a row for every setting: its variable and its file key', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/joiner.md'), 'utf8');
    expect(undocumentedSettings(joinerConfig.settings, doc)).toEqual([]);
  });

  it('its challengers.yaml example (the one docs/replayer.md shows too) is read as the challengers file', () => {
    const example = (name: string): string | undefined =>
      /```yaml\n(# challengers\.yaml[^\n]*\n[\s\S]*?)```/.exec(readFileSync(join(import.meta.dirname, `../../../../docs/${name}.md`), 'utf8'))?.[1];
    expect(example('joiner')).toBeDefined();
    expect(example('joiner')).toBe(example('replayer'));
    const dir = mkdtempSync(join(tmpdir(), 'doc-challengers-'));
    writeFileSync(join(dir, 'challengers.yaml'), example('joiner') as string);
    const c = loadConfig({ KAFKA_BROKERS: 'a:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', JOINER_CHALLENGERS_FILE: join(dir, 'challengers.yaml') });
    expect(c.challengers).toEqual(['pricing-rc', 'pricing-2']);
  });
});
