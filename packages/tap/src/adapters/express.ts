/**
 * `@shadow/tap/express`: Express 4 (>= 4.17) and 5 middleware. Mount it first (`app.use(tapMiddleware(tap))`),
 * before body parsers, so it attaches before anything reads the request body.
 *
 * The route template is only known after routing, so it is read when the response has ended:
 * `req.baseUrl + req.route.path` (`/api` + `/users/:id`), or null for unrouted requests.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Tap } from '../tap.js';

export function routeTemplateOf(req: Request): string | null {
  const route: unknown = req.route;
  if (route === null || typeof route !== 'object') return null;
  const path = (route as { path?: unknown }).path;
  if (typeof path !== 'string') return null;
  // baseUrl is undefined again once an error has left the router (finalhandler answered).
  const base: unknown = req.baseUrl;
  return typeof base === 'string' ? `${base}${path}` : path;
}

export function tapMiddleware(tap: Pick<Tap, 'capture'>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    tap.capture(req, res, { resolveRouteTemplate: () => routeTemplateOf(req) });
    next();
  };
}
