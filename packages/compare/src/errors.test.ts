import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPARE_ERROR_CODES, CompareError, toCompareError } from './errors.js';

describe('errors', () => {
  it('docs/compare.md documents every error code', () => {
    const doc = readFileSync(new URL('../../../docs/compare.md', import.meta.url), 'utf8');
    const documented = COMPARE_ERROR_CODES.filter((code) => new RegExp(`^\\|\\s*\`${code}\``, 'm').test(doc));
    expect(documented).toEqual([...COMPARE_ERROR_CODES]);
  });

  it('carries code, field, retriable and cause', () => {
    const cause = new Error('x');
    const e = new CompareError('COMPARE_INVALID_CONFIG', 'rules[0].route: bad', { field: 'rules[0].route', cause });
    expect(e).toMatchObject({ code: 'COMPARE_INVALID_CONFIG', field: 'rules[0].route', retriable: false, cause });
  });

  it('converts foreign errors and passes its own through', () => {
    const own = new CompareError('COMPARE_INVALID_INPUT', 'x');
    expect(toCompareError(own)).toBe(own);
    expect(toCompareError(new TypeError('boom'), 'COMPARE_INVALID_CONFIG')).toMatchObject({
      code: 'COMPARE_INVALID_CONFIG',
      message: 'boom',
      retriable: false,
    });
  });
});
