// A small ClickHouse SQL tokenizer for the read-only guard and the migration lint. It does not parse
// SQL; it only tells code from strings, quoted identifiers and comments, so checks like "is there a
// `;` outside a string" or "is `file` called as a function" look at code and nothing else. Regexes on
// raw text cannot do that: `SELECT ';'` or `SELECT 1 -- ; DROP` would fool them.
//
// Where ClickHouse and this tokenizer could disagree, the tokenizer errs towards seeing MORE code:
// block comments do not nest here (if the engine nests them, text the engine treats as a comment is
// checked as code, which can only cause a rejection, never let something through), and anything it
// cannot close (a string, a comment, a heredoc) is an error rather than a guess.

export type TokenKind =
  /** An unquoted word: keyword, identifier or function name (`SELECT`, `file`, `t1`). */
  | 'word'
  /** A `backquoted` or "double-quoted" identifier; `text` is the unquoted name. */
  | 'quoted-identifier'
  /** A 'string' or $heredoc$ literal; `text` is the raw literal including quotes. */
  | 'string'
  | 'number'
  /** Any other character outside the above (`;`, `(`, `=`, ...), one token per character. */
  | 'punctuation';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset of the token's first character in the query. */
  readonly start: number;
  /** Offset just past the token's last character (quotes included). */
  readonly end: number;
}

export class SqlTokenizeError extends Error {
  override readonly name = 'SqlTokenizeError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const isWordStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isWordPart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';
const HEREDOC_TAG = /\$[A-Za-z0-9_]*\$/y;

/** Reads a quoted run starting at `start` (the opening quote); backslash escapes and doubled quotes. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  throw new SqlTokenizeError(`Unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'} starting at position ${start}`, start);
}

const unquote = (raw: string, quote: string) => raw.slice(1, -1).replaceAll(`${quote}${quote}`, quote).replace(/\\(.)/g, '$1');

/** Splits `sql` into tokens, skipping whitespace and `--`, `#` and block comments. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i += 1;
    } else if ((c === '-' && next === '-') || c === '#') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new SqlTokenizeError(`Unterminated comment starting at position ${i}`, i);
      i = end + 2;
    } else if (c === "'") {
      const end = quotedEnd(sql, i, "'");
      tokens.push({ kind: 'string', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (c === '`' || c === '"') {
      const end = quotedEnd(sql, i, c);
      tokens.push({ kind: 'quoted-identifier', text: unquote(sql.slice(i, end), c), start: i, end });
      i = end;
    } else if (c === '$') {
      HEREDOC_TAG.lastIndex = i;
      const tag = HEREDOC_TAG.exec(sql)?.[0];
      if (tag === undefined) {
        tokens.push({ kind: 'punctuation', text: c, start: i, end: i + 1 });
        i += 1;
        continue;
      }
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw new SqlTokenizeError(`Unterminated heredoc ${tag} starting at position ${i}`, i);
      tokens.push({ kind: 'string', text: sql.slice(i, close + tag.length), start: i, end: close + tag.length });
      i = close + tag.length;
    } else if (isDigit(c) || (c === '.' && next !== undefined && isDigit(next))) {
      let end = i + 1;
      while (end < sql.length && /[0-9A-Za-z_.]/.test(sql[end] as string)) {
        // An exponent's sign belongs to the number (1e-5).
        if (/[eEpP]/.test(sql[end] as string) && /[+-]/.test(sql[end + 1] ?? '')) end += 1;
        end += 1;
      }
      tokens.push({ kind: 'number', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < sql.length && isWordPart(sql[end] as string)) end += 1;
      tokens.push({ kind: 'word', text: sql.slice(i, end), start: i, end });
      i = end;
    } else {
      tokens.push({ kind: 'punctuation', text: c, start: i, end: i + 1 });
      i += 1;
    }
  }
  return tokens;
}

/** Case-insensitive keyword test on an unquoted word. */
export const isKeyword = (token: Token | undefined, ...words: string[]): boolean =>
  token?.kind === 'word' && words.some((w) => w.toUpperCase() === token.text.toUpperCase());

/** A name as ClickHouse resolves it: an unquoted word or a quoted identifier. */
export const nameOf = (token: Token | undefined): string | undefined =>
  token?.kind === 'word' || token?.kind === 'quoted-identifier' ? token.text : undefined;

/** Splits tokens into statements at `;` (the `;` tokens are dropped; empty statements kept). */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'punctuation' && token.text === ';') statements.push([]);
    else statements[statements.length - 1]?.push(token);
  }
  return statements;
}
