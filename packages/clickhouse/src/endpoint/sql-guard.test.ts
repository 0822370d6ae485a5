import { describe, expect, it } from 'vitest';
import { checkReadOnlyQuery, formatClauseOf } from './sql-guard.js';
import { tokenize } from './sql-tokenizer.js';

const refusedWith = (sql: string) => {
  const verdict = checkReadOnlyQuery(sql);
  return verdict.ok ? 'passed' : verdict.error.type;
};

describe('checkReadOnlyQuery', () => {
  it.each([
    'SELECT 1',
    'select count() from pairs where route = {route:String}',
    'WITH t AS (SELECT 1 AS n) SELECT n FROM t',
    '(SELECT 1) UNION ALL (SELECT 2)',
    'SHOW TABLES',
    'DESCRIBE TABLE pairs',
    'DESC pairs',
    'EXPLAIN SELECT 1',
    'EXISTS TABLE pairs',
    'SELECT 1;',
    'SELECT 1;  -- trailing comment',
    "SELECT * FROM numbers(10) WHERE toString(number) != 'file(x)'",
    'SELECT URLHierarchy(url) FROM hits',
    'SELECT 1 SETTINGS max_threads = 2',
    'SELECT * FROM format(JSONEachRow, \'{"a":1}\')',
  ])('lets %s through', (sql) => {
    expect(refusedWith(sql)).toBe('passed');
  });

  it.each([
    ['INSERT INTO t VALUES (1)', 'READONLY'],
    ['insert into t select 1', 'READONLY'],
    ['ALTER TABLE t DROP COLUMN c', 'READONLY'],
    ['DROP TABLE t', 'READONLY'],
    ['CREATE TABLE t (n UInt8) ENGINE = Memory', 'READONLY'],
    ['SYSTEM SHUTDOWN', 'READONLY'],
    ['SET readonly = 0', 'READONLY'],
    ['KILL QUERY WHERE 1', 'READONLY'],
    ['OPTIMIZE TABLE t', 'READONLY'],
    ['TRUNCATE t', 'READONLY'],
    ['RENAME TABLE a TO b', 'READONLY'],
    ['GRANT ALL ON *.* TO x', 'READONLY'],
    ['/* SELECT */ DELETE FROM t WHERE 1', 'READONLY'],
    ['-- SELECT\nDROP TABLE t', 'READONLY'],
    ['# SELECT\nDROP TABLE t', 'READONLY'],
    ['SELECT 1; SELECT 2', 'SYNTAX_ERROR'],
    ['SELECT 1;;', 'SYNTAX_ERROR'],
    ["SELECT ';' ; DROP TABLE t", 'SYNTAX_ERROR'],
    ['SELECT 1 /* nested /* */ ; DROP TABLE t */', 'SYNTAX_ERROR'],
    ["SELECT 'unterminated", 'SYNTAX_ERROR'],
    ['SELECT 1 /* unterminated', 'SYNTAX_ERROR'],
    ['', 'SYNTAX_ERROR'],
    ['  -- only a comment', 'SYNTAX_ERROR'],
  ])('refuses %j with %s', (sql, type) => {
    expect(refusedWith(sql)).toBe(type);
  });

  it('answers with ClickHouse codes: READONLY 164, SYNTAX_ERROR 62', () => {
    const codes = ['DROP TABLE t', 'SELECT 1; SELECT 2'].map((sql) => {
      const verdict = checkReadOnlyQuery(sql);
      return verdict.ok ? 0 : verdict.error.code;
    });
    expect(codes).toEqual([164, 62]);
  });

  it('returns the statement without the trailing semicolon and names the FORMAT clause', () => {
    expect(checkReadOnlyQuery('  SELECT 1 FORMAT JSONEachRow ; ')).toEqual({ ok: true, statement: 'SELECT 1 FORMAT JSONEachRow', format: 'JSONEachRow' });
    expect(checkReadOnlyQuery('SELECT 1 AS `x;y`')).toMatchObject({ ok: true, statement: 'SELECT 1 AS `x;y`', format: undefined });
  });
});

describe('tokenize', () => {
  it('keeps strings, quoted identifiers and heredocs whole and drops comments', () => {
    const tokens = tokenize("SELECT 'a''b\\'c', `we``ird`, \"q\", $t$x;y$t$, 1e-5 -- c\n/* d */ # e\nFROM t");
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['string', "'a''b\\'c'"],
      ['punctuation', ','],
      ['quoted-identifier', 'we`ird'],
      ['punctuation', ','],
      ['quoted-identifier', 'q'],
      ['punctuation', ','],
      ['string', '$t$x;y$t$'],
      ['punctuation', ','],
      ['number', '1e-5'],
      ['word', 'FROM'],
      ['word', 't'],
    ]);
  });

  it('tells the FORMAT clause from the format() table function', () => {
    expect(formatClauseOf(tokenize("SELECT * FROM format(CSV, '1') FORMAT JSON"))).toBe('JSON');
    expect(formatClauseOf(tokenize("SELECT * FROM format(CSV, '1')"))).toBeUndefined();
  });
});
