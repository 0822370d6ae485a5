// docker-compose.yml runs the whole system where Docker exists; here (no engine) it is checked
// against the code it starts: every service's environment through that service's own configuration
// loader (a variable it does not read, or a value it refuses, fails naming service and variable),
// its published ports against the ports that configuration listens on, its health check against the
// image's, the start order, and the commands that do not come from an image (the example services,
// the CLI's `topics ensure`) run for real against the local stack.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stack } from '@shadow/stack-harness/vitest';
import { ConfigError } from '@shadow/service-admin';
import { knownEnv, load, readDockerfile, repoRoot, SERVICES } from './deployment.js';
import type { DeployedService } from './deployment.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  user?: string;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const { services } = compose;
const stages = readDockerfile(join(repoRoot, 'infra/docker/Dockerfile'));
const STACK = ['kafka', 'schema-registry', 'clickhouse'];
const EXAMPLES = ['pricing-live', 'pricing-candidate', 'pricing-secondary'];
// The variables the CLI reads for its connections (services/cli: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, @shadow/clickhouse's).
const CLI_ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE'];

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}
const envOf = (name: string): Record<string, string> => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));

/** A container path of a read-only volume, as the host path it mounts (so a file setting can be read here). */
function onHost(name: string, env: Record<string, string>): Record<string, string> {
  const mounts = (service(name).volumes ?? []).map((v) => v.split(':') as [string, string, string?]);
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => {
      const mount = mounts.find(([, container]) => v === container || v.startsWith(`${container}/`));
      return [k, mount ? join(repoRoot, mount[0], v.slice(mount[1].length)) : v];
    }),
  );
}

/** What a service's container would load: the image's variables, then the file's. */
function containerEnv(deployed: DeployedService): Record<string, string> {
  const image = stages.find((s) => s.name === deployed.name);
  return { ...image?.env, ...envOf(deployed.name) };
}

describe('docker-compose.yml: the whole system', () => {
  it('runs the stack, every service image, the CLI and the example services', () => {
    expect(Object.keys(services).sort()).toEqual([...STACK, ...SERVICES.map((s) => s.name), 'shadow', ...EXAMPLES].sort());
    for (const name of [...SERVICES.map((s) => s.name), 'shadow']) {
      const target = name === 'shadow' ? 'cli' : name;
      expect(service(name).build, name).toEqual({ context: '.', dockerfile: 'infra/docker/Dockerfile', target });
      expect(stages.map((s) => s.name)).toContain(target);
    }
  });

  describe.each(SERVICES)('$name', (deployed) => {
    it('has only variables the service reads', () => {
      const known = knownEnv(deployed);
      const unknown = Object.keys(envOf(deployed.name)).filter((k) => !known.has(k));
      expect(unknown, `${deployed.name}: variables it does not read`).toEqual([]);
    });

    it("has values the service's configuration accepts (its own loader, as at start-up)", () => {
      let problems: readonly string[] = [];
      try {
        load(deployed, onHost(deployed.name, containerEnv(deployed)));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      expect(problems, `${deployed.name}`).toEqual([]);
    });

    it('publishes the ports it listens on, on the same host ports (docs/cli.md, Ports)', () => {
      const config = load(deployed, onHost(deployed.name, containerEnv(deployed)));
      const listening = Object.values(deployed.ports(config)).filter((p): p is number => typeof p === 'number');
      // Published on the host's loopback only: the admin ports and the dashboard have no login.
      for (const p of service(deployed.name).ports ?? []) expect(p, deployed.name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      const published = (service(deployed.name).ports ?? []).map((p) => p.split(':').slice(1).map(Number) as [number, number]);
      for (const [host, container] of published) {
        expect(host, `${deployed.name} publishes ${container} as ${host}`).toBe(container);
        expect(listening, `${deployed.name} listens on ${container}`).toContain(container);
      }
      expect(published.map(([, c]) => c).sort()).toEqual(Object.values(deployed.ports(config)).sort());
    });

    it("health-checks the port and path the image's HEALTHCHECK asks", () => {
      const config = load(deployed, onHost(deployed.name, containerEnv(deployed)));
      const { port, path } = deployed.health(config);
      const image = stages.find((s) => s.name === deployed.name)?.healthcheck;
      expect(service(deployed.name).healthcheck?.test).toEqual(['CMD', ...(image as string[])]);
      expect(image).toContain(`http://127.0.0.1:${port}${path}`);
    });
  });

  it('points each service at the others by their compose names and ports', () => {
    const upstream = new URL(envOf('tap-proxy').TAP_PROXY_UPSTREAM as string);
    expect(upstream.hostname).toBe('pricing-live');
    expect(upstream.port).toBe(envOf('pricing-live').PORT);
    const challengers = JSON.parse(envOf('replayer').REPLAYER_CHALLENGERS as string) as { id: string; baseUrl: string; services: string[] }[];
    for (const c of challengers) {
      const url = new URL(c.baseUrl);
      expect(EXAMPLES).toContain(url.hostname);
      expect(url.port).toBe(envOf(url.hostname).PORT);
      expect(c.services).toEqual([envOf('tap-proxy').SHADOW_SERVICE]);
    }
    expect(envOf('pricing-candidate').PRICING_VERSION).toBe('candidate');
    // The joiner waits for exactly the challengers the replayer replays to.
    expect((envOf('joiner').JOINER_CHALLENGERS as string).split(',')).toEqual(challengers.map((c) => c.id));
    // The CLI reads only its connections.
    expect(Object.keys(envOf('shadow')).filter((k) => !CLI_ENV.includes(k))).toEqual([]);
  });

  it('starts each service after what it needs is healthy (or, for the topics, done)', () => {
    const needs: Record<string, string[]> = {
      shadow: ['kafka'],
      'tap-proxy': ['kafka', 'schema-registry', 'shadow', 'pricing-live'],
      replayer: ['kafka', 'schema-registry', 'shadow', 'pricing-candidate', 'pricing-secondary'],
      joiner: ['kafka', 'schema-registry', 'clickhouse', 'shadow'],
      dashboard: ['clickhouse', 'joiner'],
    };
    for (const [name, deps] of Object.entries(needs)) {
      const dependsOn = service(name).depends_on ?? {};
      expect(Object.keys(dependsOn).sort(), name).toEqual([...deps].sort());
      for (const [dep, { condition }] of Object.entries(dependsOn)) {
        expect(condition, `${name} -> ${dep}`).toBe(dep === 'shadow' ? 'service_completed_successfully' : 'service_healthy');
        if (condition === 'service_healthy') expect(service(dep).healthcheck, `${dep} has a healthcheck`).toBeDefined();
      }
    }
  });
});

describe('docker-compose.yml: the commands that do not come from an image, run here', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });

  /** Runs an example service as compose does (its command, its environment; PORT 0 here), until it listens. */
  async function example(name: string): Promise<string> {
    const [node, script] = service(name).command as [string, string];
    expect(node).toBe('node');
    const [hostDir] = (service(name).volumes?.[0] ?? '').split(':') as [string];
    const proc = spawn(process.execPath, [join(repoRoot, hostDir, script.replace(/^\/app\//, ''))], {
      env: { ...process.env, ...envOf(name), PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(proc);
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
    });
    return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  }

  it("the example services answer their health check's URL, and the candidate differs from live as the demo's does", async () => {
    const [live, candidate, secondary] = await Promise.all(EXAMPLES.map(example));
    for (const url of [live, candidate, secondary]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(service('pricing-live').healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${envOf('pricing-live').PORT}/healthz`);
    const price = async (url: string | undefined) => (await fetch(`${url}/price/sku-7`)).json();
    expect(await price(live)).toEqual({ sku: 'sku-7', cents: 135 });
    expect(await price(secondary)).toEqual(await price(live));
    expect(await price(candidate)).toEqual({ sku: 'sku-7', cents: 135, currency: 'EUR' });
    const quote = async (url: string | undefined) =>
      ((await (await fetch(`${url}/quote`, { method: 'POST', body: '{"items":4}' })).json()) as { total: number }).total;
    expect([await quote(live), await quote(candidate)]).toEqual([1000, 1050]);
  });

  it("the CLI's command (`topics ensure`, the image's entry) succeeds with the compose environment pointed at the local stack", async () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    const env = { ...envOf('shadow'), KAFKA_BROKERS: kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: schemaRegistryUrl };
    const cliStage = stages.find((s) => s.name === 'cli');
    const [node, entry] = cliStage?.entrypoint as [string, string];
    expect(node).toBe('node');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'services/cli', entry), ...(service('shadow').command ?? [])], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      cwd: repoRoot,
    });
    expect(`${stdout}${stderr}`).toContain(`kafka: ${env.KAFKA_BROKERS} (from KAFKA_BROKERS)`);
  });
});
