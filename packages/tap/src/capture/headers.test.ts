import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestHeaderRecord, responseHeaderRecord } from './headers.js';

function response(): ServerResponse {
  return new ServerResponse(new IncomingMessage(new Socket()));
}

describe('header records', () => {
  it('keeps repeated request headers apart, lower-cases names, and is safe with a "__proto__" header', () => {
    const record = requestHeaderRecord(['Host', 'a', 'X-Tag', '1', 'x-tag', '2', '__proto__', 'p']);
    expect({ ...record }).toEqual({ host: ['a'], 'x-tag': ['1', '2'], ['__proto__']: ['p'] });
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('includes headers passed only to writeHead (not stored by Node)', () => {
    const res = response();
    expect({ ...responseHeaderRecord(res, { 'Content-Type': 'text/plain', 'X-Count': 3 }) }).toEqual({
      'content-type': ['text/plain'],
      'x-count': ['3'],
    });
  });

  it('merges stored headers with writeHead headers, the latter winning, in every form Node accepts', () => {
    const res = response();
    res.setHeader('x-a', '1');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    expect({ ...responseHeaderRecord(res, { 'X-A': '2' }) }).toEqual({ 'x-a': ['2'], 'set-cookie': ['a=1', 'b=2'] });
    expect({ ...responseHeaderRecord(res, ['x-b', '1', 'x-b', '2']) }).toMatchObject({ 'x-b': ['1', '2'] });
    expect({
      ...responseHeaderRecord(res, [
        ['Set-Cookie', 'c=3'],
        ['set-cookie', 'd=4'],
      ]),
    }).toMatchObject({ 'set-cookie': ['c=3', 'd=4'] });
  });
});
