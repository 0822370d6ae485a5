// docker-compose.yml is for people with Docker. These machines have the docker client but neither
// an engine nor the compose plugin, so the file is mostly checked as data: same components, ports,
// health checks and environment names as the local stack (infra/local/stack) and the packages. This
// file checks the stack's part; test/deploy/compose.test.ts the services'.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clickhouseOptionsFromEnv } from '@shadow/clickhouse';

const composeFile = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const stackScript = fileURLToPath(new URL('../../infra/local/stack', import.meta.url));

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  'x-host-env': Record<string, string>;
  'x-service-env': Record<string, string>;
}

// Merge keys (`<<: *kafka-env`) are YAML 1.1, which compose reads; the yaml package needs them asked for.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as ComposeFile;
const { services } = compose;
const hostEnv = compose['x-host-env'];
const serviceEnv = compose['x-service-env'];

// The local stack's endpoints: DEFAULT_KAFKA_PORT, DEFAULT_REGISTRY_PORT and CCOMPAT_PATH in
// infra/local/stack; ClickHouse's HTTP port is the server default (the local stack embeds chDB).
const LOCAL_STACK = { kafkaPort: '9092', registryPort: '8081', ccompatPath: '/apis/ccompat/v7', clickhousePort: '8123' };
const ENV_NAMES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE'];
const STACK_SERVICES = ['clickhouse', 'kafka', 'schema-registry'];

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Published host port -> container port. */
function published(name: string): Map<string, string> {
  return new Map((service(name).ports ?? []).map((p) => p.split(':') as [string, string]));
}

function env(name: string, key: string): string {
  return String(service(name).environment?.[key]);
}

describe('docker-compose.yml', () => {
  it('runs the components of the local stack: Kafka 3.9, Apicurio Registry 3.0.9 and a ClickHouse 25.x server', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(STACK_SERVICES));
    expect(service('kafka').image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(env('kafka', 'KAFKA_PROCESS_ROLES')).toBe('broker,controller');
    expect(service('schema-registry').image).toBe('apicurio/apicurio-registry:3.0.9');
    expect(service('clickhouse').image).toMatch(/^clickhouse\/clickhouse-server:25\.\d+$/);
  });

  it("publishes Kafka, the registry and ClickHouse on the local stack's ports", () => {
    expect(published('kafka')).toEqual(new Map([[LOCAL_STACK.kafkaPort, '9092']]));
    expect(published('schema-registry')).toEqual(new Map([[LOCAL_STACK.registryPort, '8080']]));
    expect(published('clickhouse')).toEqual(new Map([[LOCAL_STACK.clickhousePort, '8123']]));
  });

  it.each([
    ['kafka', '--bootstrap-server localhost:9092'],
    ['schema-registry', `http://localhost:8080${LOCAL_STACK.ccompatPath}/subjects`],
    ['clickhouse', 'http://localhost:8123/ping'],
  ])('gives %s a healthcheck that asks the published port (%s)', (name, probe) => {
    const check = service(name).healthcheck;
    expect(check?.test[0]).toBe('CMD-SHELL');
    expect(check?.test.join(' ')).toContain(probe);
    expect(check?.interval).toMatch(/^\d+s$/);
    expect(check?.retries).toBeGreaterThan(0);
  });

  it("stores the registry's schemas in the kafka service (kafkasql), started once Kafka is healthy", () => {
    expect(env('schema-registry', 'APICURIO_STORAGE_KIND')).toBe('kafkasql');
    expect(env('schema-registry', 'APICURIO_KAFKASQL_BOOTSTRAP_SERVERS')).toBe(serviceEnv.KAFKA_BROKERS);
    expect(service('schema-registry').depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
  });

  it("x-host-env uses the local stack's names and reaches what is published", () => {
    expect(Object.keys(hostEnv).sort()).toEqual([...ENV_NAMES].sort());
    expect(hostEnv.KAFKA_BROKERS).toBe(`127.0.0.1:${LOCAL_STACK.kafkaPort}`);
    expect(env('kafka', 'KAFKA_ADVERTISED_LISTENERS').split(',')).toContain(`HOST://${hostEnv.KAFKA_BROKERS}`);
    expect(hostEnv.SCHEMA_REGISTRY_URL).toBe(`http://127.0.0.1:${LOCAL_STACK.registryPort}${LOCAL_STACK.ccompatPath}`);
    expect(hostEnv.CLICKHOUSE_URL).toBe(`http://127.0.0.1:${LOCAL_STACK.clickhousePort}`);
    expect(hostEnv.CLICKHOUSE_USER).toBe(env('clickhouse', 'CLICKHOUSE_USER'));
    expect(hostEnv.CLICKHOUSE_PASSWORD).toBe(env('clickhouse', 'CLICKHOUSE_PASSWORD'));
    // And @shadow/clickhouse reads them as a server it can use.
    expect(clickhouseOptionsFromEnv(hostEnv)).toEqual({
      mode: 'server',
      url: hostEnv.CLICKHOUSE_URL,
      username: hostEnv.CLICKHOUSE_USER,
      password: hostEnv.CLICKHOUSE_PASSWORD,
      database: env('clickhouse', 'CLICKHOUSE_DB'),
    });
  });

  it('x-service-env has the same names, pointing at the services on the compose network', () => {
    expect(Object.keys(serviceEnv).sort()).toEqual(Object.keys(hostEnv).sort());
    expect(env('kafka', 'KAFKA_ADVERTISED_LISTENERS').split(',')).toContain(`INTERNAL://${serviceEnv.KAFKA_BROKERS}`);
    const registry = new URL(String(serviceEnv.SCHEMA_REGISTRY_URL));
    expect([registry.hostname, registry.port, registry.pathname]).toEqual([
      'schema-registry',
      published('schema-registry').get(LOCAL_STACK.registryPort),
      LOCAL_STACK.ccompatPath,
    ]);
    const clickhouse = new URL(String(serviceEnv.CLICKHOUSE_URL));
    expect([clickhouse.hostname, clickhouse.port]).toEqual(['clickhouse', published('clickhouse').get(LOCAL_STACK.clickhousePort)]);
    expect([serviceEnv.CLICKHOUSE_USER, serviceEnv.CLICKHOUSE_PASSWORD]).toEqual([hostEnv.CLICKHOUSE_USER, hostEnv.CLICKHOUSE_PASSWORD]);
  });

  // infra/local is being written alongside this file; until it is in the tree there is nothing to compare.
  it.skipIf(!existsSync(stackScript))('agrees with infra/local/stack on ports, ccompat path and env names', () => {
    const script = readFileSync(stackScript, 'utf8');
    expect(script).toMatch(new RegExp(`DEFAULT_KAFKA_PORT=${LOCAL_STACK.kafkaPort}\\b`));
    expect(script).toMatch(new RegExp(`DEFAULT_REGISTRY_PORT=${LOCAL_STACK.registryPort}\\b`));
    expect(script).toContain(`CCOMPAT_PATH=${LOCAL_STACK.ccompatPath}`);
    expect(script).toContain('KAFKA_BROKERS=');
    expect(script).toContain('SCHEMA_REGISTRY_URL=');
  });

  // Needs the compose plugin, not an engine: `docker compose config` only parses and validates.
  // Skipped where it is missing, as on these machines (`docker: unknown command: docker compose`).
  const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!composePlugin)('is accepted by `docker compose config`', () => {
    const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--format', 'json'], { encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const resolved = JSON.parse(result.stdout) as { services: Record<string, unknown> };
    expect(Object.keys(resolved.services)).toEqual(expect.arrayContaining(STACK_SERVICES));
  });
});
