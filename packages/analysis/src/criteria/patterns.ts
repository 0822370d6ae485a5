// Glob patterns for routes, side-effect targets and paths. Deliberately tiny: `*` matches within
// one path segment, `**` across segments, `?` one character; everything else is literal (a route
// template's `:id` or `{id}` included). Regular expressions in a criteria file would be one more
// language for reviewers of a promotion gate to get wrong.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string, separator = '/'): RegExp {
  const key = `${separator}\u0000${glob}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const sep = separator.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i] as string;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i += 1;
      } else {
        source += `[^${sep}]*`;
      }
    } else if (ch === '?') {
      source += `[^${sep}]`;
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const re = new RegExp(`^${source}$`);
  cache.set(key, re);
  return re;
}

export function globMatches(glob: string, value: string, separator = '/'): boolean {
  return globToRegExp(glob, separator).test(value);
}

/** A route as measurements name it: its template and, when known, its method. */
export interface RouteRef {
  route: string;
  method?: string | undefined;
}

const METHOD_PREFIX = /^([A-Za-z]+|\*)\s+(\S.*)$/;

/** Splits "GET /users/:id" into method and template; "/users/:id" has no method. */
export function splitRouteKey(key: string): { method: string | undefined; template: string } {
  const m = METHOD_PREFIX.exec(key.trim());
  if (m !== null) return { method: (m[1] as string).toUpperCase(), template: m[2] as string };
  return { method: undefined, template: key.trim() };
}

/** "GET /users/:id" for a route with a method, "/users/:id" otherwise. */
export function routeLabel(ref: RouteRef): string {
  return ref.method === undefined || ref.method === '' ? ref.route : `${ref.method.toUpperCase()} ${ref.route}`;
}

/** Whether a route pattern ("/internal/**", "GET /health", "* /users/*") matches a route. */
export function routeMatches(pattern: string, ref: RouteRef): boolean {
  const { method, template } = splitRouteKey(pattern);
  if (method !== undefined && method !== '*' && method !== (ref.method ?? '').toUpperCase()) return false;
  return globMatches(template, ref.route);
}
