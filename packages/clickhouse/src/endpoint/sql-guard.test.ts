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
    "SELECT * FROM format(JSONEachRow, '{\"a\":1}')",
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
    ["SELECT * FROM file('/etc/passwd')", 'ACCESS_DENIED'],
    ["SELECT * FROM FILE ('/etc/passwd')", 'ACCESS_DENIED'],
    ["SELECT * FROM `file`('/etc/passwd')", 'ACCESS_DENIED'],
    ["SELECT * FROM \"url\"('http://x')", 'ACCESS_DENIED'],
    ["SELECT * FROM url('http://x', CSV)", 'ACCESS_DENIED'],
    ["SELECT * FROM s3('http://x')", 'ACCESS_DENIED'],
    ["SELECT * FROM s3Cluster('c', 'http://x')", 'ACCESS_DENIED'],
    ["SELECT * FROM hdfs('hdfs://x')", 'ACCESS_DENIED'],
    ["SELECT * FROM remote('h', db.t)", 'ACCESS_DENIED'],
    ["SELECT * FROM remoteSecure('h', db.t)", 'ACCESS_DENIED'],
    ["SELECT * FROM cluster('c', db.t)", 'ACCESS_DENIED'],
    ["SELECT * FROM mysql('h', 'db', 't', 'u', 'p')", 'ACCESS_DENIED'],
    ["SELECT * FROM postgresql('h', 'db', 't', 'u', 'p')", 'ACCESS_DENIED'],
    ["SELECT * FROM jdbc('x', 't')", 'ACCESS_DENIED'],
    ["SELECT * FROM odbc('x', 't')", 'ACCESS_DENIED'],
    ["SELECT * FROM azureBlobStorage('x')", 'ACCESS_DENIED'],
    ['SELECT * FROM input(\'a String\')', 'ACCESS_DENIED'],
    ["SELECT * FROM executable('x.sh', CSV, 'a String')", 'ACCESS_DENIED'],
    ["SELECT * FROM sqlite('x.db', 't')", 'ACCESS_DENIED'],
    ["SELECT * FROM mongodb('h', 'db', 'c', 'u', 'p', 'a String')", 'ACCESS_DENIED'],
    ["SELECT * FROM redis('h', 'k', 'k String')", 'ACCESS_DENIED'],
    ["SELECT * FROM gcs('x')", 'ACCESS_DENIED'],
    ["SELECT * FROM deltaLake('x')", 'ACCESS_DENIED'],
    ["SELECT * FROM icebergS3('x')", 'ACCESS_DENIED'],
    ["SELECT * FROM hudi('x')", 'ACCESS_DENIED'],
    ["SELECT * FROM dictionary('d')", 'ACCESS_DENIED'],
    ["WITH x AS (SELECT * FROM file('a')) SELECT * FROM x", 'ACCESS_DENIED'],
    ["SELECT $$ ' $$, * FROM file('x')", 'ACCESS_DENIED'],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 'ACCESS_DENIED'],
    ['SELECT 1 SETTINGS max_result_rows = 0', 'READONLY'],
    ['SELECT 1 SETTINGS readonly = 0', 'READONLY'],
    ['SELECT 1 SETTINGS MAX_EXECUTION_TIME=0', 'READONLY'],
  ])('refuses %j with %s', (sql, type) => {
    expect(refusedWith(sql)).toBe(type);
  });

  it('answers with ClickHouse codes: READONLY 164, SYNTAX_ERROR 62, ACCESS_DENIED 497', () => {
    const codes = ['DROP TABLE t', 'SELECT 1; SELECT 2', "SELECT * FROM file('x')"].map((sql) => {
      const verdict = checkReadOnlyQuery(sql);
      return verdict.ok ? 0 : verdict.error.code;
    });
    expect(codes).toEqual([164, 62, 497]);
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
