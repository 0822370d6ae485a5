import { describe, expect, it } from 'vitest';
import { hasLongDigitRun, isJsonContentType, prepareBody } from './body.js';
import { hashBytes } from './hash.js';

const opts = { maxBodyBytes: 1024, sniffJson: true };
const b = (s: string) => Buffer.from(s, 'utf8');

describe('prepareBody', () => {
  it('classifies JSON, text, binary and empty bodies', () => {
    expect(prepareBody(b('{"a":1}'), 'application/json; charset=utf-8', false, opts)).toMatchObject({ kind: 'json', json: { a: 1 }, size: 7 });
    expect(prepareBody(b('hello'), 'text/plain', false, opts)).toMatchObject({ kind: 'text', text: 'hello' });
    expect(prepareBody(Buffer.from([0xff, 0xfe, 0x00, 0x80]), 'application/octet-stream', false, opts)).toMatchObject({ kind: 'binary', size: 4 });
    expect(prepareBody(Buffer.alloc(0), 'application/json', false, opts)).toMatchObject({ kind: 'empty', size: 0 });
  });

  it('classifies a JSON content type with a non-JSON body as invalid_json, never throwing', () => {
    const html = prepareBody(b('<html>oops</html>'), 'application/json', false, opts);
    expect(html).toMatchObject({ kind: 'invalid_json', text: '<html>oops</html>' });
    expect(html.error).toMatch(/JSON|Unexpected/);
    expect(prepareBody(Buffer.from([0x7b, 0xff]), 'application/problem+json', false, opts)).toMatchObject({
      kind: 'invalid_json',
      error: 'body is not valid UTF-8',
    });
  });

  it('sniffs JSON only without a content type', () => {
    expect(prepareBody(b(' [1,2]'), null, false, opts).kind).toBe('json');
    expect(prepareBody(b('[1,2]'), 'text/plain', false, opts).kind).toBe('text');
    expect(prepareBody(b('{not json'), null, false, opts).kind).toBe('text');
    expect(prepareBody(b('[1,2]'), null, false, { ...opts, sniffJson: false }).kind).toBe('text');
  });

  it('compares bodies over the size cap and truncated captures by hash only', () => {
    expect(prepareBody(Buffer.alloc(2048, 0x61), 'application/json', false, opts)).toMatchObject({ kind: 'too_large', size: 2048, json: undefined });
    expect(prepareBody(b('{"a":'), 'application/json', true, opts)).toMatchObject({ kind: 'truncated', json: undefined });
  });

  it('finds runs of 16 digits (big integers) in the bytes', () => {
    expect(hasLongDigitRun(b('{"id":1234567890123456}'))).toBe(true);
    expect(hasLongDigitRun(b('{"id":123456789012345,"x":1}'))).toBe(false);
    expect(prepareBody(b('{"id":12345678901234567891}'), 'application/json', false, opts).json).toEqual({ id: 12345678901234567891n });
  });

  it('decodes plain Uint8Arrays as well as Buffers', () => {
    const bytes = new Uint8Array(new TextEncoder().encode('xx{"a":"é"}')).subarray(2);
    expect(prepareBody(bytes, 'application/json', false, opts)).toMatchObject({ kind: 'json', json: { a: 'é' } });
  });

  it('knows JSON content types', () => {
    expect(isJsonContentType('application/vnd.api+json')).toBe(true);
    expect(isJsonContentType('Application/JSON;charset=UTF-8')).toBe(true);
    expect(isJsonContentType('text/html')).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});

describe('hashBytes', () => {
  it('is deterministic, 16 hex digits, and tells near bodies apart', () => {
    expect(hashBytes(b('abc'))).toMatch(/^[0-9a-f]{16}$/);
    expect(hashBytes(b('abc'))).toBe(hashBytes(b('abc')));
    // Pinned: ClickHouse rows written by one version must compare with the next.
    expect(hashBytes(b('abc'))).toBe('f1169a9bf482ed4c');
    expect(hashBytes(b('{"a":1}'))).toBe('af5c466d0d9b5658');
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(hashBytes(b(`{"id":${i}}`)));
    expect(seen.size).toBe(5000);
    expect(hashBytes(b('ab'))).not.toBe(hashBytes(b('ba')));
    expect(hashBytes(Buffer.from([0]))).not.toBe(hashBytes(Buffer.from([0, 0])));
  });
});
