// Health and metrics on a separate port, so probes and scrapes never queue behind the service's own
// work (proxied traffic, replays, joins) and the admin surface can be kept off the public interface.
// One implementation for every service: the tap proxy, the replayer and the joiner.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export type PostHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface AdminServerOptions {
  registry: Registry;
  /** Readiness for `/readyz`: false while starting or draining (503). */
  ready: () => boolean;
  /** Extra detail merged into `/healthz`'s JSON (the service's stats). */
  details: () => Record<string, unknown>;
  /** A service's own write routes by exact path (e.g. `/labels`); other methods get 405. @default {} */
  posts?: Readonly<Record<string, PostHandler | undefined>>;
  /** A service's own read-only JSON routes by exact path (e.g. the joiner's `/watch`). @default {} */
  gets?: Readonly<Record<string, (() => unknown) | undefined>>;
}

/** The admin server, not yet listening: the caller picks host and port. */
export function createAdminServer(options: AdminServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const post = options.posts?.[path];
    if (post !== undefined) {
      if (req.method === 'POST') post(req, res);
      else res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...options.details() }));
      return;
    }
    if (path === '/readyz') {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready }));
      return;
    }
    const get = options.gets?.[path];
    if (get !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(get()));
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}
