import { describe, expect, it } from 'vitest';
import { endpointsFromEnv, parseEnvFile } from './env.js';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines, skips comments and blanks, strips matching quotes', () => {
    expect(parseEnvFile('# c\nKAFKA_BROKERS=127.0.0.1:9092\n\nA="x=y"\nB=\'q\'\n')).toEqual({ KAFKA_BROKERS: '127.0.0.1:9092', A: 'x=y', B: 'q' });
  });
});

describe('endpointsFromEnv', () => {
  it('returns undefined when the user set no endpoints', () => {
    expect(endpointsFromEnv({}, '/tmp/x')).toBeUndefined();
  });

  it('refuses a Kafka without a registry, naming the missing variable', () => {
    expect(() => endpointsFromEnv({ KAFKA_BROKERS: 'a:1' }, '/tmp/x')).toThrow(/SCHEMA_REGISTRY_URL/);
  });

  it('splits brokers, trims the registry URL and picks server ClickHouse from CLICKHOUSE_URL', () => {
    const e = endpointsFromEnv(
      { KAFKA_BROKERS: 'a:1, b:2', SCHEMA_REGISTRY_URL: 'http://r:8081/apis/ccompat/v7/', CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_DATABASE: 'd' },
      '/tmp/x',
    );
    expect(e).toEqual({
      source: 'env',
      kafkaBrokers: ['a:1', 'b:2'],
      schemaRegistryUrl: 'http://r:8081/apis/ccompat/v7',
      clickhouse: { mode: 'server', url: 'http://ch:8123', username: 'default', password: '', database: 'd' },
    });
  });

  it('falls back to embedded chDB at CHDB_PATH or the given path', () => {
    expect(endpointsFromEnv({ KAFKA_BROKERS: 'a:1', SCHEMA_REGISTRY_URL: 'http://r' }, '/tmp/x')?.clickhouse).toEqual({ mode: 'embedded', path: '/tmp/x' });
    expect(endpointsFromEnv({ KAFKA_BROKERS: 'a:1', SCHEMA_REGISTRY_URL: 'http://r', CHDB_PATH: '/d' }, '/tmp/x')?.clickhouse).toEqual({
      mode: 'embedded',
      path: '/d',
    });
  });
});
