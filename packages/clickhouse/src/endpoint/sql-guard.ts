// A quick, engine-free check that a text is one reading statement (SELECT, WITH, SHOW, DESCRIBE,
// EXPLAIN, EXISTS) and which FORMAT it names. `shadow query` uses it to refuse a write before
// connecting. It is not the endpoint's policy: the endpoint has the engine parse the query and checks
// the engine's canonical form against its allow lists (query-policy.ts), because a tokenizer of our
// own can disagree with the engine's parser.
import { isKeyword, nameOf, splitStatements, SqlTokenizeError, tokenize } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';
import { serverException } from './server-exception.js';
import type { ServerException } from './server-exception.js';

/** Statement kinds that read. `(` covers `(SELECT ...) UNION ALL (SELECT ...)`. */
export const READ_ONLY_STATEMENTS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'] as const;

export type GuardVerdict =
  | { readonly ok: true; readonly statement: string; readonly format: string | undefined }
  | { readonly ok: false; readonly error: ServerException };

const isPunct = (token: Token | undefined, text: string) => token?.kind === 'punctuation' && token.text === text;

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
 * Whether `sql` is one reading statement, by its tokens alone. On refusal the error is what a
 * ClickHouse server would answer for the same reason (code, name, wording).
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
    return refuse(
      164,
      'READONLY',
      `Cannot execute query in readonly mode: ${shown.toUpperCase()} is not allowed; this endpoint runs only ${READ_ONLY_STATEMENTS.join(', ')}`,
    );
  }

  const first = statement[0] as Token;
  const last = statement[statement.length - 1] as Token;
  return { ok: true, statement: sql.slice(first.start, last.end), format: formatClauseOf(statement) };
}

function refuse(code: number, type: string, message: string): GuardVerdict {
  return { ok: false, error: serverException(code, type, message) };
}
