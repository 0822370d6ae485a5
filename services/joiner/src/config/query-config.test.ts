import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', JOINER_CHALLENGERS: 'cand-1' };

describe('joiner config: query endpoint', () => {
  it('serves on 127.0.0.1:8123 by default, any port or off, credentials optional', () => {
    expect(loadConfig(base)).toMatchObject({ query: { port: 8123, host: '127.0.0.1' } });
    expect(loadConfig(base).query.password).toBeUndefined();
    expect(loadConfig({ ...base, JOINER_QUERY_PORT: 'off' }).query.port).toBe('off');
    expect(loadConfig({ ...base, JOINER_QUERY_PORT: '0' }).query.port).toBe(0);
    expect(loadConfig({ ...base, JOINER_QUERY_USER: 'analyst', JOINER_QUERY_PASSWORD: 'pw' })).toMatchObject({ query: { user: 'analyst', password: 'pw' } });
  });

  it('names JOINER_QUERY_PORT when it is neither a port nor off', () => {
    expect(() => loadConfig({ ...base, JOINER_QUERY_PORT: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, JOINER_QUERY_PORT: '70000' })).toThrow(/JOINER_QUERY_PORT \(query\.port\): .*got "70000"/);
  });
});
