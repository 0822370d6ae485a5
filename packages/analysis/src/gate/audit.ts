import type { GateRunRecord } from '../queries/pair-store.js';
import { renderVerdictJson } from '../report/render.js';
import type { GateVerdict } from './types.js';

/** The audit row for one gate run (PairStore.recordGateRun stores it). */
export function toGateRunRecord(verdict: GateVerdict, run: { id: string; atMs: number; by: string }): GateRunRecord {
  return {
    runId: run.id,
    atMs: run.atMs,
    by: run.by,
    challengerId: verdict.challengerId,
    replayRunId: verdict.runId,
    window: verdict.window,
    criteriaSha256: verdict.criteria.sha256 ?? '',
    criteriaSource: verdict.criteria.source ?? '',
    verdict: verdict.verdict,
    exitCode: verdict.exitCode,
    verdictJson: renderVerdictJson(verdict),
  };
}
