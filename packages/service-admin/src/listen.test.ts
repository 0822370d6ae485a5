// A taken port fails start-up naming the port and the setting; a free one (0) listens. Real sockets
// on loopback: the error is Node's own EADDRINUSE, not a mock of it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { explainListenError, listen, PortInUseError } from './listen.js';

const open: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('listen', () => {
  it('a taken port is a PortInUseError naming the port, the host and the setting', async () => {
    const holder = createServer();
    open.push(holder);
    const { port } = await listen(holder, { port: 0, host: '127.0.0.1', setting: 'ANY' });
    const second = createServer();
    open.push(second);
    const error = await listen(second, { port, host: '127.0.0.1', setting: 'JOINER_ADMIN_PORT' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).message).toBe(
      `port ${port} on 127.0.0.1 is already in use (JOINER_ADMIN_PORT): stop what holds it, or set JOINER_ADMIN_PORT to a free port (0 picks one)`,
    );
    expect((error as PortInUseError).code).toBe('EADDRINUSE');
    expect(((error as PortInUseError).cause as { code?: string }).code).toBe('EADDRINUSE');
  });

  it('listens on a free port and resolves with its address', async () => {
    const server = createServer();
    open.push(server);
    const address: AddressInfo = await listen(server, { port: 0, host: '127.0.0.1', setting: 'X' });
    expect(address.port).toBeGreaterThan(0);
  });

  it('explainListenError leaves other errors alone', () => {
    const other = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(explainListenError(other, { port: 80, host: '0.0.0.0', setting: 'X' })).toBe(other);
  });
});
