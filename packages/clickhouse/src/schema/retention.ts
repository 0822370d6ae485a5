// How long the system's tables keep rows after they landed: the `retention` option of migrate(),
// which the joiner applies at start-up and `shadow migrate` on demand (one mechanism, two callers).
//
// Retention is configuration, not schema history, so it is not a versioned migration: migration 40
// (retention-migrations.ts) moved every TTL to landing time with the defaults, and this step then
// compares the tables' TTLs and landing checks with the asked values and ALTERs only what differs.
// Running it again with the same values changes nothing (no statement, no mutation); a different
// value changes the TTL. A field left out keeps the tables' current value, so a joiner restarted
// without the setting never undoes what `shadow migrate --retention-days` set. A TTL this step did
// not write (altered by hand) is left alone unless its field is given, and reported as null.
//
// The current values are read back from the engine's own rendering of the table (system.tables):
// `TTL toDateTime(joined_time) + toIntervalDay(30)`. If a server renders it differently, the value
// reads as unknown and a given value is applied again at every start: correct, only slower.
import type { ClickHouse } from '../types.js';
import type { ClickHouseLogger } from '../logger.js';
import { MigrationError } from '../migrate/errors.js';

export const RETENTION_FIELDS = ['rowsDays', 'bodiesDays', 'aggregatesDays', 'labelsDays'] as const;
export type RetentionField = (typeof RETENTION_FIELDS)[number];

/** Days kept after landing. Every field is optional: one left out keeps the tables' current value. */
export interface RetentionOptions {
  /** Rows of `pairs`, `pair_diffs` and `unmatched`, after `joined_time`. @default 30 (on a new database) */
  rowsDays?: number;
  /** The kept bodies (`pairs.live_body`, `shadow_body`), after `joined_time`; at most rowsDays. @default 7 */
  bodiesDays?: number;
  /** Rows of `pair_minutes` and `capture_minutes`, after their latest landing (`landed_time`). @default 180 */
  aggregatesDays?: number;
  /** Rows of `labels`, after `landed_time`. @default 90 */
  labelsDays?: number;
}

export type Retention = Readonly<Record<RetentionField, number>>;

/** What migration 40 sets on a new database. */
export const DEFAULT_RETENTION: Retention = Object.freeze({ rowsDays: 30, bodiesDays: 7, aggregatesDays: 180, labelsDays: 90 });

/** Upper bound of every field: ten years keeps `landing + retention` far inside DateTime's range (2106). */
export const MAX_RETENTION_DAYS = 3650;

export interface RetentionReport {
  /** Days after landing per field once the run is done (or would be, in a dry run); null: a TTL written by hand, left as is. */
  readonly days: Readonly<Record<RetentionField, number | null>>;
  /** What the run changed (or would), one line per table and aspect, e.g. `pairs: rows 30 -> 60 days`. Empty: already so. */
  readonly changed: readonly string[];
}

/** Each problem of `options` as `retention.<field>: ...`; empty when valid. */
export function retentionProblems(options: unknown): string[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return [`retention: expected an object with ${RETENTION_FIELDS.join(', ')} (whole days), got ${JSON.stringify(options)}`];
  }
  const problems: string[] = [];
  const given = options as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (!(RETENTION_FIELDS as readonly string[]).includes(key)) {
      problems.push(`retention.${key}: unknown field (accepted: ${RETENTION_FIELDS.join(', ')})`);
    } else if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RETENTION_DAYS)) {
      problems.push(
        `retention.${key}: must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}; got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
      );
    }
  }
  const { rowsDays, bodiesDays } = given;
  if (problems.length === 0 && typeof rowsDays === 'number' && typeof bodiesDays === 'number' && bodiesDays > rowsDays) {
    problems.push(`retention.bodiesDays: ${bodiesDays} exceeds retention.rowsDays (${rowsDays}); bodies live in the pair rows and go with them`);
  }
  return problems;
}

/** `options` when valid; else MigrationError MIGRATE_INVALID naming every bad field. */
export function validateRetention(options: unknown): RetentionOptions {
  const problems = retentionProblems(options);
  if (problems.length > 0) throw new MigrationError('MIGRATE_INVALID', `invalid retention:\n  ${problems.join('\n  ')}`);
  return options as RetentionOptions;
}

/** The tables retention applies to, how each reads its landing time, and which field governs it. */
interface RetainedTable {
  readonly table: string;
  /** TTL expression of the landing time, exactly as the engine renders it back. */
  readonly landed: string;
  readonly field: RetentionField;
  /** Column the landing check compares with now(); undefined: no check (the server sets the time). */
  readonly checked?: string;
  /** Whether this table holds the kept bodies (column TTLs, and a bodies clause in its check). */
  readonly bodies?: true;
}

const TABLES: readonly RetainedTable[] = [
  { table: 'pairs', landed: 'toDateTime(joined_time)', field: 'rowsDays', checked: 'joined_time', bodies: true },
  { table: 'pair_diffs', landed: 'toDateTime(joined_time)', field: 'rowsDays', checked: 'joined_time' },
  { table: 'unmatched', landed: 'toDateTime(joined_time)', field: 'rowsDays', checked: 'joined_time' },
  { table: 'pair_minutes', landed: 'landed_time', field: 'aggregatesDays' },
  // Live exchanges per minute by what became of them (runs-migrations.ts, migration 50).
  { table: 'capture_minutes', landed: 'landed_time', field: 'aggregatesDays' },
  { table: 'labels', landed: 'toDateTime(landed_time)', field: 'labelsDays', checked: 'landed_time' },
];
const BODY_COLUMNS = ['live_body', 'shadow_body'] as const;
/** Named so a change can drop and re-add it in one ALTER. */
export const LANDING_CHECK = 'landed_within_retention';

/** The tables retention applies to. */
export const RETAINED_TABLES: readonly string[] = Object.freeze(TABLES.map((t) => t.table));

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Days of a table TTL `TTL <landed> + toIntervalDay(N)` in `engine_full`, or null for anything else. */
export function tableTtlDays(engineFull: string, landed: string): number | null {
  const m = new RegExp(`\\bTTL ${escapeRegExp(landed)} \\+ toIntervalDay\\((\\d+)\\)(?: SETTINGS |$)`).exec(engineFull);
  return m === null ? null : Number(m[1]);
}

/** Days of a column's TTL by joined_time in `create_table_query`, or null. */
export function columnTtlDays(createQuery: string, column: string): number | null {
  const m = new RegExp(`\`${escapeRegExp(column)}\` [^\`]*?\\bTTL toDateTime\\(joined_time\\) \\+ toIntervalDay\\((\\d+)\\)`).exec(createQuery);
  return m === null ? null : Number(m[1]);
}

/** The day counts in the landing check, in order (rows, then bodies for pairs), or null when the table has none. */
export function landingCheckDays(createQuery: string): number[] | null {
  const m = new RegExp(`CONSTRAINT ${LANDING_CHECK} CHECK (.*?)(?:, (?:CONSTRAINT|INDEX|PROJECTION) |\\) ENGINE)`).exec(createQuery);
  if (m === null) return null;
  return [...(m[1] ?? '').matchAll(/toIntervalDay\((\d+)\)/g)].map((d) => Number(d[1]));
}

function landingCheck(t: RetainedTable, rowsDays: number, bodiesDays: number): string {
  const rows = `${t.checked ?? ''} > now() - INTERVAL ${rowsDays} DAY`;
  return t.bodies === true ? `${rows} AND (NOT bodies_kept OR ${t.checked ?? ''} > now() - INTERVAL ${bodiesDays} DAY)` : rows;
}

interface TableState {
  ttl: number | null;
  bodies: number | null;
  check: number[] | null;
}

const quoted = (identifier: string) => `\`${identifier.replaceAll('`', '``')}\``;

async function readTables(ch: ClickHouse, database: string): Promise<Map<string, TableState>> {
  const rs = await ch.client.query({
    query: 'SELECT name, engine_full, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {tables:Array(String)}',
    query_params: { database, tables: RETAINED_TABLES },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ name: string; engine_full: string; create_table_query: string }>();
  const out = new Map<string, TableState>();
  for (const row of rows) {
    const spec = TABLES.find((t) => t.table === row.name);
    if (spec === undefined) continue;
    let bodies: number | null = null;
    if (spec.bodies === true) {
      const [live, shadow] = BODY_COLUMNS.map((c) => columnTtlDays(row.create_table_query, c));
      bodies = live !== undefined && live === shadow ? live : null;
    }
    out.set(row.name, { ttl: tableTtlDays(row.engine_full, spec.landed), bodies, check: landingCheckDays(row.create_table_query) });
  }
  return out;
}

/** The state migration 40 leaves: what a dry run on a database without the tables compares with. */
function defaultState(t: RetainedTable): TableState {
  const rows = DEFAULT_RETENTION[t.field];
  return {
    ttl: rows,
    bodies: t.bodies === true ? DEFAULT_RETENTION.bodiesDays : null,
    check: t.checked === undefined ? null : t.bodies === true ? [rows, DEFAULT_RETENTION.bodiesDays] : [rows],
  };
}

const sameDays = (a: readonly number[] | null, b: readonly number[]) => a !== null && a.length === b.length && a.every((d, i) => d === b[i]);

export interface ApplyRetentionOptions {
  /** Report what would change without changing anything. @default false */
  dryRun?: boolean;
  /**
   * Compare with the tables as migration 40 leaves them rather than as they are (a dry run with
   * that migration still pending, or tables not created yet). @default false
   */
  assumeMigrated?: boolean;
  logger?: ClickHouseLogger;
}

/**
 * Brings the retained tables' TTLs and landing checks to `options` (fields left out keep their
 * current value) and reports the result. Validates first: every bad field is named
 * (MIGRATE_INVALID). Fails with MIGRATE_INVALID when a retained table is missing (retention applies
 * to SCHEMA_MIGRATIONS' tables, after them). Engine errors propagate (migrate wraps them).
 */
export async function applyRetention(ch: ClickHouse, options: RetentionOptions, apply: ApplyRetentionOptions = {}): Promise<RetentionReport> {
  const given = validateRetention(options);
  const { dryRun = false, logger } = apply;
  const database = ch.database;
  const found = await readTables(ch, database);
  const missing = RETAINED_TABLES.filter((t) => !found.has(t));
  if (missing.length > 0 && !dryRun) {
    throw new MigrationError(
      'MIGRATE_INVALID',
      `retention applies to the system's tables (SCHEMA_MIGRATIONS); ${database} has no ${missing.join(', ')}. Run the schema migrations first.`,
    );
  }
  const state = (t: RetainedTable): TableState => (apply.assumeMigrated === true ? undefined : found.get(t.table)) ?? defaultState(t);
  const stateOf = (table: string): TableState => state(TABLES.find((t) => t.table === table) as RetainedTable);

  // A field left out keeps the value of its first table (pairs for rows and bodies), which the
  // other tables of the field are brought to (they differ only after an interrupted run).
  const days: Record<RetentionField, number | null> = {
    rowsDays: given.rowsDays ?? stateOf('pairs').ttl,
    bodiesDays: given.bodiesDays ?? stateOf('pairs').bodies,
    aggregatesDays: given.aggregatesDays ?? stateOf('pair_minutes').ttl,
    labelsDays: given.labelsDays ?? stateOf('labels').ttl,
  };
  if (days.rowsDays !== null && days.bodiesDays !== null && days.bodiesDays > days.rowsDays) {
    const which = given.bodiesDays === undefined ? 'the current bodies retention' : 'retention.bodiesDays';
    throw new MigrationError(
      'MIGRATE_INVALID',
      `invalid retention: ${which} (${days.bodiesDays} days) exceeds retention.rowsDays (${days.rowsDays}); bodies live in the pair rows and go with them`,
    );
  }

  const statements: string[] = [];
  const changed: string[] = [];
  for (const t of TABLES) {
    const current = state(t);
    const name = `${quoted(database)}.${t.table}`;
    const want = days[t.field];
    const aspect = t.field.replace('Days', '');
    const ttls: string[] = [];
    if (want !== null && current.ttl !== want) {
      ttls.push(`ALTER TABLE ${name} MODIFY TTL ${t.landed} + INTERVAL ${want} DAY`);
      changed.push(`${t.table}: ${aspect} ${current.ttl ?? 'custom'} -> ${want} days`);
    }
    if (t.bodies === true && days.bodiesDays !== null && current.bodies !== days.bodiesDays) {
      for (const column of BODY_COLUMNS) ttls.push(`ALTER TABLE ${name} MODIFY COLUMN ${column} TTL toDateTime(joined_time) + INTERVAL ${days.bodiesDays} DAY`);
      changed.push(`${t.table}: bodies ${current.bodies ?? 'custom'} -> ${days.bodiesDays} days`);
    }
    // Each TTL change rewrites the parts' TTL information (a mutation): several on one table are
    // made without it and materialized once.
    if (ttls.length > 1) statements.push(...ttls.map((s) => `${s} SETTINGS materialize_ttl_after_modify = 0`), `ALTER TABLE ${name} MATERIALIZE TTL`);
    else statements.push(...ttls);
    if (t.checked === undefined || want === null || (t.bodies === true && days.bodiesDays === null)) continue;
    const bodies = days.bodiesDays ?? 0;
    const checkDays = t.bodies === true ? [want, bodies] : [want];
    if (!sameDays(current.check, checkDays)) {
      // One ALTER: the table is never without a check in between.
      statements.push(
        `ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS ${LANDING_CHECK}, ADD CONSTRAINT IF NOT EXISTS ${LANDING_CHECK} CHECK ${landingCheck(t, want, bodies)}`,
      );
      changed.push(`${t.table}: landing check ${current.check === null ? 'added' : `${current.check.join('/')} -> ${checkDays.join('/')} days`}`);
    }
  }
  if (!dryRun) {
    for (const query of statements) await ch.client.command({ query });
    if (statements.length > 0) logger?.info({ database, retention: days, changed }, 'retention applied');
  }
  return Object.freeze({ days: Object.freeze(days), changed: Object.freeze(changed) });
}

/** The report as one line for a terminal or a log. */
export function formatRetention(report: RetentionReport): string {
  const d = (v: number | null) => (v === null ? 'custom (left as is)' : `${v}`);
  const { rowsDays, bodiesDays, aggregatesDays, labelsDays } = report.days;
  return `retention, days after landing: rows ${d(rowsDays)}, bodies ${d(bodiesDays)}, aggregates ${d(aggregatesDays)}, labels ${d(labelsDays)}`;
}
