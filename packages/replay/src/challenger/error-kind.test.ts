import { describe, expect, it } from 'vitest';
import { errorKindOf } from './error-kind.js';
import { resolveChallengers } from './options.js';

const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('errorKindOf', () => {
  it('maps socket and parser failures to result error kinds', () => {
    expect(errorKindOf(err('ECONNREFUSED'), false)).toBe('connection_refused');
    expect(errorKindOf(err('UND_ERR_SOCKET', 'other side closed'), false)).toBe('connection_reset');
    expect(errorKindOf(Object.assign(new Error('wrapped'), { cause: err('ECONNRESET') }), false)).toBe('connection_reset');
    expect(errorKindOf(err('HPE_INVALID_CONSTANT'), false)).toBe('protocol_error');
    expect(errorKindOf(err('UND_ERR_HEADERS_TIMEOUT'), false)).toBe('timeout');
    expect(errorKindOf(err('ERR_TLS_CERT_ALTNAME_INVALID'), false)).toBe('tls');
    expect(errorKindOf(new Error('aborted'), true)).toBe('timeout');
    expect(errorKindOf(new Error('??'), false)).toBe('replay_error');
  });
});

describe('resolveChallengers', () => {
  it('names the bad field', () => {
    expect(() => resolveChallengers([{ id: 'a', baseUrl: 'ftp://x' }])).toThrow(/challengers\[0\]\.baseUrl/);
    expect(() => resolveChallengers([{ id: 'a', baseUrl: 'http://x', role: 'boss' }])).toThrow(/challengers\[0\]\.role must be one of candidate, secondary/);
    expect(() =>
      resolveChallengers([
        { id: 'a', baseUrl: 'http://x' },
        { id: 'a', baseUrl: 'http://y' },
      ]),
    ).toThrow(/challengers\[1\]\.id "a" is used twice/);
    expect(() => resolveChallengers([{ id: 'a', baseUrl: 'http://x', maxConcurrency: 0 }])).toThrow(/maxConcurrency/);
    expect(() => resolveChallengers([])).toThrow(/at least one/);
    expect(resolveChallengers([{ id: 'a', baseUrl: 'http://x' }])[0]?.role).toBe('candidate');
  });
});
