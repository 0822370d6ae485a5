// What the engine itself says it has, read once when the endpoint starts: its functions (with their
// aliases, case-insensitivity and aggregate combinators), table functions, settings, output formats
// and time zones. The policy (query-policy.ts) decides with these facts, so a name is judged the way
// the engine will resolve it (`LCASE` is `lower`, `sumIf` is `sum`), and anything the engine has that
// the allow lists do not name is refused by default.
import type { ClickHouseClient } from '@clickhouse/client';
import { ALLOWED_FUNCTIONS_BY_CATEGORY, REFUSED_FUNCTIONS_BY_REASON } from './function-allow-list.js';

/**
 * Table functions a query may call. Each only generates rows from its arguments, reads nothing and
 * reaches nothing: `numbers`/`numbers_mt`/`zeros`/`zeros_mt` (sequences, the usual test tables),
 * `values` (literal rows; the JDBC driver's type info query uses it), `generateSeries`/`generate_series`
 * (ranges). Everything else is refused: it reads files (`file`, `filesystem`, `iceberg*`...), calls the
 * network (`url`, `s3*`, `remote*`, `mysql`...), runs processes (`executable`, `eval`), reads other
 * tables around the database allow list (`merge`, `view`, `loop`, `mergeTreeIndex`, `dictionary`...),
 * reads the request (`input`, `format`) or generates load for nothing (`generateRandom`, `fuzzJSON`).
 * Compared lower-case: the engine resolves some names case-insensitively (`VALUES`).
 */
export const ALLOWED_TABLE_FUNCTIONS: readonly string[] = ['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generateSeries', 'generate_series'];

/**
 * Grammar that the engine's formatter writes like a call but that is not a function: `exists(subquery)`,
 * lambdas, `untuple`, the `COLUMNS('regex')` matcher and `GROUPING` of ROLLUP/CUBE.
 */
const SYNTAX_CALLS: ReadonlySet<string> = new Set(['exists', 'lambda', 'untuple', 'columns', 'grouping']);

const MAX_FUNCTION_NAME = 128;

export type FunctionVerdict =
  | { readonly allowed: true; readonly resolved: string }
  | { readonly allowed: false; readonly resolved: string | undefined; readonly reason: string };

export interface EngineCatalog {
  readonly version: string;
  readonly timezone: string;
  /** Every setting name the engine knows (to tell "unknown" from "not allowed"). */
  readonly settings: ReadonlySet<string>;
  readonly timeZones: ReadonlySet<string>;
  /** Table function names, lower-case. */
  readonly tableFunctions: ReadonlySet<string>;
  /** The engine's output formats by lower-case name (format names are case-insensitive). */
  readonly outputFormats: ReadonlyMap<string, string>;
  /** How a function called by `name` resolves, and whether the endpoint allows it. */
  functionVerdict(name: string): FunctionVerdict;
}

interface FunctionRow {
  name: string;
  is_aggregate: number;
  case_insensitive: number;
  alias_to: string;
}

const ALLOWED: ReadonlySet<string> = new Set(Object.values(ALLOWED_FUNCTIONS_BY_CATEGORY).flat());
const REFUSAL_REASON: ReadonlyMap<string, string> = new Map(
  Object.entries(REFUSED_FUNCTIONS_BY_REASON).flatMap(([reason, names]) => names.map((name) => [name, reason] as const)),
);

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** Reads the catalog through `client` (any connection on the endpoint's engine). */
export async function loadEngineCatalog(client: ClickHouseClient): Promise<EngineCatalog> {
  const [facts] = await rows<{ version: string; timezone: string }>(client, 'SELECT version() AS version, timezone() AS timezone');
  const functions = await rows<FunctionRow>(client, 'SELECT name, is_aggregate, case_insensitive, alias_to FROM system.functions');
  const combinators = (await rows<{ name: string }>(client, 'SELECT name FROM system.aggregate_function_combinators')).map((r) => r.name);
  const tableFunctions = await rows<{ name: string }>(client, 'SELECT name FROM system.table_functions');
  const settings = await rows<{ name: string }>(client, 'SELECT name FROM system.settings');
  const formats = await rows<{ name: string }>(client, 'SELECT name FROM system.formats WHERE is_output');
  const timeZones = await rows<{ time_zone: string }>(client, 'SELECT time_zone FROM system.time_zones');
  return buildEngineCatalog({
    version: facts?.version ?? 'unknown',
    timezone: facts?.timezone ?? 'UTC',
    functions: functions.map((f) => ({ ...f, is_aggregate: Number(f.is_aggregate), case_insensitive: Number(f.case_insensitive) })),
    combinators,
    tableFunctions: tableFunctions.map((r) => r.name),
    settings: settings.map((r) => r.name),
    outputFormats: formats.map((r) => r.name),
    timeZones: timeZones.map((r) => r.time_zone),
  });
}

export interface EngineFacts {
  readonly version: string;
  readonly timezone: string;
  readonly functions: readonly FunctionRow[];
  readonly combinators: readonly string[];
  readonly tableFunctions: readonly string[];
  readonly settings: readonly string[];
  readonly outputFormats: readonly string[];
  readonly timeZones: readonly string[];
}

/** The catalog from facts already read (unit tests give a few by hand). */
export function buildEngineCatalog(facts: EngineFacts): EngineCatalog {
  const byName = new Map(facts.functions.map((f) => [f.name, f]));
  const byLowerName = new Map(facts.functions.filter((f) => f.case_insensitive === 1).map((f) => [f.name.toLowerCase(), f]));
  // Longest first, so `MergeState` is not read as `State` after `Merge`... and `OrNull` before `Null`.
  const combinators = [...facts.combinators].sort((a, b) => b.length - a.length);

  const lookup = (name: string): FunctionRow | undefined => byName.get(name) ?? byLowerName.get(name.toLowerCase());
  const target = (row: FunctionRow): string => (row.alias_to === '' ? row.name : (lookup(row.alias_to)?.name ?? row.alias_to));

  /** `sumIf` -> `sum`, `uniqArrayStateIf` -> `uniq`: an aggregate behind one or more combinator suffixes. */
  function throughCombinators(name: string): FunctionRow | undefined {
    for (const suffix of combinators) {
      if (!name.endsWith(suffix) || name.length === suffix.length) continue;
      const base = name.slice(0, -suffix.length);
      const row = lookup(base);
      if (row !== undefined) return row.is_aggregate === 1 ? row : undefined;
      const deeper = throughCombinators(base);
      if (deeper !== undefined) return deeper;
    }
    return undefined;
  }

  function functionVerdict(name: string): FunctionVerdict {
    if (SYNTAX_CALLS.has(name.toLowerCase())) return { allowed: true, resolved: name };
    // No engine function name comes near this length; it also bounds the combinator recursion.
    const row = name.length > MAX_FUNCTION_NAME ? undefined : (lookup(name) ?? throughCombinators(name));
    if (row === undefined) return { allowed: false, resolved: undefined, reason: 'is not a function this engine knows' };
    const resolved = target(row);
    if (ALLOWED.has(resolved)) return { allowed: true, resolved };
    const reason = REFUSAL_REASON.get(resolved) ?? "is not on the endpoint's function allow list (a function this release has not reviewed)";
    return { allowed: false, resolved, reason };
  }

  return Object.freeze({
    version: facts.version,
    timezone: facts.timezone,
    settings: new Set(facts.settings),
    timeZones: new Set(facts.timeZones),
    tableFunctions: new Set(facts.tableFunctions.map((n) => n.toLowerCase())),
    outputFormats: new Map(facts.outputFormats.map((n) => [n.toLowerCase(), n])),
    functionVerdict,
  });
}
