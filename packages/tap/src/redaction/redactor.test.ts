import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACTED_HEADERS } from '../options.js';
import { jsonShape, Redactor } from './redactor.js';

const redactor = new Redactor({ headers: DEFAULT_REDACTED_HEADERS, jsonPaths: ['$.user.email', 'items[*].ssn'] });
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('Redactor.headers', () => {
  it('replaces every value of the default sensitive headers and keeps the rest', () => {
    const headers = {
      authorization: ['Bearer abc'],
      cookie: ['a=1', 'b=2'],
      'set-cookie': ['s=1; HttpOnly'],
      'proxy-authorization': ['Basic xyz'],
      accept: ['*/*'],
    };
    expect(redactor.headers(headers)).toEqual({
      authorization: ['[REDACTED]'],
      cookie: ['[REDACTED]', '[REDACTED]'],
      'set-cookie': ['[REDACTED]'],
      'proxy-authorization': ['[REDACTED]'],
      accept: ['*/*'],
    });
  });

  it('uses the configured list instead of the default', () => {
    const custom = new Redactor({ headers: ['x-api-key'], jsonPaths: [] });
    expect(custom.headers({ 'x-api-key': ['k'], authorization: ['a'] })).toEqual({ 'x-api-key': ['[REDACTED]'], authorization: ['a'] });
  });
});

describe('Redactor.body', () => {
  it('redacts configured paths in JSON bodies', () => {
    const out = redactor.body(json({ user: { email: 'a@b.c', id: 1 }, items: [{ ssn: '123' }] }), false, 'application/json; charset=utf-8', null);
    expect(JSON.parse(out.body.toString())).toEqual({ user: { email: '[REDACTED]', id: 1 }, items: [{ ssn: '[REDACTED]' }] });
    expect(out).toMatchObject({ truncated: false, withheld: false, replaced: 2 });
    expect(out.body.toString()).not.toContain('a@b.c');
  });

  it('keeps the exact bytes when nothing matched', () => {
    const body = Buffer.from('{ "other" :  1 }');
    expect(redactor.body(body, false, 'application/json', null).body).toBe(body);
  });

  it('leaves non-JSON bodies alone', () => {
    const body = Buffer.from('user.email=a@b.c');
    expect(redactor.body(body, false, 'application/x-www-form-urlencoded', null)).toEqual({ body, truncated: false, withheld: false, replaced: 0 });
  });

  it('withholds a truncated JSON body rather than risk leaking the paths', () => {
    const out = redactor.body(Buffer.from('{"user":{"email":"a@b'), true, 'application/json', null);
    expect(out).toEqual({ body: Buffer.alloc(0), truncated: true, withheld: true, replaced: 0 });
  });

  it('withholds malformed and content-encoded JSON bodies', () => {
    expect(redactor.body(Buffer.from('{"user":'), false, 'application/json', null).withheld).toBe(true);
    expect(redactor.body(json({ user: { email: 'x' } }), false, 'application/json', 'gzip').withheld).toBe(true);
    expect(redactor.body(json({ user: { email: 'x' } }), false, 'application/json', 'identity').withheld).toBe(false);
  });

  it('keeps truncated JSON bodies when no paths are configured', () => {
    const plain = new Redactor({ headers: [], jsonPaths: [] });
    const body = Buffer.from('{"user":{"em');
    expect(plain.body(body, true, 'application/json', null)).toEqual({ body, truncated: true, withheld: false, replaced: 0 });
  });

  it('redacts NDJSON line by line', () => {
    const body = Buffer.from(`${JSON.stringify({ user: { email: 'x@y' } })}\n${JSON.stringify({ ok: 1 })}\n`);
    const out = redactor.body(body, false, 'application/x-ndjson', null);
    expect(out.body.toString()).toBe('{"user":{"email":"[REDACTED]"}}\n{"ok":1}\n');
  });
});

describe('jsonShape', () => {
  it.each([
    ['application/json', 'document'],
    ['application/problem+json; charset=utf-8', 'document'],
    ['APPLICATION/JSON', 'document'],
    ['text/json', 'document'],
    ['application/x-ndjson', 'lines'],
    ['text/plain', null],
    [null, null],
  ] as const)('%s -> %s', (contentType, shape) => {
    expect(jsonShape(contentType)).toBe(shape);
  });
});
