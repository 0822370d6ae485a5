/**
 * Sees what an application writes into node:http client requests, on Node 20.
 *
 * Node 20 publishes `http.client.request.start` from `ClientRequest#_finish`, i.e. after the
 * application called `end()` and every body byte went to the socket, and asynchronously when the
 * socket came later (from whatever async context freed it, for a request queued behind an agent's
 * `maxSockets`). It has no channel at construction (`http.client.request.created` came with Node
 * 22). So while at least one recorder is on, `ClientRequest.prototype` gets own `write` and `end`
 * methods that tell the observers about the call and then call the inherited ones with the same
 * arguments, returning their result. The observers read the async context there, in the
 * application's own call, and copy the chunks. Removed again when the last observer leaves; only
 * ClientRequest is touched, never the server side's OutgoingMessage methods.
 */
import { ClientRequest } from 'node:http';

export type ClientWriteObserver = (request: ClientRequest, chunk: unknown, encoding: unknown, ending: boolean) => void;

const observers = new Set<ClientWriteObserver>();
const proto = ClientRequest.prototype as unknown as Record<string, unknown>;
let installed: { write: unknown; end: unknown } | null = null;

type Method = (...args: unknown[]) => unknown;

function notify(request: ClientRequest, args: unknown[], ending: boolean): void {
  const chunk = typeof args[0] === 'function' ? undefined : args[0];
  const encoding = typeof args[1] === 'string' ? args[1] : undefined;
  for (const observer of observers) observer(request, chunk, encoding, ending);
}

function install(): void {
  // Looked up at call time: a later patch of OutgoingMessage (an APM) still runs.
  const inherited = Object.getPrototypeOf(ClientRequest.prototype) as Record<string, Method>;
  const write = function (this: ClientRequest, ...args: unknown[]): unknown {
    notify(this, args, false);
    return Reflect.apply(inherited['write'] as Method, this, args);
  };
  const end = function (this: ClientRequest, ...args: unknown[]): unknown {
    notify(this, args, true);
    return Reflect.apply(inherited['end'] as Method, this, args);
  };
  installed = { write, end };
  Object.defineProperty(proto, 'write', { value: write, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(proto, 'end', { value: end, writable: true, configurable: true, enumerable: false });
}

function uninstall(): void {
  if (installed === null) return;
  // Only our own methods are removed; if someone replaced them since, theirs stay.
  if (proto['write'] === installed.write) delete proto['write'];
  if (proto['end'] === installed.end) delete proto['end'];
  installed = null;
}

/** Adds an observer (installing the methods for the first one); returns its removal. */
export function observeClientWrites(observer: ClientWriteObserver): () => void {
  observers.add(observer);
  if (installed === null) install();
  return () => {
    observers.delete(observer);
    if (observers.size === 0) uninstall();
  };
}
