// Testcontainers path, for users who have a Docker engine. Same components as infra/local and
// docker-compose.yml: Kafka 3.9 (KRaft), Apicurio Registry 3.0.9 with KafkaSQL storage, ClickHouse server.
// It cannot run on machines without a Docker engine (our CI), so it is only typechecked there.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HarnessError } from './errors.js';
import type { ResolvedStack } from './types.js';

const run = promisify(execFile);

export const containerImages = {
  kafka: 'confluentinc/cp-kafka:7.9.0',
  registry: 'apicurio/apicurio-registry:3.0.9',
  clickhouse: 'clickhouse/clickhouse-server:25.8',
} as const;

/** True when a Docker engine answers (a client alone, as on our CI machines, is not enough). */
export async function dockerEngineAvailable(): Promise<boolean> {
  try {
    const { stdout } = await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 5_000 });
    return stdout.trim() !== '';
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<ResolvedStack> {
  try {
    const { GenericContainer, Network, Wait } = await import('testcontainers');
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
    const network = await new Network().start();
    const kafka = await new KafkaContainer(containerImages.kafka).withKraft().withNetwork(network).withNetworkAliases('kafka').start();
    const registry = await new GenericContainer(containerImages.registry)
      .withNetwork(network)
      .withEnvironment({ APICURIO_STORAGE_KIND: 'kafkasql', APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: 'kafka:9092' })
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
      .start();
    const clickhouse = await new ClickHouseContainer(containerImages.clickhouse).start();
    const registryUrl = `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`;
    // Confluent's default is BACKWARD; Apicurio's is NONE. Tests rely on the Confluent behaviour.
    const res = await fetch(`${registryUrl}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    if (!res.ok) throw new Error(`setting registry compatibility failed: HTTP ${res.status}`);
    return {
      endpoints: {
        source: 'testcontainers',
        kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
        schemaRegistryUrl: registryUrl,
        clickhouse: {
          mode: 'server',
          url: clickhouse.getHttpUrl(),
          username: clickhouse.getUsername(),
          password: clickhouse.getPassword(),
          database: clickhouse.getDatabase(),
        },
      },
      async stop() {
        await Promise.allSettled([clickhouse.stop(), registry.stop()]);
        await kafka.stop();
        await network.stop();
      },
    };
  } catch (err) {
    throw new HarnessError('HARNESS_CONTAINERS_FAILED', `starting the stack with testcontainers failed: ${String(err)}`, { cause: err });
  }
}
