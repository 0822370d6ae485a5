import { describe, expect, it } from 'vitest';
import { parseJsonPath, redactJsonPaths, type JsonPath } from './json-path.js';

function path(text: string): JsonPath {
  const parsed = parseJsonPath(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

function redact(document: unknown, ...paths: string[]): unknown {
  redactJsonPaths(document, paths.map(path), '[REDACTED]');
  return document;
}

describe('parseJsonPath', () => {
  it('accepts the documented forms, with or without $', () => {
    expect(path('$.user.email')).toEqual([
      { kind: 'key', key: 'user' },
      { kind: 'key', key: 'email' },
    ]);
    expect(path('card.number')).toEqual(path('$.card.number'));
    expect(path('items[*].ssn')).toEqual([{ kind: 'key', key: 'items' }, { kind: 'wildcard' }, { kind: 'key', key: 'ssn' }]);
    expect(path("$['odd.key'][2]")).toEqual([
      { kind: 'key', key: 'odd.key' },
      { kind: 'index', index: 2 },
    ]);
    expect(path('*.password')).toEqual([{ kind: 'wildcard' }, { kind: 'key', key: 'password' }]);
  });

  it.each(['', '$', 'a.', 'a..b', 'a[x]', 'a[1', "a['b]", '$x'])('rejects %j with a reason', (text) => {
    expect(typeof parseJsonPath(text)).toBe('string');
  });
});

describe('redactJsonPaths', () => {
  it('replaces nested fields, array elements and whole subtrees', () => {
    const doc = {
      user: { email: 'a@b.c', name: 'Ann' },
      card: { number: '4111', exp: '12/30' },
      items: [
        { ssn: '1', sku: 'x' },
        { ssn: '2', sku: 'y' },
      ],
      secret: { nested: { deep: true } },
    };
    expect(redact(doc, '$.user.email', 'card.number', 'items[*].ssn', 'secret')).toEqual({
      user: { email: '[REDACTED]', name: 'Ann' },
      card: { number: '[REDACTED]', exp: '12/30' },
      items: [
        { ssn: '[REDACTED]', sku: 'x' },
        { ssn: '[REDACTED]', sku: 'y' },
      ],
      secret: '[REDACTED]',
    });
  });

  it('traverses arrays implicitly so a path written without [*] does not leak', () => {
    expect(redact({ items: [{ ssn: '1' }, { ssn: '2' }] }, 'items.ssn')).toEqual({ items: [{ ssn: '[REDACTED]' }, { ssn: '[REDACTED]' }] });
    expect(redact([{ email: 'x' }, { email: 'y' }], '$.email')).toEqual([{ email: '[REDACTED]' }, { email: '[REDACTED]' }]);
  });

  it('handles indices and wildcards over objects', () => {
    expect(redact({ a: [1, 2, 3] }, 'a[1]')).toEqual({ a: [1, '[REDACTED]', 3] });
    expect(redact({ u1: { pw: 'x' }, u2: { pw: 'y' } }, '*.pw')).toEqual({ u1: { pw: '[REDACTED]' }, u2: { pw: '[REDACTED]' } });
  });

  it('leaves absent fields and nulls alone and counts replacements', () => {
    const doc = { user: { email: null } };
    expect(redactJsonPaths(doc, [path('user.email'), path('nope.x')], 'R')).toBe(0);
    expect(doc).toEqual({ user: { email: null } });
  });

  it('replaces an own "__proto__" key without touching the prototype', () => {
    const doc = JSON.parse('{"__proto__": {"token": "secret"}}') as object;
    expect(redactJsonPaths(doc, [path("$['__proto__']")], '[REDACTED]')).toBe(1);
    expect(JSON.stringify(doc)).toBe('{"__proto__":"[REDACTED]"}');
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
  });
});
