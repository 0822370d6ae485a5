/**
 * Where a request arriving at a challenger's listener was meant to go. Two forms reach it:
 * absolute-form (`GET http://payments:8080/v1/x HTTP/1.1`, what a client configured with
 * `HTTP_PROXY` sends) and `/__dep/<name>/<path>` (a client whose base URL is `dependencyUrl(name)`).
 * Anything else is a request to the sandbox itself that names no dependency.
 *
 * Both forms resolve to one canonical target (canonical-path.ts): the rules, the SideEffect and
 * the forwarded request all use it, so no rule can be sidestepped by spelling a path another way.
 */
import type { ResolvedDependency } from '../options.js';
import { formatTarget, splitHostPort } from '../rules/rules.js';
import type { TargetCandidate } from '../recording/recorded-calls.js';
import { canonicalDependencyPath, canonicalOriginPath } from './canonical-path.js';

export const DEPENDENCY_PREFIX = '/__dep/';

export interface CallTarget {
  readonly scheme: 'http' | 'https';
  /** Lower-case, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly target: string;
  /** Canonical path and query: what the rules judge, what is recorded and exactly what is forwarded. */
  readonly path: string;
  /** Canonical path without query. */
  readonly pathname: string;
  readonly dependency: ResolvedDependency | null;
  /** `scheme://host:port` a forwarded call is sent to (with `path` as its request target, unchanged). */
  readonly origin: string;
  /** `origin` + `path`, for messages. */
  readonly upstreamUrl: string;
  /** Targets live's recordings may name this call by. */
  readonly candidates: readonly TargetCandidate[];
}

/**
 * `status` 400: the target cannot be given one meaning (see canonical-path.ts), refused before any
 * rule; 503: it names no dependency the sandbox knows.
 */
export type CallTargetResult =
  | { readonly ok: true; readonly value: CallTarget }
  | { readonly ok: false; readonly status: 400 | 503; readonly reason: string; readonly target: string; readonly path: string };

/** The configured dependency a host:port belongs to (its URL or an alias). */
export function dependencyFor(dependencies: ReadonlyMap<string, ResolvedDependency>, host: string, port: number): ResolvedDependency | null {
  for (const dep of dependencies.values()) {
    if (dep.host === host && dep.port === port) return dep;
    for (const alias of dep.aliases) if (alias.host === host && (alias.port === null || alias.port === port)) return dep;
  }
  return null;
}

function candidatesOf(host: string, port: number, dependency: ResolvedDependency | null): TargetCandidate[] {
  const out: TargetCandidate[] = [{ host, port }];
  if (dependency !== null) {
    if (dependency.host !== host || dependency.port !== port) out.push({ host: dependency.host, port: dependency.port });
    for (const alias of dependency.aliases) out.push(alias);
  }
  return out;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)(.*)$/i;
/** A reg-name of letters, digits, `.`, `_`, `-`, or a bracketed IPv6 literal; an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?$/;

function refused(reason: string, target: string, path: string): CallTargetResult {
  return { ok: false, status: 400, reason: `request target refused: ${reason}`, target, path };
}

function fromAbsoluteForm(match: RegExpMatchArray, dependencies: ReadonlyMap<string, ResolvedDependency>): CallTargetResult {
  const scheme = (match[1] as string).toLowerCase() === 'https' ? 'https' : 'http';
  const authority = match[2] as string;
  const rawPath = match[3] as string;
  if (authority.includes('@')) return refused('credentials ("@") in the request target', '', rawPath);
  if (!AUTHORITY.test(authority)) return refused(`a malformed host "${authority.slice(0, 100)}"`, '', rawPath);
  // The WHATWG parser is what the forwarding client connects with, so its host is the canonical
  // one (lower case, IPv4 shorthands such as 127.1 expanded).
  let parsed: URL;
  try {
    parsed = new URL(`${scheme}://${authority}/`);
  } catch {
    return refused(`a malformed host "${authority.slice(0, 100)}"`, '', rawPath);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port);
  const target = formatTarget(host, port);
  if (host === '' || host.endsWith('.')) return refused(`a host that is empty or ends in "." ("${authority.slice(0, 100)}")`, target, rawPath);
  const dependency = dependencyFor(dependencies, host, port);
  const canonical = canonicalOriginPath(rawPath, dependency?.basePath ?? '');
  if (!canonical.ok) return refused(canonical.reason, target, rawPath || '/');
  const path = `${canonical.pathname}${canonical.query}`;
  const origin = `${scheme}://${urlHost(host)}:${port}`;
  return {
    ok: true,
    value: {
      scheme,
      host,
      port,
      target,
      path,
      pathname: canonical.pathname,
      dependency,
      origin,
      upstreamUrl: `${origin}${path}`,
      candidates: candidatesOf(host, port, dependency),
    },
  };
}

export function resolveCallTarget(url: string, hostHeader: string | undefined, dependencies: ReadonlyMap<string, ResolvedDependency>): CallTargetResult {
  const absolute = ABSOLUTE_FORM.exec(url);
  if (absolute !== null) return fromAbsoluteForm(absolute, dependencies);
  if (url.startsWith(DEPENDENCY_PREFIX)) {
    const rest = url.slice(DEPENDENCY_PREFIX.length);
    const cut = rest.search(/[/?]/);
    // Names are [A-Za-z0-9._-] (options.ts): compared as sent, never decoded.
    const name = cut === -1 ? rest : rest.slice(0, cut);
    const tail = cut === -1 ? '' : rest.slice(cut);
    const dependency = dependencies.get(name);
    if (dependency === undefined) {
      return {
        ok: false,
        status: 503,
        reason: `unknown dependency "${name.slice(0, 100)}" (configured: ${[...dependencies.keys()].join(', ') || 'none'})`,
        target: name.slice(0, 100),
        path: tail || '/',
      };
    }
    const target = formatTarget(dependency.host, dependency.port);
    const canonical = canonicalDependencyPath(tail, dependency.basePath);
    if (!canonical.ok) return refused(canonical.reason, target, tail || '/');
    const path = `${canonical.pathname}${canonical.query}`;
    const origin = `${dependency.scheme}://${urlHost(dependency.host)}:${dependency.port}`;
    return {
      ok: true,
      value: {
        scheme: dependency.scheme,
        host: dependency.host,
        port: dependency.port,
        target,
        path,
        pathname: canonical.pathname,
        dependency,
        origin,
        upstreamUrl: `${origin}${path}`,
        candidates: candidatesOf(dependency.host, dependency.port, dependency),
      },
    };
  }
  const hostTarget = hostHeader === undefined ? '' : hostHeader;
  return {
    ok: false,
    status: 503,
    reason: `not a proxy request (absolute-form URI) and not ${DEPENDENCY_PREFIX}<name>/...: configure HTTP_PROXY or a dependencyUrl`,
    target:
      hostTarget === ''
        ? ''
        : (() => {
            const s = splitHostPort(hostTarget);
            return formatTarget(s.host, s.port ?? 80);
          })(),
    path: url,
  };
}
