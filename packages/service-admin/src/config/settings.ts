// The settings of a service, read off its zod schema: every leaf of the nested object sections is a
// setting with a path (`batch.maxRows`) and an environment variable derived from it
// (`JOINER_BATCH_MAX_ROWS`), unless the schema names another one once (`.meta({ env:
// 'KAFKA_BROKERS' })`, for the names operators already use). So a new setting is one schema line:
// its file key, its variable, its flag and its type (how a variable's text becomes a value) all
// come from that line, and nothing else lists them.
import { globalRegistry } from 'zod';
import type { ZodType } from 'zod';

declare module 'zod' {
  interface GlobalMeta {
    /** The setting's environment variable, when it is not the derived `<PREFIX>_<PATH>`. */
    env?: string;
    /** An object section's prefix for its settings' derived variables (`tap` -> `SHADOW_TAP`). */
    envPrefix?: string;
    /** The setting's command-line flag, when a command offers it (`--host`). */
    flag?: string;
    /** Never shown in an error (a password). */
    secret?: boolean;
  }
}

/** One setting of a service: a leaf of its schema. */
export interface Setting {
  /** `['batch', 'maxRows']` */
  readonly path: readonly string[];
  /** `batch.maxRows`: how the file and errors name it. */
  readonly key: string;
  /** `JOINER_BATCH_MAX_ROWS` */
  readonly env: string;
  /** `--batch-max-rows`, or the flag the schema names. */
  readonly flag: string;
  readonly secret: boolean;
  /** The field's schema (with its default/optional wrappers). */
  readonly schema: ZodType;
}

interface Def {
  type: string;
  innerType?: ZodType;
  in?: ZodType;
  shape?: Record<string, ZodType>;
  element?: ZodType;
  options?: readonly ZodType[];
  catchall?: ZodType;
  values?: readonly unknown[];
}

const defOf = (schema: ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that do not change what a value is made of. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'catch', 'readonly']);

/** The schema under its wrappers (a pipe's input side), and the metadata found on the way down. */
export function unwrap(schema: ZodType): { core: ZodType; def: Def; meta: Record<string, unknown> } {
  let meta: Record<string, unknown> = {};
  let current = schema;
  for (;;) {
    meta = { ...(globalRegistry.get(current) ?? {}), ...meta };
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else return { core: current, def, meta };
  }
}

/** An object whose every key is a setting (strict): a section. An open object (.loose()) is one setting, given as JSON. */
export function isSection(schema: ZodType): boolean {
  const { def } = unwrap(schema);
  return def.type === 'object' && def.catchall !== undefined && defOf(def.catchall).type === 'never';
}

/** The keys of the section at `path`, or undefined when there is no section there. */
export function sectionKeys(schema: ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let node = schema;
  for (const key of path) {
    const { def } = unwrap(node);
    if (def.type === 'object' && typeof key === 'string' && def.shape?.[key] !== undefined) node = def.shape[key];
    else if (def.type === 'array' && typeof key === 'number' && def.element !== undefined) node = def.element;
    else return undefined;
  }
  const { def } = unwrap(node);
  return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined;
}

/**
 * Whether the section at `path` may be left out (`.optional()`): the loader creates it only when
 * one of its settings is set, so an optional part (the joiner's `watch.alerts`) stays absent.
 */
export function isOptionalSection(schema: ZodType, path: readonly string[]): boolean {
  let node = schema;
  for (const key of path) {
    const { def } = unwrap(node);
    const child = def.type === 'object' ? def.shape?.[key] : undefined;
    if (child === undefined) return false;
    node = child;
  }
  return defOf(node).type === 'optional' && isSection(node);
}

const snake = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();
const kebab = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/**
 * Every setting of `schema`, with its variable: `meta.env`, else `<prefix>_<PATH IN SNAKE CASE>`
 * where the prefix is the nearest section's `envPrefix` (the root's is `envPrefix`). Throws when
 * two settings would read the same variable, or a section is not strict (a typo in a file must be
 * refused, not dropped): schema mistakes fail at the first start, in every test.
 */
export function settingsOf(schema: ZodType, envPrefix: string): readonly Setting[] {
  const out: Setting[] = [];
  const walk = (node: ZodType, path: string[], prefix: string, relative: string[]): void => {
    const { def, meta } = unwrap(node);
    if (def.type === 'object') {
      const where = path.join('.') || '(root)';
      if (def.catchall === undefined)
        throw new Error(`config schema: ${where} must be strict (a section: z.strictObject) or open (one setting given as JSON: .loose())`);
      if (path.length === 0 && !isSection(node)) throw new Error('config schema: the root must be strict (z.strictObject)');
    }
    if (isSection(node)) {
      const own = typeof meta.envPrefix === 'string' ? meta.envPrefix : undefined;
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        walk(child, [...path, key], own ?? prefix, own === undefined ? [...relative, key] : [key]);
      }
      return;
    }
    const key = path.join('.');
    out.push({
      path,
      key,
      env: typeof meta.env === 'string' ? meta.env : `${prefix}_${relative.map(snake).join('_')}`,
      flag: typeof meta.flag === 'string' ? meta.flag : `--${path.map(kebab).join('-')}`,
      secret: meta.secret === true,
      schema: node,
    });
  };
  walk(schema, [], envPrefix, []);
  const seen = new Map<string, string>();
  for (const s of out) {
    const other = seen.get(s.env);
    if (other !== undefined) throw new Error(`config schema: ${other} and ${s.key} both read ${s.env}`);
    seen.set(s.env, s.key);
  }
  return Object.freeze(out);
}

const NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const TRUE = /^(true|1|on)$/i;
const FALSE = /^(false|0|off)$/i;

/** Thrown by `fromText` for text that cannot be what the setting holds (JSON that does not parse). */
export class SettingTextError extends Error {}

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SettingTextError(`not JSON (${(error as Error).message})`);
  }
}

/**
 * A variable's text as the value the setting's schema takes: numbers and booleans (true/false,
 * 1/0, on/off) by their type, a list as JSON (`[...]`) or comma-separated, an object as
 * JSON. Text that is not of the type stays text, so the schema refuses it naming what was given.
 */
export function fromText(text: string, schema: ZodType): unknown {
  const { def } = unwrap(schema);
  switch (def.type) {
    case 'number':
    case 'int':
      return NUMBER.test(text) ? Number(text) : text;
    case 'boolean':
      return TRUE.test(text.trim()) ? true : FALSE.test(text.trim()) ? false : text;
    case 'array':
      if (text.trim().startsWith('[')) return json(text);
      return text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => (def.element === undefined ? p : fromText(p, def.element)));
    case 'object':
    case 'record':
    case 'tuple':
    case 'any':
    case 'unknown':
      return json(text);
    case 'null':
      return text === 'null' ? null : text;
    case 'literal':
      return (def.values ?? []).find((v) => String(v) === text) ?? text;
    case 'union': {
      let typed: unknown = text;
      for (const option of def.options ?? []) {
        let value: unknown;
        try {
          value = fromText(text, option);
        } catch {
          continue;
        }
        if (option.safeParse(value).success) return value;
        if (typed === text && typeof value !== 'string') typed = value;
      }
      return typed;
    }
    default:
      return text;
  }
}

/**
 * The settings a service's doc has no table row for (`| \`VARIABLE\` | \`file.key\` |`): a test
 * of each service calls it, so a setting is one schema line plus its doc line.
 */
export function undocumentedSettings(settings: readonly Setting[], markdown: string): string[] {
  return settings.filter((s) => !markdown.includes(`| \`${s.env}\` | \`${s.key}\` |`)).map((s) => `${s.env} (${s.key})`);
}
