import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isJudgeError, JUDGE_ERROR_CODES, JudgeError } from './errors.js';
import { JUDGE_FAILURE_KINDS, NOT_RUN_REASONS } from './judge/types.js';

const doc = readFileSync(new URL('../../../docs/judge.md', import.meta.url), 'utf8');

describe('errors', () => {
  it('docs/judge.md documents every error code', () => {
    const documented = JUDGE_ERROR_CODES.filter((code) => new RegExp(`^\\|\\s*\`${code}\``, 'm').test(doc));
    expect(documented).toEqual([...JUDGE_ERROR_CODES]);
  });

  it('docs/judge.md names every failure kind and not_run reason', () => {
    expect([...JUDGE_FAILURE_KINDS, ...NOT_RUN_REASONS].filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });

  it('carries code, problems and retriable false', () => {
    const e = new JudgeError('JUDGE_INVALID_CONFIG', 'bad', { problems: ['judges.a.url: x'] });
    expect(e).toMatchObject({ code: 'JUDGE_INVALID_CONFIG', problems: ['judges.a.url: x'], retriable: false, name: 'JudgeError' });
    expect(isJudgeError(e)).toBe(true);
    expect(isJudgeError(new Error('x'))).toBe(false);
  });
});
