// Zod issues as one line per problem, each naming its field by full path (`rules[2].min: ...`) and
// the value it got, so a bad config fails at start-up with every mistake listed at once.
import { describeJson, fieldPath, valueAt } from '@shadow/options';
import { z } from 'zod';
import { WatchError } from '../errors.js';

/** A field's full path (`rules[2].min`); `(root)` for the config itself. */
export const fieldOf = (prefix: string, path: readonly PropertyKey[]): string => fieldPath(prefix, path);

function unwrap(t: z.ZodType): z.ZodType {
  let u = t;
  while (u instanceof z.ZodDefault || u instanceof z.ZodOptional || u instanceof z.ZodNullable) u = u.unwrap() as z.ZodType;
  return u;
}

/** The branch of a discriminated union the value picks (by its discriminator), else the union itself. */
function branch(schema: z.ZodType, value: unknown): z.ZodType {
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return schema;
  const key = (schema as unknown as { def: { discriminator: string } }).def.discriminator;
  const tag = (value as Record<string, unknown> | null)?.[key];
  for (const option of schema.options as readonly z.ZodType[]) {
    const u = unwrap(option);
    if (u instanceof z.ZodObject) {
      const lit = (u.shape as Record<string, z.ZodType>)[key];
      if (lit instanceof z.ZodLiteral && (lit.values as Set<unknown>).has(tag)) return u;
    }
  }
  return schema;
}

function acceptedKeys(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): string[] {
  let s: z.ZodType | undefined = schema;
  let v: unknown = root;
  for (const p of path) {
    if (s === undefined) return [];
    const u = branch(unwrap(s), v);
    if (u instanceof z.ZodObject) s = (u.shape as Record<string, z.ZodType>)[String(p)];
    else if (u instanceof z.ZodArray) s = u.element as z.ZodType;
    else if (u instanceof z.ZodRecord) s = u.valueType as z.ZodType;
    else return [];
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  }
  if (s === undefined) return [];
  const last = branch(unwrap(s), v);
  return last instanceof z.ZodObject ? Object.keys(last.shape) : [];
}

/** One line per zod issue: `field: message, got <value>`; unknown keys one line each with the accepted ones. */
export function issueLines(issues: readonly z.core.$ZodIssue[], prefix: string, root: unknown, schema?: z.ZodType): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = schema === undefined ? [] : acceptedKeys(schema, issue.path, root);
      for (const key of issue.keys)
        lines.push(`${fieldOf(prefix, [...issue.path, key])}: unknown field${known.length > 0 ? ` (accepted: ${known.join(', ')})` : ''}`);
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A discriminated union reports the branch's own issues; a plain one, the first branch's.
      lines.push(...issueLines(issue.errors[0] ?? [], fieldOf(prefix, issue.path), valueAt(root, issue.path), undefined));
      continue;
    }
    const got = valueAt(root, issue.path);
    lines.push(`${fieldOf(prefix, issue.path)}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${describeJson(got)}`}`);
  }
  return lines;
}

/** `schema.parse(input)` that throws WATCH_INVALID_CONFIG listing every problem by full path. */
export function parseConfig<T extends z.ZodType>(
  schema: T,
  input: unknown,
  prefix: string,
  what: string,
  extra?: (value: z.output<T>, problems: string[]) => void,
): z.output<T> {
  const result = schema.safeParse(input);
  const problems = result.success ? [] : issueLines(result.error.issues, prefix, input, schema);
  if (result.success && extra !== undefined) extra(result.data, problems);
  if (problems.length > 0 || !result.success) {
    throw new WatchError('WATCH_INVALID_CONFIG', `invalid ${what}:\n  ${problems.join('\n  ')}`, { problems });
  }
  return result.data;
}

export const httpUrl = z.string().refine((v) => {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && u.hash === '';
}, 'must be an http:// or https:// URL without credentials or fragment');

/** Deep-freezes plain objects and arrays (resolved options are frozen once validated). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
