// Every port a service opens is listened on through here, so a port that is taken fails start-up
// with one line naming the port and the setting that chose it ("port 9466 on 127.0.0.1 is already in
// use (JOINER_ADMIN_PORT)"), not Node's bare `listen EADDRINUSE` that leaves the operator guessing
// which of a service's ports, and which variable, to change.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'EADDRINUSE';
  constructor(
    readonly port: number,
    readonly host: string,
    readonly setting: string,
    options?: { cause?: unknown },
  ) {
    super(`port ${port} on ${host} is already in use (${setting}): stop what holds it, or set ${setting} to a free port (0 picks one)`, options);
  }
}

export interface ListenOptions {
  port: number;
  host: string;
  /** The setting (environment variable or config path) the port comes from, named in the error. */
  setting: string;
}

/** The error of a listen call as a PortInUseError when the port is taken; anything else unchanged. */
export function explainListenError(error: unknown, options: ListenOptions): unknown {
  return (error as { code?: unknown } | null)?.code === 'EADDRINUSE' && !(error instanceof PortInUseError)
    ? new PortInUseError(options.port, options.host, options.setting, { cause: error })
    : error;
}

/** Listens on `options.port`/`host`; resolves with the address, rejects with PortInUseError when taken. */
export function listen(server: Server, options: ListenOptions): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(explainListenError(error, options));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
