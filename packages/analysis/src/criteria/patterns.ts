// Glob patterns for routes, side-effect targets and paths: @shadow/options' glob (`*` within one
// path segment, `**` across segments, `?` one character; everything else literal, a route
// template's `:id` or `{id}` included). Regular expressions in a criteria file would be one more
// language for reviewers of a promotion gate to get wrong.
import { globMatches } from '@shadow/options';

export { globMatches };

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
