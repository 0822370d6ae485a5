import { describe, expect, it } from 'vitest';
import { gateRunRowOf, parseGateRunBody } from './gate-runs-route.js';

const record = {
  runId: '6f1c2d3e-0000-4000-8000-000000000001',
  atMs: 1_790_000_000_000,
  by: 'release-bot',
  challengerId: 'cand',
  replayRunId: null,
  window: { fromMs: 1_789_990_000_000, toMs: 1_790_000_000_000 },
  criteriaSha256: 'a'.repeat(64),
  criteriaSource: 'deploy/gate.yaml',
  verdict: 'fail',
  exitCode: 1,
  verdictJson: '{"verdict":"fail"}',
};

describe('gate run audit route body', () => {
  it('accepts a GateRunRecord and maps it to the gate_runs columns', () => {
    expect(gateRunRowOf(parseGateRunBody(record))).toEqual({
      run_id: record.runId,
      at: record.atMs,
      by: 'release-bot',
      challenger_id: 'cand',
      replay_run_id: '',
      window_from: record.window.fromMs,
      window_to: record.window.toMs,
      criteria_sha256: 'a'.repeat(64),
      criteria_source: 'deploy/gate.yaml',
      verdict: 'fail',
      exit_code: 1,
      verdict_json: '{"verdict":"fail"}',
    });
    expect(gateRunRowOf(parseGateRunBody({ ...record, window: null, replayRunId: 'r-1' }))).toMatchObject({
      window_from: null,
      window_to: null,
      replay_run_id: 'r-1',
    });
  });

  it('refuses a bad body with CH_BAD_DATA naming every field at fault', () => {
    const bad = { ...record, verdict: 'maybe', exitCode: 3, criteriaSha256: 'xyz', extra: 1 };
    expect(() => parseGateRunBody(bad)).toThrow(expect.objectContaining({ code: 'CH_BAD_DATA' }));
    for (const field of ['verdict: ', 'exitCode: ', 'criteriaSha256: ']) expect(() => parseGateRunBody(bad)).toThrow(field);
    expect(() => parseGateRunBody(bad)).toThrow(/extra/);
    expect(() => parseGateRunBody([record])).toThrow(/\(body\)/);
  });
});
