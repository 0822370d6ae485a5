// Sandbox-induced differences on the pair rows (docs/compare.md "Sandbox-induced differences",
// docs/tables.md): a pair whose candidate got an answer the sandbox made (a 503 for a write with
// nothing recorded, a stub) or a read forwarded to a store live had already written to, and whose
// answer then differs from live's. The analysis keeps those answer differences out of agreement by
// default and lists them apart. Added columns only (ADD COLUMN IF NOT EXISTS): rows landed before
// this migration read false / [], i.e. not sandbox-induced, as they were counted until now.
// Versions 60 and up; kept in its own file so each owner edits one file, appended to SCHEMA_MIGRATIONS.
import type { Migration } from './migration.js';

export const SANDBOX_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 60,
    name: 'pairs: sandbox_induced and sandbox_causes; pair_diffs: sandbox_induced (answer differences the sandbox may have caused)',
    statements: [
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS sandbox_induced Bool DEFAULT false',
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS sandbox_causes Array(String) DEFAULT []',
      'ALTER TABLE {database}.pair_diffs ADD COLUMN IF NOT EXISTS sandbox_induced Bool DEFAULT false',
    ],
  },
]);
