import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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

const rules = [{ route: '/price/:sku', ignorePaths: ['$.servedAt'], outcomes: [{ name: 'price', path: '$.price', type: 'number' }] }];

describe('joiner config: JOINER_COMPARE', () => {
  it('is absent by default (compare defaults) and parsed from JSON in the environment', () => {
    expect(loadConfig(base).compare).toBeUndefined();
    const c = loadConfig({ ...base, JOINER_COMPARE: JSON.stringify({ routes: { patterns: ['/price/:sku'] }, rules }) });
    expect(c.compare).toEqual({ routes: { patterns: ['/price/:sku'] }, rules });
  });

  it('names the bad compare field', () => {
    const bad = [{ route: '/price/:sku', outcomes: [{ name: 'price', path: '$.price', type: 'money' }] }];
    const p = problems({ ...base, JOINER_COMPARE: JSON.stringify({ rules: bad }) });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^JOINER_COMPARE \(compare\.rules\[0\]\.outcomes\[0\]\.type\): /);
    expect(problems({ ...base, JOINER_COMPARE: JSON.stringify({ body: { maxBodyBytes: -1 } }) })).toEqual([
      expect.stringMatching(/^JOINER_COMPARE \(compare\.body\.maxBodyBytes\): expected an integer >= 0/),
    ]);
  });

  it('refuses text that is not a JSON object', () => {
    expect(problems({ ...base, JOINER_COMPARE: '{rules:' })).toEqual([expect.stringMatching(/^JOINER_COMPARE \(compare\): not JSON/)]);
    expect(problems({ ...base, JOINER_COMPARE: '[1]' })).toEqual([
      expect.stringMatching(/^JOINER_COMPARE \(compare\): Invalid input: expected object, received array/),
    ]);
  });

  it('reads a `compare:` mapping from the JOINER_CONFIG file, validated the same way, named by its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-compare-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      ['compare:', '  rules:', '    - route: /price/:sku', '      outcomes:', '        - { name: price, path: $.price, type: number }'].join('\n'),
    );
    expect(loadConfig({ ...base, JOINER_CONFIG: good }).compare).toEqual({
      rules: [{ route: '/price/:sku', outcomes: [{ name: 'price', path: '$.price', type: 'number' }] }],
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, ['compare:', '  rules:', '    - route: /price/:sku', '      ignorePaths: ["price"]'].join('\n'));
    expect(problems({ ...base, JOINER_CONFIG: bad })).toEqual([expect.stringMatching(/^compare\.rules\[0\]\.ignorePaths\[0\]: /)]);
  });
});

describe('joiner config: compare.judges', () => {
  const judges = {
    summary: {
      type: 'openai-chat',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'qwen2.5:7b-instruct',
      deadlineMs: 20_000,
      timeoutMs: 10_000,
      audit: { secondaryRate: 0.1 },
    },
    ranker: {
      type: 'http',
      url: 'http://127.0.0.1:9000/judge',
      deadlineMs: 5000,
      timeoutMs: 5000,
      headers: { authorization: { env: 'RANKER_TOKEN', prefix: 'Bearer ' } },
    },
  };
  const judgedRules = [
    { route: '/summary/:id', judge: { path: '$.summary', use: 'summary' } },
    { route: '/rank', judge: { use: 'ranker' } },
  ];

  it("resolves the judges, keeps them out of compare's options, and waits for the longest judgement + 1 s", () => {
    const c = loadConfig({ ...base, RANKER_TOKEN: 'secret', JOINER_COMPARE: JSON.stringify({ judges, rules: judgedRules }) });
    expect(Object.keys(c.judges?.judges ?? {})).toEqual(['summary', 'ranker']);
    expect(c.judges?.judges['ranker']?.headers).toEqual({ authorization: 'Bearer secret' });
    expect(c.compare).not.toHaveProperty('judges');
    // summary: 20 s deadline, its secondary audit another 20 s after the verdict, + 1 s.
    expect(c.compare?.judgeTimeoutMs).toBe(41_000);
    expect(c.maxJudgingEntries).toBe(256);
  });

  it('names every bad judge field by its full path under compare.judges, and a missing variable by name', () => {
    const bad = { ...judges, summary: { ...judges.summary, baseUrl: 'ftp://model', retries: { max: 99 } } };
    const p = problems({ ...base, JOINER_COMPARE: JSON.stringify({ judges: bad, rules: judgedRules }) });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^JOINER_COMPARE \(compare\.judges\.summary\.baseUrl\): /),
        expect.stringMatching(/^JOINER_COMPARE \(compare\.judges\.summary\.retries\.max\): /),
        'JOINER_COMPARE (compare.judges.ranker.headers.authorization.env): environment variable RANKER_TOKEN is not set',
      ]),
    );
    expect(p.join('\n')).not.toContain('secret');
  });

  it('refuses a rule whose judge is not configured, naming the rule', () => {
    const p = problems({ ...base, RANKER_TOKEN: 't', JOINER_COMPARE: JSON.stringify({ judges, rules: [{ route: '/x', judge: { use: 'sumary' } }] }) });
    expect(p).toEqual(['JOINER_COMPARE (compare.rules[0].judge.use): no judge "sumary" (configured: summary, ranker)']);
    expect(problems({ ...base, JOINER_COMPARE: JSON.stringify({ rules: [{ route: '/x', judge: { path: '$.a' } }] }) })).toEqual([
      expect.stringMatching(/^JOINER_COMPARE \(compare\.rules\[0\]\.judge\): a judge is configured for this route but no judge/),
    ]);
  });

  it('refuses a judgeTimeoutMs shorter than the longest judgement, and judges that are not a mapping', () => {
    expect(problems({ ...base, RANKER_TOKEN: 't', JOINER_COMPARE: JSON.stringify({ judges, rules: judgedRules, judgeTimeoutMs: 10_000 }) })).toEqual([
      expect.stringMatching(/^JOINER_COMPARE \(compare\.judgeTimeoutMs\): must be >= 41000 /),
    ]);
    expect(problems({ ...base, JOINER_COMPARE: JSON.stringify({ judges: ['summary'] }) })).toEqual([
      expect.stringMatching(/^JOINER_COMPARE \(compare\.judges\): expected a mapping of judge id -> judge/),
    ]);
  });

  it('reads judges from the `compare:` mapping of the JOINER_CONFIG file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-judges-'));
    const file = join(dir, 'joiner.yaml');
    writeFileSync(
      file,
      [
        'compare:',
        '  judges:',
        '    ranker: { type: http, url: "http://127.0.0.1:9000/judge", timeoutMs: 2000, deadlineMs: 4000 }',
        '  rules:',
        '    - route: /rank',
        '      judge: { path: $.items, use: ranker }',
      ].join('\n'),
    );
    const c = loadConfig({ ...base, JOINER_CONFIG: file });
    expect(c.judges?.judges['ranker']).toMatchObject({ type: 'http', url: 'http://127.0.0.1:9000/judge', deadlineMs: 4000 });
    expect(c.compare).toEqual({ rules: [{ route: '/rank', judge: { path: '$.items', use: 'ranker' } }], judgeTimeoutMs: 5000 });
  });
});

describe('docs/judge.md', () => {
  it('its joiner example (compare.judges and rules naming them) is a valid JOINER_CONFIG file', () => {
    const doc = readFileSync(new URL('../../../../docs/judge.md', import.meta.url), 'utf8');
    const example = /## In the joiner, end to end[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'joiner-judge-doc-'));
    const file = join(dir, 'joiner.yaml');
    writeFileSync(file, example as string);
    const c = loadConfig({ ...base, JOINER_CONFIG: file, RANKER_JUDGE_TOKEN: 't0ken' });
    expect(Object.keys(c.judges?.judges ?? {})).toEqual(['summary', 'ranker']);
    expect(c.compare?.rules?.map((r) => r.judge?.use)).toEqual(['summary', 'ranker']);
    // summary: the default 120 s deadline and its secondary audit's, + 1 s.
    expect(c.compare?.judgeTimeoutMs).toBe(241_000);
  });
});
