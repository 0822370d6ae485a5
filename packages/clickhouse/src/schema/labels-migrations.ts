// Ground truth (labels) the joiner lands from the labels topic (owned by the labels ingester in
// @shadow/join, see docs/tables.md "labels"). Kept in its own file so each owner edits one file;
// appended to SCHEMA_MIGRATIONS after the analysis migrations (versions 20 and up: the analysis
// layer keeps 10-19).
//
// - One row per received label record; the identity is (exchange_id, name). The topic is read at
//   least once, so a re-delivered record inserts the same row again: ReplacingMergeTree collapses
//   it on merge and every query reads argMax(value, (observed_time, landed_time)) per
//   (exchange_id, name), which is exact before merges and makes the latest observed label win
//   (a correction posted later replaces the first label; among equal observation times the
//   later landing wins).
// - No partition key: labels are few (one per labelled exchange) and a correction must collapse
//   with the label it replaces, whichever month it arrives in. Rows expire 90 days after
//   observation, well past the pairs' 30 days.
// - value is the text the accuracy join compares with a side's outcome (labelValueText: a number
//   in its shortest decimal form, a boolean as true/false); value_type keeps the original type.
import { ClickHouseError } from '../errors.js';
import type { Migration } from './migration.js';

const labels = `
CREATE TABLE IF NOT EXISTS {database}.labels (
  exchange_id String,
  name LowCardinality(String),
  value String,
  value_type LowCardinality(String),
  observed_time DateTime64(3, 'UTC'),
  landed_time DateTime64(3, 'UTC'),
  source LowCardinality(String),
  INDEX idx_exchange exchange_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(observed_time)
ORDER BY (exchange_id, name)
TTL toDateTime(observed_time) + INTERVAL 90 DAY`;

/** Table the labels ingester lands in. */
export const LABELS_TABLE = 'labels';

export const LABELS_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 20,
    name: 'labels: ground truth by exchange id and label name, latest observation wins',
    statements: [labels.trim()],
  },
]);

export interface LabelledAccuracyQueryOptions {
  /** JSONPath of the side's outcome in its answer body (the route's declared outcome), e.g. `$.decision`. */
  outcomePath: string;
  /** @default 'pairs' */
  pairsTable?: string;
  /** @default 'labels' */
  labelsTable?: string;
  /** Filter on the live capture time with {fromMs:Int64} and {toMs:Int64}. @default false */
  window?: boolean;
  /** Filter on {runId:String}. @default false */
  runId?: boolean;
  /**
   * Leave out routes listed in {excluded:Array(String)} as 'METHOD route' keys (the analysis
   * store's encoding of criteria exclude.routes after glob matching). @default false
   */
  excludeRoutes?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const JSON_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

/**
 * Paired accuracy counts of one challenger on its labelled pairs, overall and per route. Query
 * parameters: {challenger:String}, {label:String} (label name), and {fromMs:Int64}/{toMs:Int64},
 * {runId:String}, {excluded:Array(String)} when asked for. One row per route (`overall` = 0) plus one overall row
 * (`overall` = 1, method and route empty), columns: labelled (pairs with a label), scored (of those,
 * pairs whose answer bodies were kept, so both outcomes can be read), live, candidate, both
 * (scored pairs whose live / candidate / both outcomes equal the label) — Measurements.accuracy is
 * { pairs: scored, live, candidate, both }.
 *
 * Exact before merges: pairs are de-duplicated like the report (latest landed row per run and
 * exchange, argMax by joined_time) and labels per exchange (argMax by observation, then landing).
 * A numeric label is compared as a number (0.10 = 0.1), others as text (JSON_VALUE's text of the
 * outcome: strings unquoted, booleans true/false). The path is restricted to `$.a.b[0]` forms, which
 * compare's JSONPath and ClickHouse's JSON_VALUE read alike.
 */
export function labelledAccuracyQuery(options: LabelledAccuracyQueryOptions): string {
  const pairs = options.pairsTable ?? 'pairs';
  const labels = options.labelsTable ?? LABELS_TABLE;
  for (const [field, name] of [
    ['pairsTable', pairs],
    ['labelsTable', labels],
  ] as const) {
    if (!IDENT.test(name)) throw new ClickHouseError('CH_INVALID_OPTIONS', `labelledAccuracyQuery: ${field} must be a table name, got ${JSON.stringify(name)}`);
  }
  if (!JSON_PATH.test(options.outcomePath)) {
    throw new ClickHouseError(
      'CH_INVALID_OPTIONS',
      `labelledAccuracyQuery: outcomePath must be a JSONPath of names and indexes such as $.decision or $.items[0].id, got ${JSON.stringify(options.outcomePath)}`,
    );
  }
  const path = `'${options.outcomePath}'`;
  const where = ['challenger_id = {challenger:String}'];
  if (options.window === true)
    where.push("capture_time >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')", "capture_time < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')");
  if (options.runId === true) where.push('run_id = {runId:String}');
  const correct = (body: string) =>
    `(p_kept AND if(l_type = 'number', toFloat64OrNull(JSON_VALUE(${body}, ${path})) = toFloat64OrNull(l_value), JSON_VALUE(${body}, ${path}) = l_value))`;
  return `
WITH
  p AS (
    SELECT exchange_id,
      argMax(toString(method), joined_time) AS p_method,
      argMax(toString(route), joined_time) AS p_route,
      argMax(bodies_kept, joined_time) AS p_kept,
      argMax(live_body, joined_time) AS p_live_body,
      argMax(shadow_body, joined_time) AS p_shadow_body
    FROM ${pairs} WHERE ${where.join(' AND ')}
    GROUP BY run_id, exchange_id
  ),
  l AS (
    SELECT exchange_id,
      argMax(value, (observed_time, landed_time)) AS l_value,
      argMax(toString(value_type), (observed_time, landed_time)) AS l_type
    FROM ${labels} WHERE name = {label:String} AND exchange_id IN (SELECT exchange_id FROM p)
    GROUP BY exchange_id
  ),
  scored AS (
    SELECT p_method, p_route, p_kept, ${correct('p_live_body')} AS live_correct, ${correct('p_shadow_body')} AS candidate_correct
    FROM p INNER JOIN l USING (exchange_id)${options.excludeRoutes === true ? "\n    WHERE NOT has({excluded:Array(String)}, concat(p_method, ' ', p_route))" : ''}
  )
SELECT
  if(grouping(p_method, p_route) = 0, 0, 1) AS overall,
  if(overall = 1, '', p_method) AS method,
  if(overall = 1, '', p_route) AS route,
  count() AS labelled,
  countIf(p_kept) AS scored,
  countIf(live_correct) AS live,
  countIf(candidate_correct) AS candidate,
  countIf(live_correct AND candidate_correct) AS both
FROM scored
GROUP BY GROUPING SETS ((p_method, p_route), ())
ORDER BY overall DESC, method, route`.trim();
}
