import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.js';
import { formatFieldPath, loadCriteriaFile, parseCriteria } from './load.js';

function fieldsOf(text: string): readonly string[] {
  try {
    parseCriteria(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AnalysisError);
    expect((error as AnalysisError).code).toBe('ANALYSIS_INVALID_CRITERIA');
    return (error as AnalysisError).fields;
  }
  throw new Error('expected the criteria to be rejected');
}

describe('parseCriteria', () => {
  it('fills documented defaults for a minimal file', () => {
    const { criteria } = parseCriteria('version: 1\n');
    expect(criteria.sample).toEqual({ minPairs: 100, minDuration: '0s', routeMinPairs: 30 });
    expect(criteria.statistics).toEqual({ confidence: 0.95, quantileMethod: 'exact', bootstrap: { resamples: 2000, maxSamples: 10_000, seed: 1 } });
    expect(criteria.sideEffects).toEqual({ maxUnexpected: 0, expected: [] });
    expect(criteria.agreement).toBeUndefined();
  });

  it('reads JSON as well as YAML, to the same criteria', () => {
    const yaml = parseCriteria('version: 1\nagreement: { min: 0.95 }\nlatency:\n  - { quantile: 0.99, maxMs: 200 }\n');
    const json = parseCriteria('{"version": 1, "agreement": {"min": 0.95}, "latency": [{"quantile": 0.99, "maxMs": 200}]}');
    expect(json.criteria).toEqual(yaml.criteria);
    expect(yaml.criteria.agreement).toEqual({ min: 0.95, judgeOn: 'bound' });
    expect(yaml.criteria.latency).toEqual([{ quantile: 0.99, maxMs: 200, combine: 'all', judgeOn: 'bound' }]);
    expect(json.sha256).not.toBe(yaml.sha256);
  });

  it('names the field path of a wrong type inside a route override', () => {
    expect(fieldsOf('version: 1\nroutes:\n  "/users/:id":\n    agreement: { min: "x" }\n')).toEqual(['criteria.routes["/users/:id"].agreement.min']);
  });

  it('names a misspelt field instead of ignoring it', () => {
    expect(fieldsOf('version: 1\nagrement: { min: 0.9 }\n')).toEqual(['criteria.agrement']);
    expect(fieldsOf('version: 1\nlatency: [{ quantile: 0.99, maxMS: 200 }]\n')).toEqual(['criteria.latency[0].maxMS', 'criteria.latency[0].maxMs']);
  });

  it('rejects another version, an out-of-range rate and a bad duration', () => {
    expect(fieldsOf('version: 2\n')).toEqual(['criteria.version']);
    expect(fieldsOf('agreement: { min: 0.9 }\n')).toEqual(['criteria.version']);
    expect(fieldsOf('version: 1\nerrorRate: { max: 5 }\n')).toEqual(['criteria.errorRate.max']);
    expect(fieldsOf('version: 1\nsample: { minDuration: two days }\n')).toEqual(['criteria.sample.minDuration']);
  });

  it('requires at least one limit on a latency or error-rate criterion', () => {
    expect(fieldsOf('version: 1\nlatency: [{ quantile: 0.99 }]\n')).toEqual(['criteria.latency[0].maxMs']);
    expect(fieldsOf('version: 1\nerrorRate: {}\n')).toEqual(['criteria.errorRate.max']);
  });

  it('reports every problem at once', () => {
    expect(fieldsOf('version: 1\nagreement: { min: 2 }\nsample: { minPairs: -1 }\n')).toEqual(['criteria.sample.minPairs', 'criteria.agreement.min']);
  });

  it('rejects text that is not YAML, an empty file and duplicate keys', () => {
    expect(() => parseCriteria('version: [1\n')).toThrow(/not valid YAML or JSON/);
    expect(() => parseCriteria('')).toThrow(/is empty/);
    expect(() => parseCriteria('version: 1\nversion: 1\n')).toThrow(/Map keys must be unique/);
  });

  it('lets an override switch an inherited criterion off with null', () => {
    const { criteria } = parseCriteria('version: 1\nroutes:\n  GET /health: { latency: null, required: false }\n');
    expect(criteria.routes['GET /health']).toEqual({ latency: null, required: false });
  });
});

describe('loadCriteriaFile', () => {
  it('reads a file and records its path and sha256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'criteria-'));
    const path = join(dir, 'gate.yaml');
    writeFileSync(path, 'version: 1\n');
    const loaded = await loadCriteriaFile(path);
    // printf 'version: 1\n' | sha256sum
    expect(loaded).toMatchObject({ source: path, sha256: '09bfcc6a14b83e2192b8673677725c84883ee9cd0c70e45c9ec09daa8f2b2847' });
  });

  it('names a missing file and the fix', async () => {
    await expect(loadCriteriaFile('/nonexistent/gate.yaml')).rejects.toMatchObject({
      code: 'ANALYSIS_CRITERIA_UNREADABLE',
      message: expect.stringContaining('/nonexistent/gate.yaml not found'),
    });
  });
});

describe('formatFieldPath', () => {
  it('writes identifiers with dots, other keys quoted and indexes in brackets', () => {
    expect(formatFieldPath(['routes', 'GET /a', 'latency', 0, 'maxMs'])).toBe('criteria.routes["GET /a"].latency[0].maxMs');
    expect(formatFieldPath([])).toBe('criteria');
  });
});

describe('docs/gate.md', () => {
  it('its example criteria file is valid', () => {
    const doc = readFileSync(new URL('../../../../docs/gate.md', import.meta.url), 'utf8');
    const example = /## A criteria file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const { criteria } = parseCriteria(example as string, 'docs/gate.md');
    expect(criteria.accuracy).toEqual({ label: 'fraud', outcome: '$.fraud', minDelta: 0.05, minLabelled: 1000, judgeOn: 'bound' });
    expect(Object.keys(criteria.routes)).toEqual(['POST /checkout', 'GET /search', 'POST /summarize']);
    expect(criteria.routes['POST /summarize']).toMatchObject({
      agreement: null,
      agreementAfterJudge: { min: 0.97, judgeOn: 'bound' },
      judge: { maxErrorRate: 0.02, maxFalseDifferenceRate: 0.05, minJudged: 300 },
    });
  });
});
