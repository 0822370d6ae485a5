/**
 * `@shadow/tap/node`: plain `node:http` / `node:https` servers.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Tap } from '../tap.js';

/** Wraps a request listener so every request is offered to the tap before the handler runs. */
export function wrapHandler<Req extends IncomingMessage, Res extends ServerResponse, R>(
  tap: Pick<Tap, 'capture'>,
  handler: (req: Req, res: Res) => R,
): (req: Req, res: Res) => R {
  return (req, res) => {
    tap.capture(req, res);
    return handler(req, res);
  };
}

/**
 * Captures every request of an existing server, including listeners added later: the tap's
 * 'request' listener is prepended, so it attaches before any application code reads the body.
 * Returns a function that detaches it.
 */
export function attachToServer(tap: Pick<Tap, 'capture'>, server: Server | HttpsServer): () => void {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    tap.capture(req, res);
  };
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
