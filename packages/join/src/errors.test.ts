import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOIN_ERROR_CODES, JoinError, toJoinError } from './errors.js';

describe('JoinError', () => {
  it('every code is documented in docs/joiner.md', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/joiner.md'), 'utf8');
    for (const code of JOIN_ERROR_CODES) expect(doc, code).toContain(`\`${code}\``);
  });

  it('converts foreign errors once, keeping the cause and a retriable flag', () => {
    const cause = Object.assign(new Error('socket hang up'), { retriable: true });
    const e = toJoinError(cause, 'JOIN_INSERT_FAILED');
    expect(e).toBeInstanceOf(JoinError);
    expect(e).toMatchObject({ code: 'JOIN_INSERT_FAILED', retriable: true, cause });
    expect(toJoinError(e)).toBe(e);
    expect(toJoinError('x').retriable).toBe(false);
  });
});
