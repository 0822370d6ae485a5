import type { AddressInfo } from 'node:net';
import { Registry, Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminServer } from './admin-server.js';

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function start(ready: boolean): Promise<string> {
  const registry = new Registry();
  new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
  const server = createAdminServer({
    registry,
    ready: () => ready,
    details: () => ({ queued: 7 }),
    posts: { '/labels': (_req, res) => res.writeHead(202).end('taken') },
    gets: { '/watch': () => ({ alerts: [{ rule: 'agreement-low', status: 'firing' }] }) },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('admin server', () => {
  it('answers health with the service details, readiness, and metrics in the registry format', async () => {
    const url = await start(true);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', queued: 7 });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('things_total 3');
  });

  it('is not ready while the service says so, and refuses unknown paths and methods', async () => {
    const url = await start(false);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'DELETE' })).status).toBe(405);
  });

  it("routes a service's POST routes and refuses other methods on them", async () => {
    const url = await start(true);
    const posted = await fetch(`${url}/labels?x=1`, { method: 'POST', body: '{}' });
    expect(posted.status).toBe(202);
    expect(await posted.text()).toBe('taken');
    const got = await fetch(`${url}/labels`);
    expect(got.status).toBe(405);
    expect(got.headers.get('allow')).toBe('POST');
  });

  it("serves a service's read-only JSON routes; other methods are refused", async () => {
    const url = await start(true);
    const got = await fetch(`${url}/watch?x=1`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/json');
    expect(await got.json()).toEqual({ alerts: [{ rule: 'agreement-low', status: 'firing' }] });
    expect((await fetch(`${url}/watch`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await fetch(`${url}/watch/x`)).status).toBe(404);
  });
});
