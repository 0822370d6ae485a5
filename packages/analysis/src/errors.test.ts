import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_ERROR_CODES, AnalysisError, toAnalysisError } from './errors.js';

describe('AnalysisError', () => {
  it('carries code, fields, cause and retriable', () => {
    const cause = new Error('x');
    const e = new AnalysisError('ANALYSIS_INVALID_CRITERIA', 'bad', { cause, fields: ['criteria.version'] });
    expect(e).toMatchObject({ code: 'ANALYSIS_INVALID_CRITERIA', fields: ['criteria.version'], cause, retriable: false, name: 'AnalysisError' });
  });

  it('toAnalysisError passes AnalysisErrors through and wraps the rest, keeping retriable', () => {
    const e = new AnalysisError('ANALYSIS_UNKNOWN', 'u');
    expect(toAnalysisError(e)).toBe(e);
    const retriable = Object.assign(new Error('connection refused'), { retriable: true });
    expect(toAnalysisError(retriable, 'ANALYSIS_QUERY_FAILED')).toMatchObject({
      code: 'ANALYSIS_QUERY_FAILED',
      retriable: true,
      cause: retriable,
      message: 'connection refused',
    });
    expect(toAnalysisError('boom')).toMatchObject({ code: 'ANALYSIS_UNKNOWN', message: 'boom', retriable: false });
  });
});

describe('error codes', () => {
  const doc = readFileSync(new URL('../../../docs/gate.md', import.meta.url), 'utf8');

  it('are ANALYSIS_-prefixed and unique', () => {
    expect(new Set(ANALYSIS_ERROR_CODES).size).toBe(ANALYSIS_ERROR_CODES.length);
    for (const code of ANALYSIS_ERROR_CODES) expect(code).toMatch(/^ANALYSIS_[A-Z_]+$/);
  });

  it('are each documented in docs/gate.md, which names no other ANALYSIS_ code', () => {
    const documented = new Set(doc.match(/\bANALYSIS_[A-Z_]+\b/g));
    for (const code of ANALYSIS_ERROR_CODES) expect(documented, `${code} is not documented`).toContain(code);
    expect([...documented].filter((c) => !(ANALYSIS_ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
  });
});
