import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const rules = [{ route: '/price/:sku', ignorePaths: ['$.servedAt'], outcomes: [{ name: 'price', path: '$.price', type: 'number' }] }];

describe('joiner config: JOINER_COMPARE', () => {
  it('is absent by default (compare defaults) and parsed from JSON in the environment', () => {
    expect(loadConfig(base).JOINER_COMPARE).toBeUndefined();
    const c = loadConfig({ ...base, JOINER_COMPARE: JSON.stringify({ routes: { patterns: ['/price/:sku'] }, rules }) });
    expect(c.JOINER_COMPARE).toEqual({ routes: { patterns: ['/price/:sku'] }, rules });
  });

  it('names the bad compare field', () => {
    const bad = [{ route: '/price/:sku', outcomes: [{ name: 'price', path: '$.price', type: 'money' }] }];
    const p = problems({ ...base, JOINER_COMPARE: JSON.stringify({ rules: bad }) });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^JOINER_COMPARE: compare\.rules\[0\]\.outcomes\[0\]\.type: /);
    expect(problems({ ...base, JOINER_COMPARE: JSON.stringify({ body: { maxBodyBytes: -1 } }) })).toEqual([expect.stringMatching(/^JOINER_COMPARE: compare\.body\.maxBodyBytes: expected an integer >= 0/)]);
  });

  it('refuses text that is not a JSON object', () => {
    expect(problems({ ...base, JOINER_COMPARE: '{rules:' })).toEqual([expect.stringMatching(/^JOINER_COMPARE: not JSON/)]);
    expect(problems({ ...base, JOINER_COMPARE: '[1]' })).toEqual([expect.stringMatching(/^JOINER_COMPARE: expected an object/)]);
  });

  it('reads a `compare:` mapping from the JOINER_CONFIG file, validated the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-compare-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, ['compare:', '  rules:', '    - route: /price/:sku', '      outcomes:', '        - { name: price, path: $.price, type: number }'].join('\n'));
    expect(loadConfig({ ...base, JOINER_CONFIG: good }).JOINER_COMPARE).toEqual({ rules: [{ route: '/price/:sku', outcomes: [{ name: 'price', path: '$.price', type: 'number' }] }] });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, ['compare:', '  rules:', '    - route: /price/:sku', '      ignorePaths: ["price"]'].join('\n'));
    expect(problems({ ...base, JOINER_CONFIG: bad })).toEqual([expect.stringMatching(/^JOINER_COMPARE: compare\.rules\[0\]\.ignorePaths\[0\]/)]);
  });
});
