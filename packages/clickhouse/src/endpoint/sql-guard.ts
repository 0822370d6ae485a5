// The read-only endpoint's first line of defence: a query passes only when its tokens say it reads.
// The engine's own `readonly` setting is the second line (see query-endpoint.ts); this guard exists
// because `readonly` does not stop everything: chDB 3.4 runs `file('/etc/passwd')` and other table
// functions under readonly=2, and `INTO OUTFILE` writes wherever the process can.
import { isKeyword, nameOf, splitStatements, SqlTokenizeError, tokenize } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';
import { serverException } from './server-exception.js';
import type { ServerException } from './server-exception.js';

/** Statement kinds that read. `(` covers `(SELECT ...) UNION ALL (SELECT ...)`. */
export const READ_ONLY_STATEMENTS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'] as const;

/**
 * Table functions that reach files, the network, other processes or external databases, compared
 * lower-case. Prefixes catch the families' variants (`s3Cluster`, `icebergS3`, `deltaLakeAzure`...).
 */
export const BLOCKED_TABLE_FUNCTIONS: readonly string[] = [
  'file', 'filecluster', 'url', 'urlcluster', 'input', 'dictionary', 'oss', 'cosn', 'ytsaurus', 'view_from_file',
];
export const BLOCKED_TABLE_FUNCTION_PREFIXES: readonly string[] = [
  's3', 'gcs', 'hdfs', 'azureblob', 'remote', 'cluster', 'mysql', 'postgresql', 'jdbc', 'odbc', 'sqlite',
  'mongo', 'redis', 'executable', 'iceberg', 'deltalake', 'hudi', 'paimon', 'arrowflight',
];

/**
 * Settings a query's SETTINGS clause may not change, so the endpoint's limits and read-only mode
 * stay in force whatever the engine allows under readonly=2.
 */
export const PROTECTED_SETTINGS: readonly string[] = [
  'readonly', 'allow_ddl', 'max_result_rows', 'max_result_bytes', 'result_overflow_mode',
  'max_execution_time', 'timeout_overflow_mode', 'max_execution_time_leaf', 'timeout_overflow_mode_leaf',
  'max_memory_usage', 'max_rows_to_read', 'max_bytes_to_read', 'read_overflow_mode',
  'allow_introspection_functions',
];

export type GuardVerdict =
  | { readonly ok: true; readonly statement: string; readonly format: string | undefined }
  | { readonly ok: false; readonly error: ServerException };

const isPunct = (token: Token | undefined, text: string) => token?.kind === 'punctuation' && token.text === text;

function blockedTableFunction(name: string): boolean {
  const lower = name.toLowerCase();
  return BLOCKED_TABLE_FUNCTIONS.includes(lower) || BLOCKED_TABLE_FUNCTION_PREFIXES.some((p) => lower.startsWith(p));
}

/** The statement's kind keyword, skipping opening parentheses. */
function leadingKeyword(tokens: readonly Token[]): Token | undefined {
  return tokens.find((t) => !isPunct(t, '('));
}

/** The format named by a top-level `FORMAT <name>` clause, if any (the last one wins, as in ClickHouse). */
export function formatClauseOf(tokens: readonly Token[]): string | undefined {
  let format: string | undefined;
  for (let i = 0; i < tokens.length - 1; i += 1) {
    if (!isKeyword(tokens[i], 'FORMAT')) continue;
    const name = nameOf(tokens[i + 1]);
    // `format(JSONEachRow, '...')` is the table function, not the clause.
    if (name !== undefined && !isPunct(tokens[i + 1], '(') && !isPunct(tokens[i + 2], '(')) format = name;
  }
  return format;
}

/**
 * Decides whether `sql` may run on the read-only endpoint. On refusal the error is what a
 * ClickHouse server would answer for the same reason (code, name, wording), so clients show it as is.
 */
export function checkReadOnlyQuery(sql: string): GuardVerdict {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (err) {
    if (err instanceof SqlTokenizeError) return refuse(62, 'SYNTAX_ERROR', `Syntax error: ${err.message}`);
    throw err;
  }
  const statements = splitStatements(tokens);
  // One trailing `;` is allowed, as clickhouse-client allows it; anything after it is a second statement.
  if (statements.length > 2 || (statements.length === 2 && (statements[1]?.length ?? 0) > 0)) {
    return refuse(62, 'SYNTAX_ERROR', 'Syntax error (Multi-statements are not allowed): the endpoint runs one statement per request');
  }
  const statement = statements[0] ?? [];
  if (statement.length === 0) return refuse(62, 'SYNTAX_ERROR', 'Empty query');

  const kind = leadingKeyword(statement);
  if (!isKeyword(kind, ...READ_ONLY_STATEMENTS)) {
    const shown = kind?.text ?? '';
    return refuse(164, 'READONLY', `Cannot execute query in readonly mode: ${shown.toUpperCase()} is not allowed; this endpoint runs only ${READ_ONLY_STATEMENTS.join(', ')}`);
  }

  for (let i = 0; i < statement.length; i += 1) {
    const token = statement[i];
    const name = nameOf(token);
    if (name === undefined) continue;
    if (isPunct(statement[i + 1], '(') && blockedTableFunction(name)) {
      return refuse(497, 'ACCESS_DENIED', `Not enough privileges: table function ${name}() reaches files or the network and is not allowed on the read-only endpoint`);
    }
    if (isKeyword(token, 'INTO') && isKeyword(statement[i + 1], 'OUTFILE')) {
      return refuse(497, 'ACCESS_DENIED', 'Not enough privileges: INTO OUTFILE writes a file and is not allowed on the read-only endpoint');
    }
    if (token?.kind !== 'string' && isPunct(statement[i + 1], '=') && PROTECTED_SETTINGS.includes(name.toLowerCase())) {
      // Also catches a comparison with a column of the same name; such columns are rare and a
      // rejection is the safe mistake.
      return refuse(164, 'READONLY', `Cannot modify '${name}' setting in readonly mode: the endpoint sets it`);
    }
  }
  const first = statement[0] as Token;
  const last = statement[statement.length - 1] as Token;
  return { ok: true, statement: sql.slice(first.start, last.end), format: formatClauseOf(statement) };
}

function refuse(code: number, type: string, message: string): GuardVerdict {
  return { ok: false, error: serverException(code, type, message) };
}
