// The one way a service reads its configuration: one YAML (or JSON) file, environment variables over
// it, a command's own values (its flags) over both, validated once by the service's zod schema.
// Every bad field is reported at once, named as the operator set it: a variable as
// `JOINER_BATCH_MAX_ROWS (batch.maxRows)`, a flag as `--port (port)`, a file field by its full path
// (`sandbox.rules[0].action`), something missing as `challengers (JOINER_CHALLENGERS)`. A service
// that gets a ConfigError exits 2 with its message (runService, serve).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CodedError, describeJson, fieldPath, isPlainObject, valueAt } from '@shadow/options';
import { parse as parseYaml } from 'yaml';
import type { z, ZodType } from 'zod';
import type { Env } from '../command/command.js';
import { fromText, isOptionalSection, sectionKeys, settingsOf, SettingTextError } from './settings.js';
import type { Setting } from './settings.js';

/** Where a value came from: the file (by path, or by a variable's name used as its key), a variable, a command's value, a fallback. */
export type SettingSource =
  | { readonly kind: 'file'; readonly file: string; readonly name?: string; readonly included?: boolean }
  | { readonly kind: 'env'; readonly name: string; readonly text: string }
  | { readonly kind: 'value'; readonly label?: string }
  | { readonly kind: 'default'; readonly from: string };

export class ConfigError extends CodedError<'SERVICE_INVALID_CONFIG'> {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super('SERVICE_INVALID_CONFIG', `invalid ${service} configuration:\n  ${problems.join('\n  ')}`, { retriable: false });
  }
}

/** What `check` and `build` know of the input beyond the validated values. */
export interface ConfigContext {
  /** The directory relative paths are resolved from. */
  readonly cwd: string;
  /** The environment the settings were read from (a library's own check may read more of it). */
  readonly env: Env;
  /** The merged input, before validation. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Where the value at `key` (`batch.maxRows`) came from; undefined: nothing set it (the schema's default). */
  sourceOf(key: string): SettingSource | undefined;
  /** How an error names the field at `path`: `JOINER_BATCH_MAX_ROWS (batch.maxRows)`, `--port (port)`, `sandbox.rules[0]`. */
  nameOf(path: readonly PropertyKey[]): string;
  /** One problem line: the field's name, `message`, and what was given there. */
  problem(path: readonly PropertyKey[], message: string): string;
}

export interface ConfigDefinition<S extends ZodType, Out> {
  /** The service, in the error's first line: `invalid joiner configuration:`. */
  name: string;
  /** Prefix of derived variables: `JOINER` -> `batch.maxRows` is JOINER_BATCH_MAX_ROWS. */
  envPrefix: string;
  /** A strict zod object; `.meta({ env })` on a field keeps an established variable name. */
  schema: S;
  /** Variable naming the file. @default `${envPrefix}_CONFIG` */
  fileEnv?: string;
  /**
   * Sections that may come from a file of their own, by the setting naming it:
   * `{ challengersFile: 'challengers' }` reads `challengers:` from that file (relative to the config
   * file when set there). Setting both the section and its file is a problem.
   */
  includes?: Readonly<Record<string, string>>;
  /** Problems the schema cannot see (cross-field rules, a library's own validation); runs even when the schema failed (config undefined). */
  check?: (config: z.output<S> | undefined, context: ConfigContext) => readonly string[];
  /** The service's view of the validated values (default: them, frozen). */
  build?: (config: z.output<S>, context: ConfigContext) => Out;
}

export interface ConfigSpec<S extends ZodType = ZodType, Out = unknown> extends Readonly<Omit<ConfigDefinition<S, Out>, 'fileEnv'>> {
  readonly fileEnv: string;
  readonly settings: readonly Setting[];
}

/** A service's configuration: its schema, and the settings (file keys, variables) read off it once. */
export function defineConfig<S extends ZodType, Out = z.output<S>>(definition: ConfigDefinition<S, Out>): ConfigSpec<S, Out> {
  return Object.freeze({
    ...definition,
    fileEnv: definition.fileEnv ?? `${definition.envPrefix}_CONFIG`,
    settings: settingsOf(definition.schema, definition.envPrefix),
  });
}

export interface LoadConfigOptions {
  /** The YAML or JSON file. Undefined: the one the file variable names (`JOINER_CONFIG`), if any; '' none. */
  file?: string | undefined;
  /** How errors about the file itself name where it was given. @default the file variable, or `file` */
  fileLabel?: string | undefined;
  /** @default process.env */
  env?: Env | undefined;
  /** Relative paths (a section's own file, what `check` and `build` resolve) are from here. @default process.cwd() */
  cwd?: string | undefined;
  /** Values a command sets (its flags), over the file and the environment, by path. */
  values?: Readonly<Record<string, unknown>> | undefined;
  /** How errors name a value of `values`, by key: `{ 'kafka.brokers': '--brokers' }`. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Fills only what nothing else sets (the CLI's local stack), by path; `from` says where it came from. */
  defaults?: { readonly values: Readonly<Record<string, unknown>>; readonly from: string } | undefined;
}

export interface LoadedConfig<Out> {
  readonly config: Out;
  /** Where each value set by a file, a variable, a command or a fallback came from, by key. */
  sourceOf(key: string): SettingSource | undefined;
}

/** The file's top-level mapping, or the one problem that keeps it from being read. */
export function readConfigFile(path: string, label: string): { values: Record<string, unknown> } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `${label}: cannot read ${path} (${(error as Error).message})` };
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    parsed = parseYaml(text);
  } catch (error) {
    return { problem: `${label}: ${path} is neither valid YAML nor JSON (${(error as Error).message})` };
  }
  if (parsed === null || parsed === undefined) return { values: {} };
  if (!isPlainObject(parsed)) return { problem: `${label}: ${path} must hold a mapping at the top level` };
  return { values: parsed };
}

type Issue = z.core.$ZodIssue;

/**
 * A union's issues as those of the branch the value was meant for: the one whose type matched
 * (`{ id, baseUrl: "nope" }` against `id | challenger` reports `baseUrl`, not "Invalid input"). No
 * branch of the value's type (a literal or enum that does not match counts as none), or several:
 * the union's own message.
 */
function unionBranch(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || issue.errors.length === 0) return [issue];
  const typed = issue.errors.filter((branch) => !branch.some((i) => (i.code === 'invalid_type' || i.code === 'invalid_value') && i.path.length === 0));
  if (typed.length !== 1) return [issue];
  return (typed[0] as Issue[]).flatMap((i) => unionBranch({ ...i, path: [...issue.path, ...i.path] } as Issue));
}

const keyOf = (path: readonly PropertyKey[]): string => fieldPath('', path, '');

/** Reads, merges and validates; throws ConfigError naming every bad field. */
export function loadConfig<S extends ZodType, Out>(spec: ConfigSpec<S, Out>, options: LoadConfigOptions = {}): Out {
  return loadConfigDetailed(spec, options).config;
}

/** loadConfig, with where each value came from (a command says when it used its fallback). */
export function loadConfigDetailed<S extends ZodType, Out>(spec: ConfigSpec<S, Out>, options: LoadConfigOptions = {}): LoadedConfig<Out> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const input: Record<string, unknown> = {};
  const sources = new Map<string, SettingSource>();
  const problems: string[] = [];
  const settingByKey = new Map(spec.settings.map((s) => [s.key, s]));
  const settingByEnv = new Map(spec.settings.map((s) => [s.env, s]));

  /** Sets `value` at `path`, merging into objects; remembers the source of everything it set. */
  const set = (path: readonly string[], value: unknown, source: SettingSource): void => {
    let node = input;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = path.at(-1) as string;
    const record = (at: readonly string[], v: unknown): void => {
      const key = keyOf(at);
      for (const k of [...sources.keys()]) if (k.startsWith(`${key}.`) || k.startsWith(`${key}[`)) sources.delete(k);
      sources.set(key, source);
      if (isPlainObject(v)) for (const [k, inner] of Object.entries(v)) record([...at, k], inner);
    };
    if (isPlainObject(value) && isPlainObject(node[last])) {
      for (const [k, inner] of Object.entries(value)) set([...path, k], inner, source);
      return;
    }
    node[last] = isPlainObject(value) ? structuredClone(value) : value;
    record(path, value);
  };
  const setAll = (values: Readonly<Record<string, unknown>>, source: (key: string) => SettingSource): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined) set(key.split('.'), value, source(key));
    }
  };

  if (options.defaults !== undefined) {
    const from = options.defaults.from;
    setAll(options.defaults.values, () => ({ kind: 'default', from }));
  }
  const given = options.file ?? env[spec.fileEnv];
  const file = given === undefined || given === '' ? undefined : resolve(cwd, given);
  if (file !== undefined) {
    const read = readConfigFile(file, options.fileLabel ?? (options.file === undefined ? spec.fileEnv : 'file'));
    if ('problem' in read) throw new ConfigError(spec.name, [read.problem]);
    for (const [key, value] of Object.entries(read.values)) {
      // A setting's variable name as a top-level key (the joiner's and tap proxy's files were written so) is that setting.
      const named = settingByKey.has(key) ? undefined : settingByEnv.get(key);
      if (named === undefined) {
        set([key], value, { kind: 'file', file });
        continue;
      }
      try {
        set(named.path, typeof value === 'string' ? fromText(value, named.schema) : value, { kind: 'file', file, name: key });
      } catch (error) {
        if (!(error instanceof SettingTextError)) throw error;
        problems.push(`${key} (${named.key}): ${error.message}`);
      }
    }
  }
  for (const setting of spec.settings) {
    const text = env[setting.env];
    if (text === undefined || text === '') continue;
    try {
      set(setting.path, fromText(text, setting.schema), { kind: 'env', name: setting.env, text });
    } catch (error) {
      if (!(error instanceof SettingTextError)) throw error;
      problems.push(`${setting.env} (${setting.key}): ${error.message}`);
    }
  }
  if (options.values !== undefined) {
    const labels = options.labels ?? {};
    setAll(options.values, (key) => (labels[key] === undefined ? { kind: 'value' } : { kind: 'value', label: labels[key] }));
  }

  for (const [fileKey, section] of Object.entries(spec.includes ?? {})) {
    const path = input[fileKey];
    if (typeof path !== 'string' || path === '') continue;
    const source = sources.get(fileKey);
    const where = source?.kind === 'env' ? `${source.name} (${fileKey})` : fileKey;
    if (input[section] !== undefined) {
      problems.push(`${where}: set ${section} or ${fileKey}, not both`);
      continue;
    }
    const full = source?.kind === 'file' ? resolve(dirname(source.file), path) : resolve(cwd, path);
    const read = readConfigFile(full, where);
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const extra = Object.keys(read.values).filter((k) => k !== section);
    if (extra.length > 0) problems.push(`${where}: ${full} holds ${section}: only; unknown ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    if (read.values[section] === undefined) problems.push(`${where}: ${full} has no ${section}:`);
    else set([section], read.values[section], { kind: 'file', file: full, included: true });
  }

  /** The source of the nearest set ancestor of `path` (itself included), with that ancestor's key. */
  const nearest = (path: readonly PropertyKey[]): { key: string; source: SettingSource } | undefined => {
    for (let n = path.length; n > 0; n--) {
      const key = keyOf(path.slice(0, n));
      const source = sources.get(key);
      if (source !== undefined) return { key, source };
    }
    return undefined;
  };
  const setting = (key: string): Setting | undefined => {
    for (let k = key; k !== ''; k = k.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
      const found = settingByKey.get(k);
      if (found !== undefined) return found;
      if (!/[.[]/.test(k)) break;
    }
    return undefined;
  };
  const nameOf = (path: readonly PropertyKey[]): string => {
    const key = keyOf(path) || '(config)';
    const found = nearest(path);
    const source = found?.source;
    if (source?.kind === 'env') return `${source.name} (${key})`;
    if (source?.kind === 'file' && source.name !== undefined) return `${source.name} (${key})`;
    if (source?.kind === 'file' && source.included === true) return `${key} (in ${source.file})`;
    if (source?.kind === 'value' && source.label !== undefined) return `${source.label} (${key})`;
    if (source === undefined) {
      const s = setting(key);
      if (s !== undefined) return `${key} (${s.env})`;
    }
    return key;
  };
  const problem = (path: readonly PropertyKey[], message: string): string => {
    const found = nearest(path);
    const secret = setting(keyOf(path))?.secret === true;
    const value = valueAt(input, path);
    let got: string;
    if (found?.source.kind === 'env' && found.key === keyOf(path)) got = `, got ${secret ? '"***"' : JSON.stringify(found.source.text)}`;
    else if (value === undefined) got = ' (not set)';
    else got = `, got ${secret ? '"***"' : describeJson(value)}`;
    return `${nameOf(path)}: ${message}${got}`;
  };
  const context: ConfigContext = { cwd, env, input, sourceOf: (key) => sources.get(key), nameOf, problem };

  // Every section present, so a missing setting is named by its own path (`tap.service
  // (SHADOW_SERVICE)`), not by its section's; a section's settings have their own defaults. An
  // optional section nothing set stays absent.
  for (const s of spec.settings) {
    let node = input;
    for (const [i, key] of s.path.slice(0, -1).entries()) {
      if (node[key] === undefined) {
        if (isOptionalSection(spec.schema, s.path.slice(0, i + 1))) break;
        node[key] = {};
      }
      if (!isPlainObject(node[key])) break;
      node = node[key] as Record<string, unknown>;
    }
  }
  const result = spec.schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues.flatMap((i) => unionBranch(i))) {
      if (issue.code === 'unrecognized_keys') {
        const accepted = sectionKeys(spec.schema, issue.path);
        for (const key of issue.keys)
          problems.push(`${nameOf([...issue.path, key])}: unknown field${accepted === undefined ? '' : ` (accepted: ${accepted.join(', ')})`}`);
        continue;
      }
      const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
      problems.push(problem(issue.path, missing ? 'required' : issue.message));
    }
  }
  const data = result.success ? (result.data as z.output<S>) : undefined;
  problems.push(...(spec.check?.(data, context) ?? []));
  if (problems.length > 0 || data === undefined) throw new ConfigError(spec.name, problems);
  const config = spec.build === undefined ? (data as unknown as Out) : spec.build(data, context);
  return { config: Object.freeze(config) as Out, sourceOf: (key) => sources.get(key) };
}
