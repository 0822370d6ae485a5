// The read-only endpoint's policy, applied to the engine's own rendering of a query. The endpoint
// first has the engine parse the client's text (`formatQuerySingleLine`, the text given as hex digits
// so it cannot be read as SQL), then checks that canonical form here and runs exactly that form. Checking the engine's
// rendering rather than the client's text closes the gap between what a hand-written tokenizer sees
// and what the parser runs: no comments (nested or not), no heredocs, no Unicode whitespace, quoted
// identifiers unquoted where plain, one statement (the parser refuses multi-statements), calls always
// written `name(` and keywords always followed by a space.
//
// Everything is an allow list, and what is not on it is refused with an error naming it:
// - statements: SELECT / WITH, SHOW (databases, tables, columns, indexes, engines, functions, CREATE
//   TABLE|VIEW), DESCRIBE, EXISTS, EXPLAIN of a SELECT;
// - functions (function-allow-list.ts), table functions (ALLOWED_TABLE_FUNCTIONS), output formats;
// - databases: the endpoint's own, INFORMATION_SCHEMA, and the system tables drivers introspect;
// - SETTINGS clauses: names from settings-allow-list.ts, literal values, rewritten from the parsed
//   value (limits lowered to the endpoint's);
// - query parameters: any type but Identifier (which would name a table at run time).
import { ALLOWED_TABLE_FUNCTIONS } from './engine-catalog.js';
import type { EngineCatalog } from './engine-catalog.js';
import type { ResolvedQueryEndpointOptions } from './options.js';
import { serverException } from './server-exception.js';
import type { ServerException } from './server-exception.js';
import { checkSetting, shown } from './settings-allow-list.js';
import type { SettingValue } from './settings-allow-list.js';
import { isKeyword, nameOf, splitStatements, SqlTokenizeError, tokenize } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';

/**
 * System tables a query may read: what JDBC's DatabaseMetaData, clickhouse-go, Grafana's query
 * builder and DBeaver introspect (databases, tables, columns, data types, functions), and harmless
 * constants. Not: processes, query logs, users and grants, settings, disks, parts (paths), clusters,
 * dictionaries, metrics.
 */
export const READABLE_SYSTEM_TABLES: readonly string[] = [
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'databases',
  'tables',
  'columns',
  'data_skipping_indices',
  'functions',
  'table_functions',
  'aggregate_function_combinators',
  'data_type_families',
  'formats',
  'table_engines',
  'time_zones',
  'collations',
  'keywords',
];

/** Databases readable besides the endpoint's own: the SQL-standard views over the system tables above. */
export const READABLE_METADATA_DATABASES: readonly string[] = ['INFORMATION_SCHEMA', 'information_schema'];

/**
 * Output formats (FORMAT clause, default_format, X-ClickHouse-Format). Not: formats that need schema
 * or template files (Protobuf*, CapnProto, Template*, CustomSeparated*), wire protocols
 * (MySQLWire, PostgreSQLWire, ODBCDriver2), a schema registry (AvroConfluent) or engine internals.
 */
export const ALLOWED_OUTPUT_FORMATS: readonly string[] = [
  'TabSeparated',
  'TSV',
  'TabSeparatedRaw',
  'TSVRaw',
  'TabSeparatedWithNames',
  'TSVWithNames',
  'TabSeparatedWithNamesAndTypes',
  'TSVWithNamesAndTypes',
  'TabSeparatedRawWithNames',
  'TSVRawWithNames',
  'TabSeparatedRawWithNamesAndTypes',
  'TSVRawWithNamesAndTypes',
  'Raw',
  'RawWithNames',
  'RawWithNamesAndTypes',
  'CSV',
  'CSVWithNames',
  'CSVWithNamesAndTypes',
  'JSON',
  'JSONStrings',
  'JSONCompact',
  'JSONCompactStrings',
  'JSONColumns',
  'JSONCompactColumns',
  'JSONColumnsWithMetadata',
  'JSONEachRow',
  'JSONStringsEachRow',
  'JSONCompactEachRow',
  'JSONCompactEachRowWithNames',
  'JSONCompactEachRowWithNamesAndTypes',
  'JSONCompactStringsEachRow',
  'JSONCompactStringsEachRowWithNames',
  'JSONCompactStringsEachRowWithNamesAndTypes',
  'JSONEachRowWithProgress',
  'JSONStringsEachRowWithProgress',
  'JSONCompactEachRowWithProgress',
  'JSONCompactStringsEachRowWithProgress',
  'JSONObjectEachRow',
  'JSONLines',
  'NDJSON',
  'JSONL',
  'PrettyJSONEachRow',
  'PrettyJSONLines',
  'PrettyNDJSON',
  'XML',
  'Values',
  'Vertical',
  'Markdown',
  'MD',
  'Pretty',
  'PrettyCompact',
  'PrettyCompactMonoBlock',
  'PrettyMonoBlock',
  'PrettySpace',
  'PrettySpaceMonoBlock',
  'PrettyNoEscapes',
  'PrettyNoEscapesMonoBlock',
  'PrettyCompactNoEscapes',
  'PrettyCompactNoEscapesMonoBlock',
  'PrettySpaceNoEscapes',
  'PrettySpaceNoEscapesMonoBlock',
  'Native',
  'RowBinary',
  'RowBinaryWithNames',
  'RowBinaryWithNamesAndTypes',
  'Parquet',
  'Arrow',
  'ArrowStream',
  'ORC',
  'Avro',
  'MsgPack',
  'BSONEachRow',
  'TSKV',
  'SQLInsert',
  'LineAsString',
  'RawBLOB',
  'Null',
];

const SHOW_ALLOWED = new Set(['DATABASES', 'TABLES', 'COLUMNS', 'INDEXES', 'ENGINES', 'FUNCTIONS', 'CREATE']);
const SHOW_CREATE_ALLOWED = new Set(['TABLE', 'VIEW', 'TEMPORARY']);
const EXPLAIN_KINDS = new Set(['AST', 'SYNTAX', 'QUERY', 'TREE', 'PLAN', 'PIPELINE', 'ESTIMATE', 'ANALYZE']);
/** Keywords after which a call is a table function (the FROM list, JOIN, DESCRIBE TABLE). */
const TABLE_POSITION = ['FROM', 'JOIN', 'TABLE'];
/** Clause keywords, to know whether a `,` continues a FROM list. */
const CLAUSES = [
  'SELECT',
  'FROM',
  'JOIN',
  'WHERE',
  'PREWHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'SETTINGS',
  'ON',
  'USING',
  'WINDOW',
  'QUALIFY',
  'FORMAT',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'ARRAY',
  'WITH',
];
/** A bare name after these is a database (SHOW TABLES FROM db, EXISTS DATABASE db, SHOW COLUMNS ... IN db). */
const DATABASE_POSITION = ['FROM', 'IN', 'DATABASE'];

export interface QueryContext {
  /** The database the query runs in (the endpoint's). */
  readonly database: string;
  /** Databases that exist now, to tell `db.table` from `table.column`. */
  readonly existingDatabases: ReadonlySet<string>;
  readonly catalog: EngineCatalog;
  readonly options: ResolvedQueryEndpointOptions;
}

export type PolicyVerdict =
  | {
      readonly ok: true;
      /** What runs: the canonical text, with SETTINGS values rebuilt from their parsed values. */
      readonly sql: string;
      /** The FORMAT clause's format, in the engine's spelling. */
      readonly format: string | undefined;
      /** Declared type of each query parameter placeholder, by name. */
      readonly parameterTypes: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly error: ServerException };

const refuse = (code: number, type: string, message: string): PolicyVerdict => ({ ok: false, error: serverException(code, type, message) });
const denied = (message: string): PolicyVerdict => refuse(497, 'ACCESS_DENIED', `Not enough privileges: ${message}`);
const isPunct = (token: Token | undefined, text: string): boolean => token?.kind === 'punctuation' && token.text === text;
const upper = (token: Token | undefined): string => (token?.kind === 'word' ? token.text.toUpperCase() : '');

/** The allowed output format named `name` (any case), in its listed spelling. */
export function allowedOutputFormat(name: string, catalog: EngineCatalog): string | undefined {
  const listed = ALLOWED_OUTPUT_FORMATS.find((f) => f.toLowerCase() === name.toLowerCase());
  return listed !== undefined && catalog.outputFormats.has(listed.toLowerCase()) ? listed : undefined;
}

/** Refusal for a format that is not allowed: unknown to the engine (73) or refused (497). */
export function formatRefusal(name: string, catalog: EngineCatalog): ServerException {
  if (!catalog.outputFormats.has(name.toLowerCase())) return serverException(73, 'UNKNOWN_FORMAT', `Unknown output format ${shown(name)}`);
  return serverException(
    497,
    'ACCESS_DENIED',
    `Not enough privileges: output format ${shown(name)} is not allowed on the read-only endpoint (it needs schema or template files, or is internal)`,
  );
}

/** Checks the engine's canonical rendering of a query (see the module comment). */
export function checkCanonicalQuery(canonical: string, context: QueryContext): PolicyVerdict {
  let tokens: Token[];
  try {
    tokens = tokenize(canonical);
  } catch (err) {
    if (err instanceof SqlTokenizeError) return refuse(62, 'SYNTAX_ERROR', `Syntax error: ${err.message}`);
    throw err;
  }
  const statements = splitStatements(tokens).filter((s) => s.length > 0);
  if (statements.length !== 1)
    return refuse(62, 'SYNTAX_ERROR', 'Syntax error (Multi-statements are not allowed): the endpoint runs one statement per request');
  const statement = statements[0] as Token[];

  const kind = checkStatementKind(statement);
  if (kind !== undefined) return kind;

  const parameterTypes = new Map<string, string>();
  const rewrites: { start: number; end: number; text: string }[] = [];
  let format: string | undefined;
  const clauses: string[] = ['none'];

  for (let i = 0; i < statement.length; i += 1) {
    const token = statement[i] as Token;
    const next = statement[i + 1];
    const prev = statement[i - 1];

    // {name:Type}: a typed query parameter, bound by the engine. Its type is not code.
    if (isPunct(token, '{')) {
      const close = statement.findIndex((t, j) => j > i && isPunct(t, '}'));
      const name = nameOf(next);
      if (close === -1 || name === undefined || !isPunct(statement[i + 2], ':')) return refuse(62, 'SYNTAX_ERROR', 'Syntax error: unexpected {');
      const type = canonical.slice((statement[i + 3] as Token).start, (statement[close] as Token).start).trim();
      if (/\bIdentifier\b/i.test(type)) {
        return denied(
          `query parameter {${name}:${type}} names a table or column at run time; parameters of type Identifier are not allowed on the read-only endpoint`,
        );
      }
      parameterTypes.set(name, type);
      i = close;
      continue;
    }
    if (isPunct(token, '(')) clauses.push('none');
    else if (isPunct(token, ')')) clauses.pop();
    else if (token.kind === 'word' && CLAUSES.includes(upper(token)) && !isPunct(prev, '.') && !(isPunct(next, '(') && next?.start === token.end)) {
      // A clause keyword, not a call of a function with the same name (`format(...)`).
      clauses[clauses.length - 1] = upper(token);
    }
    if (clauses.length === 0) clauses.push('none');

    if (isKeyword(token, 'OUTFILE', 'INFILE'))
      return denied(`INTO ${upper(token)} reads or writes a file of the server and is not allowed on the read-only endpoint`);

    // The formatter writes keywords in capitals and names as given: `SELECT format FROM t` is a column.
    const formatClause =
      isKeyword(token, 'FORMAT') &&
      next !== undefined &&
      nameOf(next) !== undefined &&
      !isPunct(statement[i + 2], '(') &&
      token.end < next.start &&
      upper(prev) !== 'AS' &&
      (token.text === 'FORMAT' || context.catalog.outputFormats.has((nameOf(next) as string).toLowerCase()));
    if (formatClause && next !== undefined) {
      const name = nameOf(next) as string;
      format = allowedOutputFormat(name, context.catalog);
      if (format === undefined) return { ok: false, error: formatRefusal(name, context.catalog) };
      i += 1;
      continue;
    }

    if (isKeyword(token, 'SETTINGS') && nameOf(next) !== undefined && isPunct(statement[i + 2], '=')) {
      const parsed = settingsClause(statement, i + 1, context);
      if (!parsed.ok) return parsed.verdict;
      rewrites.push(...parsed.rewrites);
      i = parsed.end - 1;
      continue;
    }

    // `* APPLY name`: a function applied by name to each column, a call without parentheses.
    if (isKeyword(token, 'APPLY') && nameOf(next) !== undefined && !isPunct(statement[i + 2], '(') && !isPunct(statement[i + 2], '-')) {
      const applied = nameOf(next) as string;
      const verdict = context.catalog.functionVerdict(applied);
      if (!verdict.allowed) {
        if (verdict.resolved === undefined) return refuse(46, 'UNKNOWN_FUNCTION', `Unknown function ${shown(applied)}`);
        return denied(`function ${applied} (APPLY) ${verdict.reason}; it is not allowed on the read-only endpoint`);
      }
      i += 1;
      continue;
    }

    const name = nameOf(token);
    if (name === undefined) continue;

    // A call: the canonical form writes `name(` with nothing between.
    if (isPunct(next, '(') && next !== undefined && next.start === token.end) {
      const call = checkCall(name, statement, i, clauses[clauses.length - 1] ?? 'none', context);
      if (call !== undefined) return call;
      continue;
    }

    // A refused function named without a call: higher-order functions take functions by name
    // (`arrayMap(file, paths)` reads files). A column so named is refused too: the safe mistake.
    if (!isPunct(prev, '.') && !isPunct(next, '.')) {
      const verdict = context.catalog.functionVerdict(name);
      if (!verdict.allowed && verdict.resolved !== undefined) {
        return denied(`function ${name} (named as an argument, e.g. of arrayMap) ${verdict.reason}; it is not allowed on the read-only endpoint`);
      }
    }

    const database = checkDatabaseReference(name, statement, i, context);
    if (database !== undefined) return database;
  }

  let sql = canonical.slice((statement[0] as Token).start, (statement[statement.length - 1] as Token).end);
  const offset = (statement[0] as Token).start;
  for (const rewrite of rewrites.sort((a, b) => b.start - a.start)) {
    sql = sql.slice(0, rewrite.start - offset) + rewrite.text + sql.slice(rewrite.end - offset);
  }
  return { ok: true, sql, format, parameterTypes };
}

function checkStatementKind(statement: Token[]): PolicyVerdict | undefined {
  const first = statement[0];
  const lead = upper(first);
  if (isPunct(first, '(') || lead === 'SELECT' || lead === 'WITH' || lead === 'DESCRIBE' || lead === 'DESC' || lead === 'EXISTS') return undefined;
  if (lead === 'SHOW') {
    let at = 1;
    while (['FULL', 'EXTENDED', 'TEMPORARY'].includes(upper(statement[at]))) at += 1;
    const what = upper(statement[at]);
    if (!SHOW_ALLOWED.has(what) || (what === 'CREATE' && !SHOW_CREATE_ALLOWED.has(upper(statement[at + 1])))) {
      const shownForm = statement
        .slice(0, Math.min(statement.length, at + 2))
        .map((t) => t.text.toUpperCase())
        .join(' ');
      return denied(
        `${shownForm} is not allowed on the read-only endpoint; it answers SHOW DATABASES, TABLES, COLUMNS, INDEXES, ENGINES, FUNCTIONS and SHOW CREATE TABLE|VIEW`,
      );
    }
    return undefined;
  }
  if (lead === 'EXPLAIN') {
    let at = 1;
    while (EXPLAIN_KINDS.has(upper(statement[at]))) at += 1;
    // EXPLAIN options (`header = 1`, ...): the engine checks them against each kind's own list.
    while (nameOf(statement[at]) !== undefined && isPunct(statement[at + 1], '=')) {
      at += 3;
      if (isPunct(statement[at], ',')) at += 1;
    }
    const inner = statement[at];
    if (isPunct(inner, '(') || upper(inner) === 'SELECT' || upper(inner) === 'WITH') return undefined;
    return refuse(
      164,
      'READONLY',
      `Cannot execute query in readonly mode: EXPLAIN ${upper(inner) || (inner?.text ?? '')} is not allowed; the endpoint explains SELECT queries only`,
    );
  }
  return refuse(
    164,
    'READONLY',
    `Cannot execute query in readonly mode: ${lead || (first?.text ?? '')} is not allowed; this endpoint runs only SELECT, WITH, SHOW, DESCRIBE, EXPLAIN and EXISTS`,
  );
}

function checkCall(name: string, statement: Token[], i: number, clause: string, context: QueryContext): PolicyVerdict | undefined {
  const { catalog } = context;
  const lower = name.toLowerCase();
  if (catalog.tableFunctions.has(lower)) {
    const prev = statement[i - 1];
    const tablePosition = TABLE_POSITION.includes(upper(prev)) || (isPunct(prev, ',') && (clause === 'FROM' || clause === 'JOIN'));
    // `format` is both a table function and a string function: where it stands tells which.
    const alsoScalar = catalog.functionVerdict(name).resolved !== undefined;
    if (tablePosition || !alsoScalar) {
      if (lower === 'values') return checkValuesStructure(statement, i + 1);
      if (ALLOWED_TABLE_FUNCTIONS.some((f) => f.toLowerCase() === lower)) return undefined;
      return denied(`table function ${name}() is not allowed on the read-only endpoint; it allows ${ALLOWED_TABLE_FUNCTIONS.map((f) => `${f}()`).join(', ')}`);
    }
  }
  const verdict = catalog.functionVerdict(name);
  if (verdict.allowed) return undefined;
  if (verdict.resolved === undefined) return refuse(46, 'UNKNOWN_FUNCTION', `Unknown function ${shown(name)}`);
  const via = verdict.resolved === name ? '' : ` (${verdict.resolved})`;
  return denied(`function ${name}${via} ${verdict.reason}; it is not allowed on the read-only endpoint`);
}

/** Words of a column declaration that bring an expression (or more than a type) into a structure. */
const DECLARATION_KEYWORDS = new Set([
  'DEFAULT',
  'MATERIALIZED',
  'ALIAS',
  'EPHEMERAL',
  'CODEC',
  'TTL',
  'COMMENT',
  'STATISTICS',
  'SETTINGS',
  'PRIMARY',
  'AUTO_INCREMENT',
]);

/**
 * `values(structure, rows...)`: the structure is parsed as column declarations, and a declaration
 * may carry an expression (`b String ALIAS file('/etc/passwd')`) that the policy never sees as a
 * call. The first argument is therefore either a structure literal of names and types only, or a
 * literal row (a tuple of literals, as the JDBC driver sends); anything that could evaluate to a
 * structure string (calls, parameters, a lone parenthesized string) is refused.
 */
function checkValuesStructure(statement: Token[], open: number): PolicyVerdict | undefined {
  const first: Token[] = [];
  let depth = 0;
  for (let j = open + 1; j < statement.length; j += 1) {
    const t = statement[j] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth += 1;
    if (isPunct(t, ')') || isPunct(t, ']')) {
      if (depth === 0) break;
      depth -= 1;
    }
    if (depth === 0 && isPunct(t, ',')) break;
    first.push(t);
  }
  const refusal = (why: string) => denied(`values(): ${why}; its first argument must be a structure string of column names and types, or a row of literals`);
  if (first.length === 1 && first[0]?.kind === 'string') {
    let inner: Token[];
    try {
      inner = tokenize(unquoteString(first[0].text));
    } catch {
      return refusal('the structure does not parse');
    }
    const keyword = inner.find((t) => t.kind === 'word' && DECLARATION_KEYWORDS.has(t.text.toUpperCase()));
    if (keyword !== undefined) return refusal(`the structure declares ${keyword.text.toUpperCase()}, which evaluates an expression`);
    const odd = inner.find((t) => t.kind === 'punctuation' && !['(', ')', ',', '=', '-', '.'].includes(t.text));
    if (odd !== undefined) return refusal(`the structure has ${JSON.stringify(odd.text)}`);
    return undefined;
  }
  const call = first.find((t, k) => nameOf(t) !== undefined && isPunct(first[k + 1], '('));
  if (call !== undefined || first.some((t) => isPunct(t, '{'))) return refusal('a call or a parameter could build a structure');
  if (first.some((t) => t.kind === 'word' && !isKeyword(t, 'true', 'false', 'NULL'))) return refusal('a name could stand for a structure');
  const tupleRow = isPunct(first[0], '(') && hasTopLevelComma(first.slice(1, -1));
  if (!tupleRow && first.some((t) => t.kind === 'string')) return refusal('a string that is not a structure literal could be one');
  return undefined;
}

function hasTopLevelComma(tokens: Token[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    if (isPunct(t, '(') || isPunct(t, '[')) depth += 1;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth -= 1;
    else if (depth === 0 && isPunct(t, ',')) return true;
  }
  return false;
}

function checkDatabaseReference(name: string, statement: Token[], i: number, context: QueryContext): PolicyVerdict | undefined {
  const { existingDatabases, database } = context;
  if (!existingDatabases.has(name) || name === database || READABLE_METADATA_DATABASES.includes(name)) return undefined;
  const prev = statement[i - 1];
  const next = statement[i + 1];
  if (isPunct(prev, '.')) return undefined; // the second part of a dotted name
  const qualifies = isPunct(next, '.');
  if (!qualifies && !DATABASE_POSITION.includes(upper(prev))) return undefined;
  if (name === 'system') {
    if (!qualifies) return undefined; // SHOW TABLES FROM system: names only
    const table = nameOf(statement[i + 2]);
    if (table !== undefined && READABLE_SYSTEM_TABLES.includes(table)) return undefined;
    return denied(
      `system.${shown(table ?? statement[i + 2]?.text ?? '')} is not readable on this endpoint; of the system database it reads ${READABLE_SYSTEM_TABLES.join(', ')}`,
    );
  }
  return denied(
    `database ${shown(name)} is not readable on this endpoint; it reads ${[database, ...READABLE_METADATA_DATABASES].join(', ')} and some system tables`,
  );
}

type ClauseParse =
  | { readonly ok: true; readonly end: number; readonly rewrites: { start: number; end: number; text: string }[] }
  | { readonly ok: false; readonly verdict: PolicyVerdict };

/** `name = literal [, name = literal]...` from `at`; each value validated and rebuilt. */
function settingsClause(statement: Token[], at: number, context: QueryContext): ClauseParse {
  const rewrites: { start: number; end: number; text: string }[] = [];
  let i = at;
  for (;;) {
    const nameToken = statement[i];
    const name = nameOf(nameToken);
    if (name === undefined || !isPunct(statement[i + 1], '=')) {
      return { ok: false, verdict: refuse(62, 'SYNTAX_ERROR', 'Syntax error: a SETTINGS clause is a list of name = value') };
    }
    const value = statement[i + 2];
    const raw = literalText(value);
    if (raw === undefined) {
      return {
        ok: false,
        verdict: denied(
          `SETTINGS ${shown(name)} = ${shown(value?.text ?? '')}: setting values must be literals (numbers, strings, true, false) on the read-only endpoint`,
        ),
      };
    }
    const checked = checkSetting(name, raw, 'SETTINGS clause', context.catalog, context.options);
    if (!checked.ok) return { ok: false, verdict: refuse(checked.refusal.code, checked.refusal.type, checked.refusal.message) };
    const token = value as Token;
    rewrites.push({ start: token.start, end: token.end, text: settingLiteral(checked.value) });
    i += 3;
    if (!isPunct(statement[i], ',') || nameOf(statement[i + 1]) === undefined || !isPunct(statement[i + 2], '=')) return { ok: true, end: i, rewrites };
    i += 1;
  }
}

/** A literal token's value as text (numbers as written, strings unquoted, true/false), else undefined. */
function literalText(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'number') return token.text;
  if (isKeyword(token, 'true', 'false')) return token.text.toLowerCase();
  if (token.kind === 'string' && token.text.startsWith("'")) return unquoteString(token.text);
  return undefined;
}

/** A 'string' literal's value: backslash escapes and doubled quotes, as the engine reads them. */
export function unquoteString(literal: string): string {
  const body = literal.slice(1, -1);
  const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', v: '\v', e: '\x1b' };
  let out = '';
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) {
      const e = body[i + 1] as string;
      out += escapes[e] ?? e;
      i += 1;
    } else if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i += 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** The literal the endpoint writes for a validated value: digits, 1/0, or a string of a known set. */
export function settingLiteral(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  // Values come from fixed sets or engine lists (formats, time zones, one CSV character); never a quote or backslash.
  if (/['\\]/.test(value)) throw new Error(`setting value ${JSON.stringify(value)} cannot be written as a literal`);
  return `'${value}'`;
}
