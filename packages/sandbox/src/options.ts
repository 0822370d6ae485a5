/**
 * One options object for the sandbox. `resolveSandboxOptions` merges the defaults, validates every
 * field once and freezes the result, so a bad value fails at start-up with a message naming the
 * field and what it accepts, never on a challenger's first call.
 */
import type { SideEffect } from '@shadow/contracts';
import { SandboxError } from './errors.js';
import { canonicalOriginPath } from './http/canonical-path.js';
import type { CompiledRule, SandboxRule } from './rules/rules.js';
import { compileRule, RULE_ACTIONS, splitHostPort } from './rules/rules.js';

/** The subset of a pino logger the sandbox uses; pino satisfies it. */
export interface SandboxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

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
  /** Header names (any case) whose values are replaced by `[REDACTED]` in SideEffects. Replaces the default list. @default DEFAULT_REDACTED_HEADERS */
  redactHeaders?: readonly string[] | undefined;
  /** @default a logger that discards everything */
  logger?: SandboxLogger | undefined;
}

export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze([
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

const noop = (): void => {};
export const silentLogger: SandboxLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

const ID = /^[\x21-\x7e]{1,128}$/;
const DEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  return String(value);
}

function invalid(field: string, expected: string, got: unknown): SandboxError {
  return new SandboxError('SANDBOX_INVALID_OPTION', `${field} must be ${expected}, got ${describe(got)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp);
}

function checkKeys(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const at = field === '' ? key : `${field}.${key}`;
      throw new SandboxError('SANDBOX_INVALID_OPTION', `${at} is not a known option (known: ${allowed.join(', ')})`);
    }
  }
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, 'true or false', value);
  return value;
}

function nonEmpty(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'a non-empty string', value);
  return value;
}

function resolveChallengers(value: unknown): ResolvedChallenger[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('challengers', 'a non-empty array of ids or { id, httpPort?, smtpPort? }', value);
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    const field = `challengers[${i}]`;
    const object = typeof entry === 'string' ? { id: entry } : entry;
    if (!isPlainObject(object)) throw invalid(field, 'an id or { id, httpPort?, smtpPort? }', entry);
    checkKeys(field, object, ['id', 'httpPort', 'smtpPort']);
    if (typeof object.id !== 'string' || !ID.test(object.id)) throw invalid(`${field}.id`, '1-128 visible ASCII characters', object.id);
    if (seen.has(object.id)) throw new SandboxError('SANDBOX_INVALID_OPTION', `${field}.id "${object.id}" is listed twice`);
    seen.add(object.id);
    return Object.freeze({
      id: object.id,
      httpPort: int(`${field}.httpPort`, object.httpPort, 0, 0, 65535),
      smtpPort: int(`${field}.smtpPort`, object.smtpPort, 0, 0, 65535),
    });
  });
}

function resolveAlias(field: string, value: unknown): { host: string; port: number | null } {
  const text = nonEmpty(field, value);
  const split = splitHostPort(text);
  if (split.host === '' || /[/\s?#@]/.test(split.host)) throw invalid(field, 'a host or host:port', value);
  return Object.freeze(split);
}

function resolveDependencies(value: unknown): Map<string, ResolvedDependency> {
  const result = new Map<string, ResolvedDependency>();
  if (value === undefined) return result;
  if (!isPlainObject(value)) throw invalid('dependencies', 'an object of name -> URL or { url, aliases?, kind? }', value);
  for (const [name, raw] of Object.entries(value)) {
    const field = `dependencies.${name}`;
    if (!DEP_NAME.test(name)) throw invalid(`dependencies["${name}"]`, 'a name of letters, digits, ".", "_", "-" (1-64, starting with a letter or digit)', name);
    const object = typeof raw === 'string' ? { url: raw } : raw;
    if (!isPlainObject(object)) throw invalid(field, 'a URL or { url, aliases?, kind? }', raw);
    checkKeys(field, object, ['url', 'aliases', 'kind']);
    let url: URL;
    try {
      url = new URL(nonEmpty(`${field}.url`, object.url));
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw invalid(`${field}.url`, 'an absolute http(s) URL', object.url);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`${field}.url`, 'an http: or https: URL', object.url);
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw invalid(`${field}.url`, 'a base URL without query, fragment or credentials', object.url);
    }
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    // The base path is prepended to canonical paths, so it must be canonical itself.
    const base = canonicalOriginPath(url.pathname, '');
    if (!base.ok) throw invalid(`${field}.url`, `a URL whose path has one meaning (${base.reason})`, object.url);
    if (object.aliases !== undefined && !Array.isArray(object.aliases)) throw invalid(`${field}.aliases`, 'an array of host or host:port', object.aliases);
    const aliases = ((object.aliases ?? []) as unknown[]).map((alias, i) => resolveAlias(`${field}.aliases[${i}]`, alias));
    const kind = object.kind === undefined ? 'http' : nonEmpty(`${field}.kind`, object.kind);
    result.set(name, Object.freeze({
      name,
      url,
      scheme,
      host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
      port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port),
      basePath: base.pathname.replace(/\/+$/, ''),
      aliases: Object.freeze(aliases),
      kind,
    }));
  }
  return result;
}

const RULE_KEYS = ['name', 'host', 'dependency', 'path', 'methods', 'action', 'allowWrites', 'stub', 'tunnel'];

function validateRule(value: unknown, i: number, dependencies: ReadonlyMap<string, ResolvedDependency>): SandboxRule {
  const field = `rules[${i}]`;
  if (!isPlainObject(value)) throw invalid(field, 'an object { action, host?, dependency?, path?, methods?, allowWrites?, stub?, tunnel? }', value);
  checkKeys(field, value, RULE_KEYS);
  if (!(RULE_ACTIONS as readonly unknown[]).includes(value.action)) throw invalid(`${field}.action`, `one of ${RULE_ACTIONS.join(', ')}`, value.action);
  if (value.name !== undefined) nonEmpty(`${field}.name`, value.name);
  if (value.host !== undefined) {
    const host = nonEmpty(`${field}.host`, value.host);
    if (/[/\s@#]/.test(host)) throw invalid(`${field}.host`, 'a host glob, optionally with :port (e.g. "*.stripe.com", "payments:8080")', value.host);
  }
  if (value.dependency !== undefined && !dependencies.has(nonEmpty(`${field}.dependency`, value.dependency))) {
    throw invalid(`${field}.dependency`, `a configured dependency (${[...dependencies.keys()].join(', ') || 'none configured'})`, value.dependency);
  }
  if (value.path !== undefined && !(value.path instanceof RegExp)) {
    const path = nonEmpty(`${field}.path`, value.path);
    if (!path.startsWith('/') && !path.startsWith('*')) throw invalid(`${field}.path`, 'a glob starting with "/" or "*", or a RegExp', value.path);
  }
  if (value.methods !== undefined) {
    if (!Array.isArray(value.methods) || value.methods.length === 0) throw invalid(`${field}.methods`, 'a non-empty array of HTTP methods', value.methods);
    value.methods.forEach((m: unknown, j) => {
      if (typeof m !== 'string' || !METHOD.test(m)) throw invalid(`${field}.methods[${j}]`, 'an HTTP method token', m);
    });
  }
  bool(`${field}.allowWrites`, value.allowWrites, false);
  bool(`${field}.tunnel`, value.tunnel, false);
  if (value.allowWrites === true && value.action !== 'forward') {
    throw new SandboxError('SANDBOX_INVALID_OPTION', `${field}.allowWrites is only meaningful with action "forward", got action "${String(value.action)}"`);
  }
  if (value.stub !== undefined) {
    const stub = value.stub;
    if (!isPlainObject(stub)) throw invalid(`${field}.stub`, 'an object { status, headers?, body? }', stub);
    checkKeys(`${field}.stub`, stub, ['status', 'headers', 'body']);
    int(`${field}.stub.status`, stub.status, -1, 100, 599);
    if (stub.status === undefined) throw invalid(`${field}.stub.status`, 'an integer in [100, 599]', undefined);
    if (stub.headers !== undefined) {
      if (!isPlainObject(stub.headers)) throw invalid(`${field}.stub.headers`, 'an object of header name -> string or string[]', stub.headers);
      for (const [name, v] of Object.entries(stub.headers)) {
        const ok = HEADER_NAME.test(name) && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
        if (!ok) throw invalid(`${field}.stub.headers.${name}`, 'a valid header name with a string or string[] value', v);
      }
    }
    if (typeof stub.body === 'function' || typeof stub.body === 'symbol' || typeof stub.body === 'bigint') throw invalid(`${field}.stub.body`, 'a string, bytes or a JSON value', stub.body);
  }
  return value as unknown as SandboxRule;
}

function resolveLogger(value: unknown): SandboxLogger {
  if (value === undefined) return silentLogger;
  if (!isPlainObject(value) && typeof value !== 'object') throw invalid('logger', 'an object with debug, info, warn, error', value);
  const logger = value as Record<string, unknown>;
  for (const level of ['debug', 'info', 'warn', 'error']) {
    if (typeof logger[level] !== 'function') throw invalid(`logger.${level}`, 'a function', logger[level]);
  }
  return value as SandboxLogger;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  if (!isPlainObject(options)) throw invalid('options', 'an object', options);
  checkKeys('', options as unknown as Record<string, unknown>, [
    'challengers', 'onSideEffect', 'dependencies', 'rules', 'forwardReads', 'reuseExhausted', 'host', 'advertisedHost',
    'smtp', 'maxExchanges', 'graceMs', 'maxBodyBytes', 'maxForwardBodyBytes', 'forwardTimeoutMs', 'redactHeaders', 'logger',
  ]);
  const challengers = resolveChallengers(options.challengers);
  if (typeof options.onSideEffect !== 'function') throw invalid('onSideEffect', 'a function (effect: SideEffect) => void', options.onSideEffect);
  const dependencies = resolveDependencies(options.dependencies);
  if (options.rules !== undefined && !Array.isArray(options.rules)) throw invalid('rules', 'an array of rules', options.rules);
  const rules = (options.rules ?? []).map((rule, i) => compileRule(validateRule(rule, i, dependencies), i));
  const host = options.host === undefined ? '127.0.0.1' : nonEmpty('host', options.host);
  const advertisedHost = options.advertisedHost === undefined
    ? (WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host)
    : nonEmpty('advertisedHost', options.advertisedHost);
  if (options.redactHeaders !== undefined && !Array.isArray(options.redactHeaders)) throw invalid('redactHeaders', 'an array of header names', options.redactHeaders);
  const redactHeaders = (options.redactHeaders ?? DEFAULT_REDACTED_HEADERS).map((name, i) => {
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) throw invalid(`redactHeaders[${i}]`, 'a header name', name);
    return name.toLowerCase();
  });
  return Object.freeze({
    challengers: Object.freeze(challengers),
    onSideEffect: options.onSideEffect,
    dependencies,
    rules: Object.freeze(rules),
    forwardReads: bool('forwardReads', options.forwardReads, true),
    reuseExhausted: bool('reuseExhausted', options.reuseExhausted, true),
    host,
    advertisedHost,
    smtp: bool('smtp', options.smtp, true),
    maxExchanges: int('maxExchanges', options.maxExchanges, 10_000, 1, 10_000_000),
    graceMs: int('graceMs', options.graceMs, 5_000, 0, 3_600_000),
    maxBodyBytes: int('maxBodyBytes', options.maxBodyBytes, 65_536, 0, 64 * 1024 * 1024),
    maxForwardBodyBytes: int('maxForwardBodyBytes', options.maxForwardBodyBytes, 16 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    forwardTimeoutMs: int('forwardTimeoutMs', options.forwardTimeoutMs, 30_000, 1, 3_600_000),
    redactHeaders: new Set(redactHeaders),
    logger: resolveLogger(options.logger),
  });
}
