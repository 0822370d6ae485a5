// What an external judge decided about a pair (docs/judge.md, docs/tables.md "Judge"): when the
// structural diff found a difference under a rule's `judge.path`, @shadow/judge (an HTTP endpoint
// or a model behind the OpenAI-compatible chat API) said whether the two answers mean the same.
// The analysis reads agreement before and after the judge, the judge's error and not_run counts,
// and its own false-difference rate from the audits (the same judge on live vs the secondary).
// Added columns only (ADD COLUMN IF NOT EXISTS): rows landed before this migration read
// judge_verdict '', i.e. "no judge was needed", as they were counted until now.
//
// Encoding (the pair writer in @shadow/join and the analysis store agree on it):
// - judge_verdict: '' (no judge needed: none on the route, or nothing differed in its scope),
//   'equal', 'different', 'error' or 'not_run' (needed, skipped: judge_kind says why).
// - judge_kind: the failure kind of an error (timeout, deadline, bad_answer, ...) or the reason of a
//   not_run (sampled_out, budget, too_large, overloaded, closed); '' otherwise.
// - the audit columns: '' when that audit did not run on the pair.
// Versions 65..69: between the sandbox's 60 and the resources' 70 (the list must stay ordered).
import type { Migration } from './migration.js';

export const JUDGE_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 65,
    name: "pairs: the judge's verdict, kind, reason, latency, cache, tokens, config version and audits",
    statements: [
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_id LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_path String DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_verdict LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_kind LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_reason String DEFAULT '' CODEC(ZSTD(3))",
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_latency_ms UInt32 DEFAULT 0',
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_cached Bool DEFAULT false',
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_tokens UInt32 DEFAULT 0',
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_version LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_audit_secondary_verdict LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_audit_reference_id LowCardinality(String) DEFAULT ''",
      "ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS judge_audit_reference_verdict LowCardinality(String) DEFAULT ''",
    ],
  },
]);
