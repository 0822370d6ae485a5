// Every analysis groups by endpoint, so a request path has to become a template (`/posts/42` ->
// `/posts/:id`). The tap's routeTemplate (from the framework's router) is the truth when present.
// Otherwise configured patterns win, then segment rules: a segment that looks like an identifier
// (numbers, UUIDs, hex hashes, dates, long opaque tokens) becomes `:id`. The rules are per segment
// and stateless, so one path always gets the same template, in every process and after restarts
// (stability matters more than cleverness: a template that changes mid-run splits a route in two).
// The number of distinct templates is bounded; past the bound new ones map to OVERFLOW_ROUTE.

import { CompareError } from '../errors.js';

/** The one placeholder learned segments become. */
export const ID_PLACEHOLDER = ':id';
/** Template of every path seen after `maxTemplates` distinct templates were handed out. */
export const OVERFLOW_ROUTE = '/:overflow';

/** A configured route: a template string (`/users/:userId/orders/:orderId`, `*` as the last segment matches the rest) or a regex. */
export type RoutePattern = string | { readonly regex: string | RegExp; readonly template: string };

export type RouteSource = 'tap' | 'configured' | 'learned' | 'overflow';

export interface RouteMatch {
  readonly template: string;
  readonly source: RouteSource;
}

export interface RouteTemplaterOptions {
  /** Configured routes, tried in order before the segment rules. @default [] */
  readonly patterns?: readonly RoutePattern[];
  /** Distinct templates handed out before new ones become OVERFLOW_ROUTE. @default 10000 */
  readonly maxTemplates?: number;
}

type CompiledPattern =
  | { readonly kind: 'segments'; readonly segments: readonly (string | null)[]; readonly rest: boolean; readonly template: string }
  | { readonly kind: 'regex'; readonly regex: RegExp; readonly template: string };

const NUMERIC = /^-?\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{16,}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}([tT_ ]\d{2}:?\d{2}(:?\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})?)?$/;
const TOKEN_CHARS = /^[A-Za-z0-9_\-.~=]+$/;

/**
 * True when a path segment is an identifier rather than a name: all digits (`42`), a UUID, 16+ hex
 * digits (sha, ObjectId), a date or timestamp (`2024-05-01`, `2024-05-01T10:00:00Z`), or an opaque
 * token of 20+ URL-safe characters mixing letters and digits (at least 3 letter/digit alternations
 * within separator-free runs,
 * or upper and lower case and digits without a dash, so slugs like `shadow-deployment-guide-2024`
 * stay names). Percent-encoded segments are judged on their decoded text.
 */
export function isIdSegment(segment: string): boolean {
  if (segment.length === 0) return false;
  let s = segment;
  if (s.includes('%')) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // keep the raw segment
    }
  }
  if (NUMERIC.test(s) || UUID.test(s) || HEX.test(s) || DATE.test(s)) return true;
  if (s.length < 20 || !TOKEN_CHARS.test(s)) return false;
  let letters = 0;
  let digits = 0;
  let upper = false;
  let lower = false;
  let alternations = 0;
  let last = 0; // 1 letter, 2 digit
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let cls = 0;
    if (c >= 48 && c <= 57) {
      digits++;
      cls = 2;
    } else if (c >= 65 && c <= 90) {
      letters++;
      upper = true;
      cls = 1;
    } else if (c >= 97 && c <= 122) {
      letters++;
      lower = true;
      cls = 1;
    }
    if (cls !== 0) {
      if (last !== 0 && cls !== last) alternations++;
      last = cls;
    } else {
      // A separator starts a new word: `v2-in-2024` has one alternation, not three.
      last = 0;
    }
  }
  if (letters === 0 || digits === 0) return false;
  return alternations >= 3 || (upper && lower && !s.includes('-'));
}

/**
 * The path part of a request target: no query, no fragment, no scheme/host, no repeated or
 * trailing slash (except `/` itself). Encoded characters stay encoded (`%2F` does not split).
 */
export function normalizePath(raw: string): string {
  let p = raw;
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme !== null) p = p.slice(scheme[0].length);
  if (!p.startsWith('/')) p = `/${p}`;
  p = p.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** The segment-rule template of a path (no configured patterns, no bound). */
export function templateOf(path: string): string {
  const p = normalizePath(path);
  if (p === '/') return p;
  const parts = p.split('/');
  for (let i = 1; i < parts.length; i++) if (isIdSegment(parts[i]!)) parts[i] = ID_PLACEHOLDER;
  return parts.join('/');
}

function compilePattern(pattern: RoutePattern, field: string): CompiledPattern {
  if (typeof pattern === 'string') {
    if (!pattern.startsWith('/')) {
      throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: a route template must start with "/", got ${JSON.stringify(pattern)}`, { field });
    }
    const norm = normalizePath(pattern);
    const segments = norm === '/' ? [] : norm.slice(1).split('/');
    const rest = segments[segments.length - 1] === '*';
    if (rest) segments.pop();
    if (segments.includes('*')) {
      throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: "*" is only allowed as the last segment of ${JSON.stringify(pattern)}`, { field });
    }
    return { kind: 'segments', segments: segments.map((s) => (s.startsWith(':') || (s.startsWith('{') && s.endsWith('}')) ? null : s)), rest, template: norm };
  }
  if (pattern === null || typeof pattern !== 'object' || typeof pattern.template !== 'string' || !pattern.template.startsWith('/')) {
    throw new CompareError('COMPARE_INVALID_CONFIG', `${field}: expected a template string or { regex, template } with a template starting with "/"`, {
      field,
    });
  }
  let regex: RegExp;
  try {
    regex = pattern.regex instanceof RegExp ? pattern.regex : new RegExp(pattern.regex);
  } catch (error) {
    throw new CompareError('COMPARE_INVALID_CONFIG', `${field}.regex: not a valid regular expression: ${(error as Error).message}`, {
      field: `${field}.regex`,
      cause: error,
    });
  }
  return { kind: 'regex', regex, template: pattern.template };
}

function matchSegments(p: Extract<CompiledPattern, { kind: 'segments' }>, parts: readonly string[]): boolean {
  const n = p.segments.length;
  if (p.rest ? parts.length <= n : parts.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const want = p.segments[i];
    if (want !== null && want !== parts[i]) return false;
  }
  return true;
}

/** Maps request paths to route templates; see the module comment for the rules. */
export class RouteTemplater {
  private readonly patterns: readonly CompiledPattern[];
  private readonly maxTemplates: number;
  private readonly known = new Set<string>();
  private overflowed = 0;

  constructor(options: RouteTemplaterOptions = {}) {
    const maxTemplates = options.maxTemplates ?? 10_000;
    if (!Number.isInteger(maxTemplates) || maxTemplates < 1) {
      throw new CompareError('COMPARE_INVALID_CONFIG', `routes.maxTemplates: expected a positive integer, got ${String(maxTemplates)}`, {
        field: 'routes.maxTemplates',
      });
    }
    this.maxTemplates = maxTemplates;
    this.patterns = (options.patterns ?? []).map((p, i) => compilePattern(p, `routes.patterns[${i}]`));
  }

  /** The template for a request path; `tapTemplate` (the framework's route) wins when non-empty. */
  template(path: string, tapTemplate?: string | null): RouteMatch {
    if (tapTemplate !== undefined && tapTemplate !== null && tapTemplate !== '') return this.admit(normalizePath(tapTemplate), 'tap');
    const norm = normalizePath(path);
    if (this.patterns.length > 0) {
      const parts = norm === '/' ? [] : norm.slice(1).split('/');
      for (const p of this.patterns) {
        if (p.kind === 'segments' ? matchSegments(p, parts) : p.regex.test(norm)) return this.admit(p.template, 'configured');
      }
    }
    return this.admit(templateOf(norm), 'learned');
  }

  private admit(template: string, source: RouteSource): RouteMatch {
    // Configured templates are bounded by the configuration itself: always admitted, not counted.
    if (source === 'configured' || this.known.has(template)) return { template, source };
    if (this.known.size >= this.maxTemplates) {
      this.overflowed++;
      return { template: OVERFLOW_ROUTE, source: 'overflow' };
    }
    this.known.add(template);
    return { template, source };
  }

  /** Distinct templates handed out, and paths mapped to OVERFLOW_ROUTE since start. */
  stats(): { templates: number; overflowed: number } {
    return { templates: this.known.size, overflowed: this.overflowed };
  }
}
