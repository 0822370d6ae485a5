// The images (infra/docker/Dockerfile) cannot be built here (no Docker engine), so the file is
// checked against what it packages: every service has a target that runs as a non-root user, starts
// an entry file the build produces and the deploy copies, exposes the ports the service listens on
// by default, sets only variables the service reads (with values it accepts), and asks its /readyz
// with node; the health-check script itself is run against real HTTP servers.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdminServer } from '@shadow/service-admin';
import { knownEnv, load, readDockerfile, repoRoot, SERVICES } from './deployment.js';

const dockerfile = join(repoRoot, 'infra/docker/Dockerfile');
const healthcheck = join(repoRoot, 'infra/docker/healthcheck.mjs');
const stages = readDockerfile(dockerfile);
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`infra/docker/Dockerfile has no target ${name}`);
  return found;
};
const manifest = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'services', name, 'package.json'), 'utf8')) as { name: string; files?: string[] };
const ROOT_USERS = new Set(['root', '0', '0:0', 'root:root']);

describe('infra/docker/Dockerfile', () => {
  it('has a target per service, each on the shared runtime stage (node slim) and built in a separate stage', () => {
    const names = stages.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['build', 'runtime', 'tap-proxy', 'replayer', 'joiner', 'dashboard', 'cli']));
    expect(stage('runtime').from).toBe('${NODE_IMAGE}');
    expect(readFileSync(dockerfile, 'utf8')).toMatch(/^ARG NODE_IMAGE=node:\d+-\w+-slim$/m);
    for (const name of ['tap-proxy', 'replayer', 'joiner', 'dashboard', 'cli']) {
      expect(stage(name).from, name).toBe('runtime');
      // Only the deployed folder comes from the build stage: no sources, store or dev dependencies.
      expect(stage(name).copies, name).toEqual([`--from=build --chown=root:root /deploy/${name} /app`]);
    }
  });

  it.each(['tap-proxy', 'replayer', 'joiner', 'dashboard', 'cli'])('%s runs as a non-root user that cannot rewrite its own code', (name) => {
    const user = stage(name).user;
    expect(user).toBeDefined();
    expect(ROOT_USERS.has(String(user))).toBe(false);
    // The app is root-owned: a compromised process cannot change what runs next.
    expect(stage(name).copies.every((c) => c.includes('--chown=root:root'))).toBe(true);
  });

  it.each(['tap-proxy', 'replayer', 'joiner', 'dashboard', 'cli'])('%s starts an entry file the build produces and pnpm deploy copies', (name) => {
    const s = stage(name);
    const command = [...(s.entrypoint ?? []), ...(s.cmd ?? [])];
    expect(command[0]).toBe('node');
    const entry = command[1] as string;
    expect(entry).toBe('dist/main.js');
    // pnpm deploy copies a package's `files`; the build (turbo, before deploy) writes dist/.
    expect(manifest(name).files).toContain('dist');
    expect(existsSync(join(repoRoot, 'services', name, entry)), `services/${name}/${entry} (run the build first)`).toBe(true);
    expect(readFileSync(dockerfile, 'utf8')).toContain(`--filter=@shadow/${name}...`);
  });

  describe.each(SERVICES)('$name', (service) => {
    const s = stage(service.name);

    it('sets only variables the service reads, with values its configuration accepts', () => {
      const known = knownEnv(service);
      const unknown = Object.keys(s.env).filter((k) => k !== 'NODE_ENV' && !known.has(k));
      expect(unknown, `variables ${service.name} does not read`).toEqual([]);
      expect(() => load(service, { ...service.required, ...s.env })).not.toThrow();
    });

    it('listens on all interfaces and exposes exactly the ports it listens on by default', () => {
      const config = load(service, { ...service.required, ...s.env });
      const ports = Object.values(service.ports(config)).filter((p): p is number => typeof p === 'number');
      expect([...s.expose].sort()).toEqual([...ports].sort());
      const hosts = Object.entries(s.env).filter(([k]) => k.endsWith('_HOST'));
      expect(hosts.length).toBeGreaterThan(0);
      for (const [k, v] of hosts) expect(v, k).toBe('0.0.0.0');
      // Never the joiner's SQL endpoint: it takes any credentials without JOINER_QUERY_PASSWORD.
      expect(s.env['JOINER_QUERY_HOST']).toBeUndefined();
    });

    it('health-checks its /readyz with node (no curl in a slim image)', () => {
      const config = load(service, { ...service.required, ...s.env });
      const { port, path } = service.health(config);
      expect(s.healthcheck).toEqual(['node', '/healthcheck.mjs', `http://127.0.0.1:${port}${path}`]);
      expect(Object.keys(s.healthcheckOptions).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    });
  });

  it('gives the CLI no health check (it runs one command and exits) and --help as its default command', () => {
    expect(stage('cli').healthcheck).toBe('NONE');
    expect(stage('cli').entrypoint).toEqual(['node', 'dist/main.js']);
    expect(stage('cli').cmd).toEqual(['--help']);
  });

  it('leaves out of the build context what the build makes itself (.dockerignore)', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.stack', '.git']) expect(ignored).toContain(entry);
  });
});

describe('infra/docker/healthcheck.mjs against real servers', () => {
  const run = promisify(execFile);
  const servers: { close: () => void }[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  async function adminServer(ready: () => boolean): Promise<number> {
    const server = createAdminServer({ registry: new Registry(), ready, details: () => ({}) });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  async function check(url: string): Promise<{ code: number; stderr: string }> {
    try {
      await run(process.execPath, [healthcheck, url]);
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  }

  it("exits 0 when the service shell's admin server is ready, 1 while it is not (503), naming the status", async () => {
    let ready = false;
    const port = await adminServer(() => ready);
    const notReady = await check(`http://127.0.0.1:${port}/readyz`);
    expect(notReady).toEqual({ code: 1, stderr: `http://127.0.0.1:${port}/readyz answered 503\n` });
    ready = true;
    expect(await check(`http://127.0.0.1:${port}/readyz`)).toEqual({ code: 0, stderr: '' });
  });

  it('exits 1 when nothing listens, and when the answer does not come within 2 s', async () => {
    const closed = await adminServer(() => true);
    servers.pop()?.close();
    const refused = await check(`http://127.0.0.1:${closed}/readyz`);
    expect(refused.code).toBe(1);
    const hanging = createServer(() => undefined);
    servers.push(hanging);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const slow = await check(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/readyz`);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toMatch(/timeout|aborted/i);
  });

  it('refuses (exit 2) anything but a loopback http URL of one path segment', async () => {
    for (const bad of ['', 'http://example.com:80/readyz', 'http://127.0.0.1:1/readyz?x=1', 'file:///etc/passwd']) {
      expect((await check(bad)).code, bad).toBe(2);
    }
  });
});
