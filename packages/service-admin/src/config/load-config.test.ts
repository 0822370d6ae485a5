import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { challengerIdsSchema, challengersSchema } from './challengers.js';
import { ConfigError, defineConfig, loadConfig, loadConfigDetailed } from './load-config.js';
import type { LoadConfigOptions } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'load-config-'));
let files = 0;
function file(text: string, name = `c${files++}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const spec = defineConfig({
  name: 'demo',
  envPrefix: 'DEMO',
  schema: z.strictObject({
    kafka: z.strictObject({
      brokers: z
        .array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port'))
        .min(1)
        .meta({ env: 'KAFKA_BROKERS' }),
    }),
    groupId: z.string().min(1).default('demo'),
    batch: z
      .strictObject({ maxRows: z.number().int().positive().default(100), maxDelayMs: z.number().int().positive().default(1000) })
      .default({ maxRows: 100, maxDelayMs: 1000 }),
    labels: z.boolean().default(true).meta({ env: 'DEMO_LABELS' }),
    queryPort: z.union([z.literal('off'), z.number().int().min(0).max(65_535)], { error: 'must be "off" or a port number (0-65535)' }).default(8123),
    onOff: z.union([z.literal('off'), z.number()], { error: 'must be "off" or a number' }).optional(),
    tap: z
      .strictObject({ sampleRate: z.number().min(0).max(1).default(1) })
      .meta({ envPrefix: 'SHADOW_TAP' })
      .default({ sampleRate: 1 }),
    compare: z.looseObject({}).optional(),
    password: z.string().optional().meta({ secret: true }),
    challengersFile: z.string().optional(),
    challengers: challengerIdsSchema,
  }),
  includes: { challengersFile: 'challengers' },
});

const minimal = { KAFKA_BROKERS: 'k:9092', DEMO_CHALLENGERS: 'cand' };

function problems(options: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(spec, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('settings read off the schema', () => {
  it('derives each variable from the path, keeps the names the schema gives, and a section prefix', () => {
    expect(Object.fromEntries(spec.settings.map((s) => [s.key, s.env]))).toEqual({
      'kafka.brokers': 'KAFKA_BROKERS',
      groupId: 'DEMO_GROUP_ID',
      'batch.maxRows': 'DEMO_BATCH_MAX_ROWS',
      'batch.maxDelayMs': 'DEMO_BATCH_MAX_DELAY_MS',
      labels: 'DEMO_LABELS',
      queryPort: 'DEMO_QUERY_PORT',
      onOff: 'DEMO_ON_OFF',
      'tap.sampleRate': 'SHADOW_TAP_SAMPLE_RATE',
      compare: 'DEMO_COMPARE',
      password: 'DEMO_PASSWORD',
      challengersFile: 'DEMO_CHALLENGERS_FILE',
      challengers: 'DEMO_CHALLENGERS',
    });
    expect(spec.settings.find((s) => s.key === 'batch.maxRows')?.flag).toBe('--batch-max-rows');
  });

  it('refuses a schema whose section is not strict, or two settings on one variable', () => {
    expect(() => defineConfig({ name: 'x', envPrefix: 'X', schema: z.strictObject({ a: z.object({ b: z.string() }) }) })).toThrow(/a must be strict/);
    expect(() => defineConfig({ name: 'x', envPrefix: 'X', schema: z.strictObject({ a: z.string(), b: z.string().meta({ env: 'X_A' }) }) })).toThrow(
      /a and b both read X_A/,
    );
  });
});

describe('loadConfig', () => {
  it('coerces variables by the schema: numbers, booleans, lists (comma-separated or JSON), JSON objects, unions', () => {
    const c = loadConfig(spec, {
      env: {
        KAFKA_BROKERS: 'a:1, b:2',
        DEMO_CHALLENGERS: 'cand,sec',
        DEMO_BATCH_MAX_ROWS: '250',
        DEMO_LABELS: 'off',
        DEMO_QUERY_PORT: 'off',
        SHADOW_TAP_SAMPLE_RATE: '0.25',
        DEMO_COMPARE: '{"rules":[]}',
      },
    });
    expect(c).toMatchObject({
      kafka: { brokers: ['a:1', 'b:2'] },
      challengers: ['cand', 'sec'],
      batch: { maxRows: 250, maxDelayMs: 1000 },
      labels: false,
      queryPort: 'off',
      tap: { sampleRate: 0.25 },
      compare: { rules: [] },
    });
    expect(loadConfig(spec, { env: { ...minimal, DEMO_QUERY_PORT: '0', DEMO_LABELS: '1' } })).toMatchObject({ queryPort: 0, labels: true });
    expect(loadConfig(spec, { env: { ...minimal, DEMO_CHALLENGERS: '[{"id":"c","baseUrl":"http://c:1"},"d"]' } }).challengers).toEqual(['c', 'd']);
    expect(Object.isFrozen(loadConfig(spec, { env: minimal }))).toBe(true);
  });

  it("layers: fallback < file < environment < a command's values; objects merge, lists replace", () => {
    const path = file('kafka: { brokers: ["file:1"] }\ngroupId: from-file\nbatch: { maxRows: 5, maxDelayMs: 7 }\nchallengers: [a, b]\n');
    const defaults = { values: { 'kafka.brokers': ['local:1'], groupId: 'local' }, from: 'the local stack' };
    const loaded = loadConfigDetailed(spec, { file: path, env: { DEMO_BATCH_MAX_ROWS: '6' }, values: { groupId: 'flag' }, defaults });
    expect(loaded.config).toMatchObject({ kafka: { brokers: ['file:1'] }, groupId: 'flag', batch: { maxRows: 6, maxDelayMs: 7 }, challengers: ['a', 'b'] });
    expect(loaded.sourceOf('batch.maxRows')).toMatchObject({ kind: 'env', name: 'DEMO_BATCH_MAX_ROWS' });
    expect(loaded.sourceOf('batch.maxDelayMs')).toMatchObject({ kind: 'file', file: path });
    expect(loaded.sourceOf('groupId')).toMatchObject({ kind: 'value' });
    const fallback = loadConfigDetailed(spec, { env: { DEMO_CHALLENGERS: 'a' }, defaults });
    expect(fallback.config.kafka.brokers).toEqual(['local:1']);
    expect(fallback.sourceOf('kafka.brokers')).toEqual({ kind: 'default', from: 'the local stack' });
    // The file variable names the file when no file is passed.
    expect(loadConfig(spec, { env: { DEMO_CONFIG: path } }).groupId).toBe('from-file');
  });

  it('names every bad field at once: variables as VAR (path), file fields by full path, flags by flag, the missing by path and variable', () => {
    const path = file('batch: { maxRows: 0, maxDelayMs: "soon" }\ntap: { sampleRate: 2 }\n');
    const found = problems({
      file: path,
      env: { KAFKA_BROKERS: 'a:1,nohost', DEMO_QUERY_PORT: '70000', DEMO_LABELS: 'maybe' },
      values: { groupId: '' },
      labels: { groupId: '--group-id' },
    });
    expect(found).toEqual([
      'KAFKA_BROKERS (kafka.brokers[1]): each broker must be host:port, got "nohost"',
      '--group-id (groupId): Too small: expected string to have >=1 characters, got ""',
      expect.stringMatching(/^batch\.maxRows: Too small: expected number to be >0, got 0$/),
      expect.stringMatching(/^batch\.maxDelayMs: Invalid input: expected number, received string, got "soon"$/),
      'DEMO_LABELS (labels): Invalid input: expected boolean, received string, got "maybe"',
      // A union reports the branch of the value's type (a number here), not "Invalid input".
      'DEMO_QUERY_PORT (queryPort): Too big: expected number to be <=65535, got "70000"',
      expect.stringMatching(/^tap\.sampleRate: Too big: expected number to be <=1, got 2$/),
      'challengers (DEMO_CHALLENGERS): required (not set)',
    ]);
    // No branch of the value's type: the union's own message.
    expect(problems({ env: { ...minimal, DEMO_ON_OFF: 'on' } })).toEqual(['DEMO_ON_OFF (onOff): must be "off" or a number, got "on"']);
  });

  it('refuses unknown keys in the file, at any depth, listing what is accepted', () => {
    const path = file('kafka: { brokers: ["a:1"], clientid: x }\ntypo: 1\nchallengers: [a]\n');
    expect(problems({ file: path, env: {} })).toEqual([
      'kafka.clientid: unknown field (accepted: brokers)',
      expect.stringMatching(
        /^typo: unknown field \(accepted: kafka, groupId, batch, labels, queryPort, onOff, tap, compare, password, challengersFile, challengers\)$/,
      ),
    ]);
  });

  it('names a file it cannot read or parse, and a variable that is not JSON', () => {
    expect(problems({ env: { DEMO_CONFIG: join(dir, 'missing.yaml') } })).toEqual([expect.stringMatching(/^DEMO_CONFIG: cannot read .*missing\.yaml/)]);
    expect(problems({ file: file('a: [1'), fileLabel: '--config' })).toEqual([expect.stringMatching(/^--config: .* is neither valid YAML nor JSON/)]);
    expect(problems({ file: file('- 1\n'), env: minimal })).toEqual([expect.stringMatching(/must hold a mapping at the top level/)]);
    expect(problems({ env: { ...minimal, DEMO_COMPARE: '{rules:' } })).toEqual([expect.stringMatching(/^DEMO_COMPARE \(compare\): not JSON/)]);
  });

  it("reads a setting's variable name as a file key (files written before sections), named so", () => {
    const path = file('KAFKA_BROKERS: "a:1"\nDEMO_CHALLENGERS: cand, sec\nDEMO_BATCH_MAX_ROWS: -5\n');
    expect(problems({ file: path, env: {} })).toEqual([expect.stringMatching(/^DEMO_BATCH_MAX_ROWS \(batch\.maxRows\): Too small.*, got -5$/)]);
    expect(loadConfig(spec, { file: file('KAFKA_BROKERS: "a:1"\nDEMO_CHALLENGERS: cand, sec\n'), env: {} }).challengers).toEqual(['cand', 'sec']);
  });

  it('never shows a secret', () => {
    const found = problems({ env: { ...minimal, DEMO_PASSWORD: '' }, values: { password: 42 } });
    expect(found).toEqual([expect.stringMatching(/^password: .*got "\*\*\*"$/)]);
  });
});

describe('a section from a file of its own (challengersFile)', () => {
  const replayerLike = defineConfig({
    name: 'replayer-like',
    envPrefix: 'RL',
    schema: z.strictObject({ challengersFile: z.string().optional(), challengers: challengersSchema }),
    includes: { challengersFile: 'challengers' },
  });
  const shared = file(
    'challengers:\n  - { id: cand, baseUrl: "http://cand:8080" }\n  - { id: sec, baseUrl: "http://sec:8080", role: secondary }\n',
    'challengers.yaml',
  );

  it('one file read by both shapes: whole entries, or their ids', () => {
    expect(loadConfig(replayerLike, { env: { RL_CHALLENGERS_FILE: shared } }).challengers.map((c) => [c.id, c.role])).toEqual([
      ['cand', 'candidate'],
      ['sec', 'secondary'],
    ]);
    expect(loadConfig(spec, { env: { KAFKA_BROKERS: 'a:1', DEMO_CHALLENGERS_FILE: shared } }).challengers).toEqual(['cand', 'sec']);
  });

  it('a relative path in a config file is relative to that file', () => {
    const config = file('challengersFile: challengers.yaml\n');
    expect(loadConfig(replayerLike, { file: config, env: {} }).challengers).toHaveLength(2);
  });

  it("names the included file's bad fields, both set, an unreadable file, extra keys", () => {
    const bad = file('challengers:\n  - { id: cand, baseUrl: "ftp://x", role: boss }\nextra: 1\n');
    expect(problems({ env: { KAFKA_BROKERS: 'a:1', DEMO_CHALLENGERS_FILE: bad } })).toEqual([
      expect.stringMatching(/^DEMO_CHALLENGERS_FILE \(challengersFile\): .* holds challengers: only; unknown "extra"$/),
      expect.stringMatching(/^challengers\[0\]\.baseUrl \(in .*\): must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"$/),
      expect.stringMatching(/^challengers\[0\]\.role \(in .*\): Invalid option: expected one of "candidate"\|"secondary", got "boss"$/),
    ]);
    expect(problems({ env: { ...minimal, DEMO_CHALLENGERS_FILE: shared } })).toEqual([
      'DEMO_CHALLENGERS_FILE (challengersFile): set challengers or challengersFile, not both',
    ]);
    expect(problems({ env: { KAFKA_BROKERS: 'a:1', DEMO_CHALLENGERS_FILE: join(dir, 'nope.yaml') } })[0]).toMatch(
      /^DEMO_CHALLENGERS_FILE \(challengersFile\): cannot read/,
    );
  });
});

describe('optional sections', () => {
  const optional = defineConfig({
    name: 'opt',
    envPrefix: 'OPT',
    schema: z.strictObject({
      name: z.string().default('x'),
      watch: z.strictObject({
        ramp: z.strictObject({ service: z.string().min(1), steps: z.array(z.number()).default([0.1, 1]) }).optional(),
      }),
    }),
  });

  it('stays absent when none of its settings is set', () => {
    expect(loadConfig(optional, { env: {} })).toEqual({ name: 'x', watch: {} });
  });

  it('once one of its settings is set, a missing required one is named by its own path', () => {
    expect(loadConfig(optional, { env: { OPT_WATCH_RAMP_SERVICE: 'pricing' } })).toEqual({
      name: 'x',
      watch: { ramp: { service: 'pricing', steps: [0.1, 1] } },
    });
    expect(() => loadConfig(optional, { env: { OPT_WATCH_RAMP_STEPS: '0.5' } })).toThrow(
      /watch\.ramp\.service \(OPT_WATCH_RAMP_SERVICE\): required \(not set\)/,
    );
  });
});
