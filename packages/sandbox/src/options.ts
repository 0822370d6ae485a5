/**
 * One options object for the sandbox. `resolveSandboxOptions` merges the defaults, validates every
 * field once and freezes the result, so a bad value fails at start-up with a message naming the
 * field and what it accepts, never on a challenger's first call. Validation does not stop at the
 * first bad field: every problem is collected (`validateSandboxOptions` returns them, for a service
 * that reports them with the rest of its configuration), so one start-up names them all.
 */
import type { SideEffect } from '@shadow/contracts';
import { describeValue, isPlainObject } from '@shadow/options';
import type { Logger } from '@shadow/options';
import { SandboxError } from './errors.js';
import { canonicalOriginPath } from './http/canonical-path.js';
import type { CompiledRule, SandboxRule } from './rules/rules.js';
import { compileRule, RULE_ACTIONS, splitHostPort } from './rules/rules.js';

/** The subset of a pino logger the sandbox uses; pino satisfies it. */
export type SandboxLogger = Logger;

export interface SandboxChallenger {
  /** The challenger id (SideEffect.origin). */
  id: string;
  /** Port of its HTTP proxy / dependency endpoint. @default 0 (any free port) */
  httpPort?: number | undefined;
  /** Port of its SMTP sink. @default 0 (any free port) */
  smtpPort?: number | undefined;
}

export interface SandboxDependency {
  /** The real dependency's base URL (`https://api.stripe.com`, `http://payments:8080/api`): where allowed reads go, and what live's recordings name. */
  url: string;
  /** Other `host[:port]` names of the same dependency in live's recordings or in proxy requests (an IP, a service alias). @default [] */
  aliases?: readonly string[] | undefined;
  /** SideEffect.dependencyKind of its calls (`payment`, `queue`, ...). @default 'http' */
  kind?: string | undefined;
}

export interface SandboxOptions {
  /** The challengers; each gets its own listener, so a call's origin is the port it arrived on. Required, at least one. */
  challengers: readonly (string | SandboxChallenger)[];
  /** Receives one SideEffect per attempted call and per captured e-mail. Must not throw (a throw is logged and counted). Required. */
  onSideEffect: (effect: SideEffect) => void;
  /** Named dependencies, for `dependencyUrl(name)` and for recognising proxy calls to them. A string is the URL. @default {} */
  dependencies?: Readonly<Record<string, SandboxDependency | string>> | undefined;
  /** Ordered rules; the first match decides. With none, the defaults apply (writes never forwarded, reads from recordings else forwarded). @default [] */
  rules?: readonly SandboxRule[] | undefined;
  /** When no rule matches, a read with no recording is forwarded to the real dependency (false: answered 503). @default true */
  forwardReads?: boolean | undefined;
  /** A challenger making more matching calls than live did gets live's last matching answer again (false: the ladder moves on to stub / 503). @default true */
  reuseExhausted?: boolean | undefined;
  /** Interface the listeners bind to. @default '127.0.0.1' */
  host?: string | undefined;
  /** Host name challengers reach the sandbox by, used in endpoint URLs. @default `host`, or 127.0.0.1 when `host` is a wildcard */
  advertisedHost?: string | undefined;
  /** Run an SMTP sink per challenger. @default true */
  smtp?: boolean | undefined;
  /** Replays held at once (in flight + in grace). The oldest settled goes first when full. @default 10000 */
  maxExchanges?: number | undefined;
  /** How long after `settle()` late calls are still attributed to the replay. @default 5000 */
  graceMs?: number | undefined;
  /** Bytes of each request / response / e-mail body copied into a SideEffect. @default 65536 */
  maxBodyBytes?: number | undefined;
  /** Largest request body forwarded to a dependency (buffered; larger ones are answered 503 and not forwarded). @default 16777216 */
  maxForwardBodyBytes?: number | undefined;
  /** Bound on a forwarded call's connect, headers and body waits. @default 30000 */
  forwardTimeoutMs?: number | undefined;
  /** Header names (any case) whose values are replaced by `[REDACTED]` in SideEffects. Replaces the default list. @default DEFAULT_SIDE_EFFECT_REDACTED_HEADERS */
  redactHeaders?: readonly string[] | undefined;
  /** @default a logger that discards everything */
  logger?: SandboxLogger | undefined;
}

export const DEFAULT_SIDE_EFFECT_REDACTED_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
]);

export interface ResolvedDependency {
  readonly name: string;
  readonly url: URL;
  readonly scheme: 'http' | 'https';
  /** Lower-case. */
  readonly host: string;
  readonly port: number;
  /** Base path without trailing slash ('' for the root). */
  readonly basePath: string;
  readonly aliases: readonly { readonly host: string; readonly port: number | null }[];
  readonly kind: string;
}

export interface ResolvedChallenger {
  readonly id: string;
  readonly httpPort: number;
  readonly smtpPort: number;
}

export interface ResolvedSandboxOptions {
  readonly challengers: readonly ResolvedChallenger[];
  readonly onSideEffect: (effect: SideEffect) => void;
  readonly dependencies: ReadonlyMap<string, ResolvedDependency>;
  readonly rules: readonly CompiledRule[];
  readonly forwardReads: boolean;
  readonly reuseExhausted: boolean;
  readonly host: string;
  readonly advertisedHost: string;
  readonly smtp: boolean;
  readonly maxExchanges: number;
  readonly graceMs: number;
  readonly maxBodyBytes: number;
  readonly maxForwardBodyBytes: number;
  readonly forwardTimeoutMs: number;
  /** Lower-case. */
  readonly redactHeaders: ReadonlySet<string>;
  readonly logger: SandboxLogger;
}

/** One bad field: `field` is its path inside the options (`rules[0].action`), `message` what is wrong. */
export interface SandboxOptionProblem {
  readonly field: string;
  readonly message: string;
}

const noop = (): void => {};
export const silentLogger: SandboxLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

const ID = /^[\x21-\x7e]{1,128}$/;
const DEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Collects problems; each check returns a usable value (the default) when the field is bad, so validation goes on. */
class Checker {
  readonly problems: SandboxOptionProblem[] = [];

  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  invalid(field: string, expected: string, got: unknown): void {
    this.add(field, `must be ${expected}, got ${describeValue(got)}`);
  }

  keys(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(field === '' ? key : `${field}.${key}`, `is not a known option (known: ${allowed.join(', ')})`);
    }
  }

  int(field: string, value: unknown, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.invalid(field, `an integer in [${min}, ${max}]`, value);
      return fallback;
    }
    return value;
  }

  bool(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.invalid(field, 'true or false', value);
      return fallback;
    }
    return value;
  }

  /** The string, or null (reported) when it is not a non-empty string. */
  nonEmpty(field: string, value: unknown): string | null {
    if (typeof value !== 'string' || value.trim() === '') {
      this.invalid(field, 'a non-empty string', value);
      return null;
    }
    return value;
  }
}

function resolveChallengers(c: Checker, value: unknown): ResolvedChallenger[] {
  if (!Array.isArray(value) || value.length === 0) {
    c.invalid('challengers', 'a non-empty array of ids or { id, httpPort?, smtpPort? }', value);
    return [];
  }
  const seen = new Set<string>();
  const out: ResolvedChallenger[] = [];
  value.forEach((entry: unknown, i) => {
    const field = `challengers[${i}]`;
    const object = typeof entry === 'string' ? { id: entry } : entry;
    if (!isPlainObject(object)) return c.invalid(field, 'an id or { id, httpPort?, smtpPort? }', entry);
    c.keys(field, object, ['id', 'httpPort', 'smtpPort']);
    const httpPort = c.int(`${field}.httpPort`, object.httpPort, 0, 0, 65535);
    const smtpPort = c.int(`${field}.smtpPort`, object.smtpPort, 0, 0, 65535);
    if (typeof object.id !== 'string' || !ID.test(object.id)) return c.invalid(`${field}.id`, '1-128 visible ASCII characters', object.id);
    if (seen.has(object.id)) return c.add(`${field}.id`, `"${object.id}" is listed twice`);
    seen.add(object.id);
    out.push(Object.freeze({ id: object.id, httpPort, smtpPort }));
  });
  return out;
}

function resolveAlias(c: Checker, field: string, value: unknown): { host: string; port: number | null } | null {
  const text = c.nonEmpty(field, value);
  if (text === null) return null;
  const split = splitHostPort(text);
  if (split.host === '' || /[/\s?#@]/.test(split.host)) {
    c.invalid(field, 'a host or host:port', value);
    return null;
  }
  return Object.freeze(split);
}

function resolveDependency(c: Checker, name: string, raw: unknown): ResolvedDependency | null {
  const field = `dependencies.${name}`;
  const object = typeof raw === 'string' ? { url: raw } : raw;
  if (!isPlainObject(object)) {
    c.invalid(field, 'a URL or { url, aliases?, kind? }', raw);
    return null;
  }
  c.keys(field, object, ['url', 'aliases', 'kind']);
  let aliases: { host: string; port: number | null }[] = [];
  if (object.aliases !== undefined && !Array.isArray(object.aliases)) c.invalid(`${field}.aliases`, 'an array of host or host:port', object.aliases);
  else aliases = ((object.aliases ?? []) as unknown[]).map((alias, i) => resolveAlias(c, `${field}.aliases[${i}]`, alias)).filter((a) => a !== null);
  const kind = object.kind === undefined ? 'http' : c.nonEmpty(`${field}.kind`, object.kind);
  const text = c.nonEmpty(`${field}.url`, object.url);
  if (text === null) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    c.invalid(`${field}.url`, 'an absolute http(s) URL', object.url);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    c.invalid(`${field}.url`, 'an http: or https: URL', object.url);
    return null;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    c.invalid(`${field}.url`, 'a base URL without query, fragment or credentials', object.url);
    return null;
  }
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  // The base path is prepended to canonical paths, so it must be canonical itself.
  const base = canonicalOriginPath(url.pathname, '');
  if (!base.ok) {
    c.invalid(`${field}.url`, `a URL whose path has one meaning (${base.reason})`, object.url);
    return null;
  }
  if (kind === null) return null;
  return Object.freeze({
    name,
    url,
    scheme,
    host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port),
    basePath: base.pathname.replace(/\/+$/, ''),
    aliases: Object.freeze(aliases),
    kind,
  });
}

/** The valid dependencies, and every declared name (so a rule naming a bad one is not reported twice). */
function resolveDependencies(c: Checker, value: unknown): { resolved: Map<string, ResolvedDependency>; declared: Set<string> } {
  const resolved = new Map<string, ResolvedDependency>();
  const declared = new Set<string>();
  if (value === undefined) return { resolved, declared };
  if (!isPlainObject(value)) {
    c.invalid('dependencies', 'an object of name -> URL or { url, aliases?, kind? }', value);
    return { resolved, declared };
  }
  for (const [name, raw] of Object.entries(value)) {
    declared.add(name);
    if (!DEP_NAME.test(name)) {
      c.invalid(`dependencies["${name}"]`, 'a name of letters, digits, ".", "_", "-" (1-64, starting with a letter or digit)', name);
      continue;
    }
    const dependency = resolveDependency(c, name, raw);
    if (dependency !== null) resolved.set(name, dependency);
  }
  return { resolved, declared };
}

const RULE_KEYS = ['name', 'host', 'dependency', 'path', 'methods', 'action', 'allowWrites', 'stub', 'tunnel'];

function validateStub(c: Checker, field: string, stub: unknown): boolean {
  const before = c.problems.length;
  if (!isPlainObject(stub)) {
    c.invalid(field, 'an object { status, headers?, body? }', stub);
    return false;
  }
  c.keys(field, stub, ['status', 'headers', 'body']);
  if (stub.status === undefined) c.invalid(`${field}.status`, 'an integer in [100, 599]', undefined);
  else c.int(`${field}.status`, stub.status, -1, 100, 599);
  if (stub.headers !== undefined) {
    if (!isPlainObject(stub.headers)) c.invalid(`${field}.headers`, 'an object of header name -> string or string[]', stub.headers);
    else {
      for (const [name, v] of Object.entries(stub.headers)) {
        const ok = HEADER_NAME.test(name) && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
        if (!ok) c.invalid(`${field}.headers.${name}`, 'a valid header name with a string or string[] value', v);
      }
    }
  }
  if (typeof stub.body === 'function' || typeof stub.body === 'symbol' || typeof stub.body === 'bigint')
    c.invalid(`${field}.body`, 'a string, bytes or a JSON value', stub.body);
  return c.problems.length === before;
}

/** The rule when it is valid; null (problems reported) otherwise. */
function validateRule(c: Checker, value: unknown, i: number, declared: ReadonlySet<string>): SandboxRule | null {
  const field = `rules[${i}]`;
  const before = c.problems.length;
  if (!isPlainObject(value)) {
    c.invalid(field, 'an object { action, host?, dependency?, path?, methods?, allowWrites?, stub?, tunnel? }', value);
    return null;
  }
  c.keys(field, value, RULE_KEYS);
  if (!(RULE_ACTIONS as readonly unknown[]).includes(value.action)) c.invalid(`${field}.action`, `one of ${RULE_ACTIONS.join(', ')}`, value.action);
  if (value.name !== undefined) c.nonEmpty(`${field}.name`, value.name);
  if (value.host !== undefined) {
    const host = c.nonEmpty(`${field}.host`, value.host);
    if (host !== null && /[/\s@#]/.test(host))
      c.invalid(`${field}.host`, 'a host glob, optionally with :port (e.g. "*.stripe.com", "payments:8080")', value.host);
  }
  if (value.dependency !== undefined) {
    const name = c.nonEmpty(`${field}.dependency`, value.dependency);
    if (name !== null && !declared.has(name))
      c.invalid(`${field}.dependency`, `a configured dependency (${[...declared].join(', ') || 'none configured'})`, value.dependency);
  }
  if (value.path !== undefined && !(value.path instanceof RegExp)) {
    const path = c.nonEmpty(`${field}.path`, value.path);
    if (path !== null && !path.startsWith('/') && !path.startsWith('*')) c.invalid(`${field}.path`, 'a glob starting with "/" or "*", or a RegExp', value.path);
  }
  if (value.methods !== undefined) {
    if (!Array.isArray(value.methods) || value.methods.length === 0) c.invalid(`${field}.methods`, 'a non-empty array of HTTP methods', value.methods);
    else {
      value.methods.forEach((m: unknown, j) => {
        if (typeof m !== 'string' || !METHOD.test(m)) c.invalid(`${field}.methods[${j}]`, 'an HTTP method token', m);
      });
    }
  }
  c.bool(`${field}.allowWrites`, value.allowWrites, false);
  c.bool(`${field}.tunnel`, value.tunnel, false);
  if (value.allowWrites === true && value.action !== 'forward' && (RULE_ACTIONS as readonly unknown[]).includes(value.action)) {
    c.add(`${field}.allowWrites`, `is only meaningful with action "forward", got action "${String(value.action)}"`);
  }
  if (value.stub !== undefined) validateStub(c, `${field}.stub`, value.stub);
  return c.problems.length === before ? (value as unknown as SandboxRule) : null;
}

function resolveLogger(c: Checker, value: unknown): SandboxLogger {
  if (value === undefined) return silentLogger;
  if (typeof value !== 'object' || value === null) {
    c.invalid('logger', 'an object with debug, info, warn, error', value);
    return silentLogger;
  }
  const logger = value as Record<string, unknown>;
  const before = c.problems.length;
  for (const level of ['debug', 'info', 'warn', 'error']) {
    if (typeof logger[level] !== 'function') c.invalid(`logger.${level}`, 'a function', logger[level]);
  }
  return c.problems.length === before ? (value as SandboxLogger) : silentLogger;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);
const OPTION_KEYS = [
  'challengers',
  'onSideEffect',
  'dependencies',
  'rules',
  'forwardReads',
  'reuseExhausted',
  'host',
  'advertisedHost',
  'smtp',
  'maxExchanges',
  'graceMs',
  'maxBodyBytes',
  'maxForwardBodyBytes',
  'forwardTimeoutMs',
  'redactHeaders',
  'logger',
];

function resolve(options: SandboxOptions): { problems: SandboxOptionProblem[]; resolved: ResolvedSandboxOptions | null } {
  const c = new Checker();
  if (!isPlainObject(options)) {
    c.invalid('options', 'an object', options);
    return { problems: c.problems, resolved: null };
  }
  c.keys('', options as unknown as Record<string, unknown>, OPTION_KEYS);
  const challengers = resolveChallengers(c, options.challengers);
  if (typeof options.onSideEffect !== 'function') c.invalid('onSideEffect', 'a function (effect: SideEffect) => void', options.onSideEffect);
  const { resolved: dependencies, declared } = resolveDependencies(c, options.dependencies);
  let rules: CompiledRule[] = [];
  if (options.rules !== undefined && !Array.isArray(options.rules)) c.invalid('rules', 'an array of rules', options.rules);
  else {
    rules = (options.rules ?? []).flatMap((rule, i) => {
      const valid = validateRule(c, rule, i, declared);
      return valid === null ? [] : [compileRule(valid, i)];
    });
  }
  const host = options.host === undefined ? '127.0.0.1' : (c.nonEmpty('host', options.host) ?? '127.0.0.1');
  const advertisedHost =
    options.advertisedHost === undefined ? (WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host) : (c.nonEmpty('advertisedHost', options.advertisedHost) ?? host);
  let redactHeaders: string[] = [...DEFAULT_SIDE_EFFECT_REDACTED_HEADERS];
  if (options.redactHeaders !== undefined && !Array.isArray(options.redactHeaders))
    c.invalid('redactHeaders', 'an array of header names', options.redactHeaders);
  else if (options.redactHeaders !== undefined) {
    redactHeaders = options.redactHeaders.flatMap((name: unknown, i) => {
      if (typeof name === 'string' && HEADER_NAME.test(name)) return [name.toLowerCase()];
      c.invalid(`redactHeaders[${i}]`, 'a header name', name);
      return [];
    });
  }
  const resolved: ResolvedSandboxOptions = Object.freeze({
    challengers: Object.freeze(challengers),
    onSideEffect: options.onSideEffect,
    dependencies,
    rules: Object.freeze(rules),
    forwardReads: c.bool('forwardReads', options.forwardReads, true),
    reuseExhausted: c.bool('reuseExhausted', options.reuseExhausted, true),
    host,
    advertisedHost,
    smtp: c.bool('smtp', options.smtp, true),
    maxExchanges: c.int('maxExchanges', options.maxExchanges, 10_000, 1, 10_000_000),
    graceMs: c.int('graceMs', options.graceMs, 5_000, 0, 3_600_000),
    maxBodyBytes: c.int('maxBodyBytes', options.maxBodyBytes, 65_536, 0, 64 * 1024 * 1024),
    maxForwardBodyBytes: c.int('maxForwardBodyBytes', options.maxForwardBodyBytes, 16 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    forwardTimeoutMs: c.int('forwardTimeoutMs', options.forwardTimeoutMs, 30_000, 1, 3_600_000),
    redactHeaders: new Set(redactHeaders),
    logger: resolveLogger(c, options.logger),
  });
  return { problems: c.problems, resolved: c.problems.length === 0 ? resolved : null };
}

/** Every problem of `options` (empty when they are valid), each with the field's path; never throws. */
export function validateSandboxOptions(options: SandboxOptions): readonly SandboxOptionProblem[] {
  return resolve(options).problems;
}

/** The validated, defaulted, frozen options; throws SANDBOX_INVALID_OPTION naming every bad field (`problems`). */
export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const { problems, resolved } = resolve(options);
  if (resolved === null || problems.length > 0) {
    throw new SandboxError('SANDBOX_INVALID_OPTION', problems.map((p) => `${p.field} ${p.message}`).join('; '), { problems });
  }
  return resolved;
}
