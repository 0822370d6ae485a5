import { describe, expect, it } from 'vitest';
import { contentTypeOf } from './http-protocol.js';

describe('contentTypeOf', () => {
  it.each([
    ['JSON', 'application/json; charset=UTF-8'],
    ['JSONStrings', 'application/json; charset=UTF-8'],
    ['JSONCompact', 'application/json; charset=UTF-8'],
    ['JSONEachRow', 'application/x-ndjson; charset=UTF-8'],
    ['JSONCompactEachRowWithNamesAndTypes', 'application/x-ndjson; charset=UTF-8'],
    ['TabSeparated', 'text/tab-separated-values; charset=UTF-8'],
    ['TSVWithNames', 'text/tab-separated-values; charset=UTF-8'],
    ['CSV', 'text/csv; charset=UTF-8; header=absent'],
    ['CSVWithNames', 'text/csv; charset=UTF-8; header=present'],
    ['Native', 'application/octet-stream'],
    ['RowBinaryWithNamesAndTypes', 'application/octet-stream'],
    ['Parquet', 'application/octet-stream'],
    ['Pretty', 'text/plain; charset=UTF-8'],
  ])('%s -> %s', (format, type) => {
    expect(contentTypeOf(format)).toBe(type);
  });
});
