/**
 * Where a request arriving at a challenger's listener was meant to go. Two forms reach it:
 * absolute-form (`GET http://payments:8080/v1/x HTTP/1.1`, what a client configured with
 * `HTTP_PROXY` sends) and `/__dep/<name>/<path>` (a client whose base URL is `dependencyUrl(name)`).
 * Anything else is a request to the sandbox itself that names no dependency.
 */
import type { ResolvedDependency } from '../options.js';
import { formatTarget, splitHostPort } from '../rules/rules.js';
import type { TargetCandidate } from '../recording/recorded-calls.js';

export const DEPENDENCY_PREFIX = '/__dep/';

export interface CallTarget {
  readonly scheme: 'http' | 'https';
  /** Lower-case, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly target: string;
  /** Path and query as the dependency would see it. */
  readonly path: string;
  readonly pathname: string;
  readonly dependency: ResolvedDependency | null;
  /** Where a forwarded call goes. */
  readonly upstreamUrl: string;
  /** Targets live's recordings may name this call by. */
  readonly candidates: readonly TargetCandidate[];
}

export type CallTargetResult = { readonly ok: true; readonly value: CallTarget } | { readonly ok: false; readonly reason: string; readonly target: string; readonly path: string };

function pathnameOf(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

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

export function resolveCallTarget(url: string, hostHeader: string | undefined, dependencies: ReadonlyMap<string, ResolvedDependency>): CallTargetResult {
  if (/^https?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, reason: 'malformed absolute-form request target', target: '', path: url };
    }
    const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
    const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port);
    const path = `${parsed.pathname}${parsed.search}`;
    const dependency = dependencyFor(dependencies, host, port);
    return {
      ok: true,
      value: { scheme, host, port, target: formatTarget(host, port), path, pathname: parsed.pathname, dependency, upstreamUrl: parsed.href, candidates: candidatesOf(host, port, dependency) },
    };
  }
  if (url.startsWith(DEPENDENCY_PREFIX)) {
    const rest = url.slice(DEPENDENCY_PREFIX.length);
    const cut = rest.search(/[/?]/);
    const name = decodeURIComponent(cut === -1 ? rest : rest.slice(0, cut));
    const tail = cut === -1 ? '' : rest.slice(cut);
    const dependency = dependencies.get(name);
    if (dependency === undefined) {
      return { ok: false, reason: `unknown dependency "${name}" (configured: ${[...dependencies.keys()].join(', ') || 'none'})`, target: name, path: tail || '/' };
    }
    const suffix = tail === '' ? '/' : tail.startsWith('?') ? `/${tail}` : tail;
    const path = `${dependency.basePath}${suffix}`;
    const upstreamUrl = `${dependency.url.protocol}//${dependency.url.host}${path}`;
    return {
      ok: true,
      value: {
        scheme: dependency.scheme, host: dependency.host, port: dependency.port, target: formatTarget(dependency.host, dependency.port),
        path, pathname: pathnameOf(path), dependency, upstreamUrl, candidates: candidatesOf(dependency.host, dependency.port, dependency),
      },
    };
  }
  const hostTarget = hostHeader === undefined ? '' : hostHeader;
  return {
    ok: false,
    reason: `not a proxy request (absolute-form URI) and not ${DEPENDENCY_PREFIX}<name>/...: configure HTTP_PROXY or a dependencyUrl`,
    target: hostTarget === '' ? '' : (() => { const s = splitHostPort(hostTarget); return formatTarget(s.host, s.port ?? 80); })(),
    path: url,
  };
}
