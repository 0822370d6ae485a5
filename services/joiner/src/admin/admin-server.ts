// Health and metrics on a separate port, so probes and scrapes never queue behind proxied traffic
// and the admin surface can be kept off the public interface.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface AdminServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Readiness: false while starting or draining. */
  ready: () => boolean;
  /** Extra detail for /healthz (e.g. tap stats). */
  details: () => Record<string, unknown>;
  /** `POST /labels` (ground truth to the labels topic); absent when labels are off. */
  postLabels?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

export function createAdminServer(options: AdminServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/labels' && options.postLabels !== undefined) {
      if (req.method === 'POST') options.postLabels(req, res);
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
