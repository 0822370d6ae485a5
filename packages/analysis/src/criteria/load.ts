// Reading a criteria file: YAML or JSON (JSON is valid YAML 1.2, so one parser reads both),
// validated against the zod schema. Every problem is reported at once, each naming its field as
// a path a reader can find in the file: criteria.routes["/users/:id"].agreement.min.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AnalysisError } from '../errors.js';
import { criteriaSchema, type Criteria } from './schema.js';

export interface LoadedCriteria {
  criteria: Criteria;
  /** sha256 of the file's bytes, hex: recorded with every gate run (the audit trail). */
  sha256: string;
  /** Where it came from (a path, or '<inline>'). */
  source: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['routes', '/users/:id', 'agreement', 'min'] -> criteria.routes["/users/:id"].agreement.min */
export function formatFieldPath(path: readonly PropertyKey[], root = 'criteria'): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: formatFieldPath([...issue.path, key]), message: 'unknown field (misspelt? see criteria.schema.json)' }));
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return [{ field: formatFieldPath(issue.path), message }];
}

/** Validates an already parsed value (e.g. from a JS config) as a criteria file. */
export function validateCriteria(value: unknown, source = '<inline>'): Criteria {
  const result = criteriaSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap(describeIssue);
  const lines = problems.map((p) => `${p.field}: ${p.message}`);
  throw new AnalysisError('ANALYSIS_INVALID_CRITERIA', `invalid criteria file ${source}:\n  ${lines.join('\n  ')}`, {
    fields: problems.map((p) => p.field),
    cause: result.error,
  });
}

/** Parses and validates criteria from the text of a YAML or JSON file. */
export function parseCriteria(text: string, source = '<inline>'): LoadedCriteria {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => e.message.split('\n')[0] ?? e.message);
    throw new AnalysisError('ANALYSIS_INVALID_CRITERIA', `criteria file ${source} is not valid YAML or JSON:\n  ${lines.join('\n  ')}`, {
      cause: doc.errors[0],
      fields: ['criteria'],
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) {
    throw new AnalysisError('ANALYSIS_INVALID_CRITERIA', `criteria file ${source} is empty: it needs at least "version: 1"`, { fields: ['criteria.version'] });
  }
  return { criteria: validateCriteria(value, source), sha256, source };
}

/** Reads, parses and validates a criteria file. */
export async function loadCriteriaFile(path: string): Promise<LoadedCriteria> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not readable (permission denied)' : 'could not be read';
    throw new AnalysisError('ANALYSIS_CRITERIA_UNREADABLE', `criteria file ${path} ${why}; pass the path of a YAML or JSON criteria file (see docs/gate.md)`, {
      cause: error,
    });
  }
  return parseCriteria(text, path);
}
