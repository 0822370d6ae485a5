// Business outcomes on the pair row (docs/tables.md "Business outcomes"): the values @shadow/compare
// extracted from both answers by the route's declared outcomes (a price, a decision, a list of
// ids), so the analysis compares their distributions in SQL (mean, quantiles, flip rate, list
// overlap). Added columns only (ADD COLUMN IF NOT EXISTS): rows landed before this migration read
// empty maps, i.e. "no outcome", which the measurements skip. Versions 30 and up.
//
// Encoding (the pair writer in @shadow/join and the analysis store agree on it):
// - outcome_types: name -> compare's type ('number' | 'string' | 'string[]').
// - live_outcomes / shadow_outcomes: name -> the side's value as text: a number in JavaScript's
//   shortest decimal form (toFloat64 reads it back exactly), a string as is, a list as a JSON array
//   of strings (JSONExtract(v, 'Array(String)')). A side without a value (not JSON, path missing,
//   null, wrong type) has no key, so "both sides have one" is mapContains on both maps.
import type { Migration } from './migration.js';

export const OUTCOMES_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 30,
    name: 'pairs: business outcomes of both sides (outcome_types, live_outcomes, shadow_outcomes)',
    statements: [
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS outcome_types Map(String, LowCardinality(String))',
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS live_outcomes Map(String, String)',
      'ALTER TABLE {database}.pairs ADD COLUMN IF NOT EXISTS shadow_outcomes Map(String, String)',
    ],
  },
]);
