import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import { toGateRunRecord } from './audit.js';
import { evaluateGate } from './evaluate.js';

describe('toGateRunRecord', () => {
  it('keeps who, when, which data, which criteria and the whole verdict', () => {
    const loaded = parseCriteria('version: 1\nagreement: { min: 0.9 }\n', 'gate.yaml');
    const verdict = evaluateGate(loaded.criteria, fixtureMeasurements(), { criteriaSha256: loaded.sha256, criteriaSource: loaded.source });
    const record = toGateRunRecord(verdict, { id: 'run-1', atMs: 1_700_000_000_000, by: 'ci#42' });
    expect(record).toMatchObject({
      runId: 'run-1',
      atMs: 1_700_000_000_000,
      by: 'ci#42',
      challengerId: 'pricing-v2',
      replayRunId: null,
      criteriaSha256: loaded.sha256,
      criteriaSource: 'gate.yaml',
      verdict: 'fail',
      exitCode: 1, // the fixture's unexpected writes
      window: fixtureMeasurements().window,
    });
    expect(JSON.parse(record.verdictJson)).toEqual(JSON.parse(JSON.stringify(verdict)));
  });
});
