// Business outcomes: what a response decided, not how it was spelled. A route declares named
// outcomes (a price, a score, a decision, a list of recommended ids) as JSONPaths into its JSON
// answer; the joiner stores the extracted values for both sides and the analysis compares their
// distributions in SQL (mean, quantiles, flip rate, list overlap). This module only validates the
// declarations and extracts typed values; it never throws on a response.

import { CompareError } from '../errors.js';
import { compilePath, selectValues, type CompiledPath } from '../json/json-path.js';

export const OUTCOME_TYPES = ['number', 'string', 'string[]'] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

/** A declared outcome, as written in configuration. */
export interface OutcomeSpec {
  /** Name the outcome is stored under, e.g. `price`; letters, digits, `_`, `.`, `-`. */
  readonly name: string;
  /** JSONPath into the response body, e.g. `$.price`, `$.decision`, `$.items[*].id`. */
  readonly path: string;
  /**
   * `number`: a JSON number (or a numeric string like "12.50"); `string`: a string, number or
   * boolean as text; `string[]`: every selected scalar as text (a selected array is flattened).
   */
  readonly type: OutcomeType;
}

export interface CompiledOutcome {
  readonly name: string;
  readonly type: OutcomeType;
  readonly path: CompiledPath;
}

export const OUTCOME_ERRORS = ['not_json', 'missing', 'null', 'type_mismatch'] as const;
/** Why an outcome has no value: body not JSON, path selects nothing, value null, wrong JSON type. */
export type OutcomeError = (typeof OUTCOME_ERRORS)[number];

export interface OutcomeValue {
  readonly name: string;
  readonly type: OutcomeType;
  /** number for `number`, string for `string`, string[] for `string[]`; null with `error` set. */
  readonly value: number | string | string[] | null;
  readonly error: OutcomeError | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NUMERIC_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Validates declarations once (at start-up); the error names the field, e.g. `outcomes[1].path`. */
export function compileOutcomeSpecs(specs: readonly OutcomeSpec[], field = 'outcomes'): CompiledOutcome[] {
  if (!Array.isArray(specs)) {
    throw new CompareError('COMPARE_INVALID_OUTCOME', `${field}: expected an array of { name, path, type }`, { field });
  }
  const seen = new Set<string>();
  return specs.map((spec, i) => {
    const f = `${field}[${i}]`;
    if (spec === null || typeof spec !== 'object') {
      throw new CompareError('COMPARE_INVALID_OUTCOME', `${f}: expected { name, path, type }`, { field: f });
    }
    if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
      throw new CompareError('COMPARE_INVALID_OUTCOME', `${f}.name: expected a name of letters, digits, "_", ".", "-", got ${JSON.stringify(spec.name)}`, {
        field: `${f}.name`,
      });
    }
    if (seen.has(spec.name)) {
      throw new CompareError('COMPARE_INVALID_OUTCOME', `${f}.name: duplicate outcome name ${JSON.stringify(spec.name)}`, { field: `${f}.name` });
    }
    seen.add(spec.name);
    if (!(OUTCOME_TYPES as readonly string[]).includes(spec.type)) {
      throw new CompareError('COMPARE_INVALID_OUTCOME', `${f}.type: expected one of ${OUTCOME_TYPES.join(', ')}, got ${JSON.stringify(spec.type)}`, {
        field: `${f}.type`,
      });
    }
    let path: CompiledPath;
    try {
      path = compilePath(spec.path, `${f}.path`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CompareError('COMPARE_INVALID_OUTCOME', message, { field: `${f}.path`, cause: error });
    }
    return { name: spec.name, type: spec.type, path };
  });
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && NUMERIC_TEXT.test(v.trim())) return Number(v.trim());
  return null;
}

function asText(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return null;
  }
}

/**
 * Extracts each declared outcome from a parsed JSON body (`undefined` when the body was not JSON).
 * A scalar type takes the first selected value. Accepts raw specs (validated on each call) or
 * compiled ones (from compileOutcomeSpecs, the cheap way for the hot path).
 */
export function extractOutcomes(specs: readonly (OutcomeSpec | CompiledOutcome)[], parsedBody: unknown): OutcomeValue[] {
  const compiled = specs.map((s, i) => (typeof s.path === 'string' ? compileOutcomeSpecs([s as OutcomeSpec], `outcomes[${i}]`)[0]! : (s as CompiledOutcome)));
  return compiled.map((o) => extractOne(o, parsedBody));
}

function fail(o: CompiledOutcome, error: OutcomeError): OutcomeValue {
  return { name: o.name, type: o.type, value: null, error };
}

function extractOne(o: CompiledOutcome, body: unknown): OutcomeValue {
  if (body === undefined) return fail(o, 'not_json');
  const selected = selectValues(o.path, body);
  if (selected.length === 0) return fail(o, 'missing');
  if (o.type === 'string[]') {
    const flat = selected.length === 1 && Array.isArray(selected[0]) ? (selected[0] as unknown[]) : selected;
    const out: string[] = [];
    for (const v of flat) {
      if (v === null) continue;
      const t = asText(v);
      if (t === null) return fail(o, 'type_mismatch');
      out.push(t);
    }
    return { name: o.name, type: o.type, value: out, error: null };
  }
  const first = selected[0];
  if (first === null) return fail(o, 'null');
  const value = o.type === 'number' ? asNumber(first) : asText(first);
  if (value === null) return fail(o, 'type_mismatch');
  return { name: o.name, type: o.type, value, error: null };
}
