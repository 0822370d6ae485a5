// ClickHouse has no transactions: a migration interrupted after some of its statements, or run by
// two processes at once, runs its statements again. That is safe only when each statement is
// idempotent, so the runner refuses, before running anything, statements that are not written that
// way. Token-based (the endpoint's tokenizer), so comments and strings do not confuse it.
import { isKeyword, tokenize } from '../endpoint/sql-tokenizer.js';
import type { Token } from '../endpoint/sql-tokenizer.js';

/** Whether `IF [NOT] EXISTS` follows within the next few tokens from `from`. */
function hasGuard(tokens: readonly Token[], from: number, not: boolean, within = 6): boolean {
  for (let i = from; i < Math.min(tokens.length, from + within); i += 1) {
    if (!isKeyword(tokens[i], 'IF')) continue;
    if (not) return isKeyword(tokens[i + 1], 'NOT') && isKeyword(tokens[i + 2], 'EXISTS');
    return isKeyword(tokens[i + 1], 'EXISTS');
  }
  return false;
}

const ALTER_ADDS = ['COLUMN', 'INDEX', 'PROJECTION', 'CONSTRAINT', 'STATISTICS'];

/**
 * The reason `statement` is not idempotent-style, or undefined when it is. Checked: CREATE (needs
 * `IF NOT EXISTS` or `OR REPLACE`), DROP (`IF EXISTS`), RENAME TABLE (never idempotent), and in ALTER:
 * ADD COLUMN/INDEX/PROJECTION/CONSTRAINT (`IF NOT EXISTS`), DROP and RENAME of them (`IF EXISTS`).
 * INSERT and other statements are not checked: the docs say what re-running them means.
 */
export function idempotencyProblem(statement: string): string | undefined {
  const tokens = tokenize(statement);
  const first = tokens[0];
  if (isKeyword(first, 'CREATE')) {
    if (isKeyword(tokens[1], 'OR') && isKeyword(tokens[2], 'REPLACE')) return undefined;
    return hasGuard(tokens, 1, true) ? undefined : 'CREATE without IF NOT EXISTS (or OR REPLACE)';
  }
  if (isKeyword(first, 'DROP')) return hasGuard(tokens, 1, false) ? undefined : 'DROP without IF EXISTS';
  if (isKeyword(first, 'RENAME')) return 'RENAME is not idempotent (the second run finds no source); create the new table and copy instead';
  if (isKeyword(first, 'ALTER')) {
    for (let i = 1; i < tokens.length - 1; i += 1) {
      const next = tokens[i + 1];
      if (isKeyword(tokens[i], 'ADD') && isKeyword(next, ...ALTER_ADDS) && !hasGuard(tokens, i + 2, true, 3)) {
        return `ALTER ... ADD ${next?.text.toUpperCase() ?? ''} without IF NOT EXISTS`;
      }
      if (isKeyword(tokens[i], 'DROP', 'RENAME', 'CLEAR') && isKeyword(next, ...ALTER_ADDS) && !hasGuard(tokens, i + 2, false, 2)) {
        return `ALTER ... ${tokens[i]?.text.toUpperCase() ?? ''} ${next?.text.toUpperCase() ?? ''} without IF EXISTS`;
      }
    }
  }
  return undefined;
}
