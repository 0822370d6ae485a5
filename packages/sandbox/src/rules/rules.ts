/**
 * Rules decide what happens to a challenger's outbound call. They are pure: given what is known of
 * a call (method, host, port, path, the dependency it was addressed to) the first matching rule
 * wins; `planCall` then walks the answer ladder of that rule (recording -> stub -> forward -> 503).
 * Nothing here touches the network, so the policy is unit-tested exhaustively.
 */
import { globToRegExp } from '@shadow/options';
import type { RecordedCall } from '../types.js';

/**
 * - `record`: answered from live's recording of the same exchange, else the rule's stub, else 503.
 *   Never forwarded.
 * - `forward`: reads go to the real dependency; writes only with `allowWrites: true` (otherwise
 *   they follow the `record` ladder).
 * - `block`: never forwarded and never answered from a recording: the rule's stub, else 503.
 */
export const RULE_ACTIONS = ['record', 'forward', 'block'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** A fixed answer. */
export interface SandboxStub {
  /** HTTP status, 100..599. */
  status: number;
  /** @default {} (a JSON body gets `content-type: application/json`) */
  headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** A string or bytes are sent as is; any other value as JSON. @default empty */
  body?: unknown;
}

export interface SandboxRule {
  /** Label in logs and 503 reasons. @default `rules[<index>]` */
  name?: string | undefined;
  /**
   * Host glob, optionally with `:port` (`*.stripe.com`, `payments:8080`, `**`). Without a port any
   * port matches. Case-insensitive. @default any host
   */
  host?: string | undefined;
  /** A configured dependency name; matches calls through its `dependencyUrl` and proxy calls to its host. @default any */
  dependency?: string | undefined;
  /**
   * Glob over the path without query (`/v1/charges/*`, `/v1/**`), or a RegExp tested against the
   * path without query. @default any path
   */
  path?: string | RegExp | undefined;
  /** Methods this rule applies to, any case. @default every method */
  methods?: readonly string[] | undefined;
  action: RuleAction;
  /** With `forward`: forward writes too. The only way a write ever reaches a dependency. @default false */
  allowWrites?: boolean | undefined;
  /** Answer when the ladder reaches the stub (no recording, or a `block`). @default none */
  stub?: SandboxStub | undefined;
  /** Lets a `CONNECT` (HTTPS through the proxy) to a matching host open a tunnel. @default false */
  tunnel?: boolean | undefined;
}

export interface ResolvedStub {
  readonly status: number;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
}

export interface CompiledRule {
  readonly name: string;
  readonly action: RuleAction;
  readonly allowWrites: boolean;
  readonly tunnel: boolean;
  readonly stub: ResolvedStub | null;
  readonly host: RegExp | null;
  /** Port the host pattern names, or null for any. */
  readonly port: number | null;
  readonly dependency: string | null;
  readonly path: RegExp | null;
  /** Upper-case; null = any. */
  readonly methods: ReadonlySet<string> | null;
}

/** What the rules see of a call. */
export interface CallFacts {
  /** Upper-case. */
  method: string;
  /** Lower-case, without port or brackets. */
  host: string;
  port: number;
  /** Path without query; empty for CONNECT. */
  pathname: string;
  /** Name of the configured dependency the call was addressed to, if any. */
  dependency: string | null;
}

/** Methods that cannot change state; everything else (POST, PUT, PATCH, DELETE, unknown verbs) is a write. */
export const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isWrite(method: string): boolean {
  return !READ_METHODS.has(method.toUpperCase());
}

/** Splits `host[:port]` (IPv6 in brackets) into a lower-case host and a port (null when absent). */
export function splitHostPort(value: string): { host: string; port: number | null } {
  const trimmed = value.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    const host = trimmed.slice(1, end === -1 ? undefined : end);
    const rest = end === -1 ? '' : trimmed.slice(end + 1);
    const port = rest.startsWith(':') ? Number(rest.slice(1)) : null;
    return { host, port: port !== null && Number.isInteger(port) ? port : null };
  }
  const colon = trimmed.lastIndexOf(':');
  if (colon === -1 || trimmed.indexOf(':') !== colon) return { host: trimmed, port: null };
  const port = Number(trimmed.slice(colon + 1));
  return { host: trimmed.slice(0, colon), port: Number.isInteger(port) && trimmed.slice(colon + 1) !== '' ? port : null };
}

/** `host:port` with IPv6 hosts in brackets: the `target` of a SideEffect. */
export function formatTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function resolveStub(stub: SandboxStub): ResolvedStub {
  const headers: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(stub.headers ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? [value] : [...value];
  }
  let body: Buffer;
  if (stub.body === undefined || stub.body === null) body = Buffer.alloc(0);
  else if (typeof stub.body === 'string') body = Buffer.from(stub.body, 'utf8');
  else if (stub.body instanceof Uint8Array) body = Buffer.from(stub.body);
  else {
    body = Buffer.from(JSON.stringify(stub.body), 'utf8');
    if (headers['content-type'] === undefined) headers['content-type'] = ['application/json'];
  }
  return Object.freeze({ status: stub.status, headers: Object.freeze(headers), body });
}

/** Compiles one validated rule; `index` names it when it has no name. */
export function compileRule(rule: SandboxRule, index: number): CompiledRule {
  let host: RegExp | null = null;
  let port: number | null = null;
  if (rule.host !== undefined) {
    const split = splitHostPort(rule.host);
    host = globToRegExp(split.host, '.', 'i');
    port = split.port;
  }
  let path: RegExp | null = null;
  if (rule.path instanceof RegExp) path = rule.path;
  else if (rule.path !== undefined) path = globToRegExp(rule.path, '/');
  return Object.freeze({
    name: rule.name ?? `rules[${index}]`,
    action: rule.action,
    allowWrites: rule.allowWrites ?? false,
    tunnel: rule.tunnel ?? false,
    stub: rule.stub === undefined ? null : resolveStub(rule.stub),
    host,
    port,
    dependency: rule.dependency ?? null,
    path,
    methods: rule.methods === undefined ? null : new Set(rule.methods.map((m) => m.toUpperCase())),
  });
}

function matchesHost(rule: CompiledRule, facts: CallFacts): boolean {
  if (rule.dependency !== null && rule.dependency !== facts.dependency) return false;
  if (rule.host !== null && !rule.host.test(facts.host)) return false;
  if (rule.port !== null && rule.port !== facts.port) return false;
  return true;
}

/** The first rule matching host, dependency, path and method; null when none does. */
export function matchRule(rules: readonly CompiledRule[], facts: CallFacts): CompiledRule | null {
  for (const rule of rules) {
    if (!matchesHost(rule, facts)) continue;
    if (rule.methods !== null && !rule.methods.has(facts.method)) continue;
    if (rule.path !== null) {
      rule.path.lastIndex = 0;
      if (!rule.path.test(facts.pathname)) continue;
    }
    return rule;
  }
  return null;
}

/**
 * The rule deciding a `CONNECT host:port`: the first rule matching the host (and dependency). Path
 * and methods are not considered: the tunnel's requests are encrypted, so neither is known.
 */
export function matchTunnelRule(rules: readonly CompiledRule[], facts: CallFacts): CompiledRule | null {
  for (const rule of rules) if (matchesHost(rule, facts)) return rule;
  return null;
}

export type CallPlan =
  | { readonly kind: 'recorded'; readonly call: RecordedCall }
  | { readonly kind: 'stub'; readonly stub: ResolvedStub }
  | { readonly kind: 'forward' }
  /** Answered with `status` (default 503) and the reason. */
  | { readonly kind: 'blocked'; readonly reason: string; readonly status?: number };

export interface PlanInput {
  write: boolean;
  rule: CompiledRule | null;
  /** The global `forwardReads` option (applies when no rule matched). */
  forwardReads: boolean;
  /** Takes live's matching call of the exchange (consumes it); called only when the ladder gets there. */
  takeRecorded: () => RecordedCall | null;
}

/** Walks the answer ladder. A write is forwarded only by a `forward` rule with `allowWrites`. */
export function planCall(input: PlanInput): CallPlan {
  const { write, rule } = input;
  const kind = write ? 'write' : 'read';
  const recordedThenStub = (why: string): CallPlan => {
    const call = input.takeRecorded();
    if (call !== null) return { kind: 'recorded', call };
    if (rule?.stub) return { kind: 'stub', stub: rule.stub };
    return { kind: 'blocked', reason: `${why}; live made no matching call in this exchange and no stub is configured` };
  };

  if (rule === null) {
    if (write) return recordedThenStub('writes are never forwarded');
    const call = input.takeRecorded();
    if (call !== null) return { kind: 'recorded', call };
    if (input.forwardReads) return { kind: 'forward' };
    return { kind: 'blocked', reason: 'reads are not forwarded (forwardReads: false); live made no matching call in this exchange' };
  }
  switch (rule.action) {
    case 'block':
      if (rule.stub) return { kind: 'stub', stub: rule.stub };
      return { kind: 'blocked', reason: `${kind} blocked by rule ${rule.name}` };
    case 'record':
      return recordedThenStub(`rule ${rule.name} answers from recordings only`);
    case 'forward':
      if (write && !rule.allowWrites) return recordedThenStub(`writes are never forwarded (rule ${rule.name} does not set allowWrites)`);
      return { kind: 'forward' };
  }
}
