import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { undocumentedSettings } from '@shadow/service-admin';
import { ConfigError, loadConfig, tapProxyConfig } from './config.js';

const minimal = {
  TAP_PROXY_UPSTREAM: 'http://127.0.0.1:3000',
  SHADOW_SERVICE: 'checkout',
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults to a minimal configuration', () => {
    const c = loadConfig(minimal);
    expect(c.port).toBe(8080);
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.tap.sampleRate).toBe(1);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('leaves topic creation to the tap unless SHADOW_TAP_CREATE_TOPIC says otherwise', () => {
    expect(loadConfig(minimal).tap.createTopic).toBeUndefined();
    expect(loadConfig({ ...minimal, SHADOW_TAP_CREATE_TOPIC: 'false' }).tap.createTopic).toBe(false);
    expect(loadConfig({ ...minimal, SHADOW_TAP_CREATE_TOPIC: '1' }).tap.createTopic).toBe(true);
    expect(problemsOf({ ...minimal, SHADOW_TAP_CREATE_TOPIC: 'maybe' })).toContain('SHADOW_TAP_CREATE_TOPIC');
  });

  it('names every missing required variable', () => {
    const msg = problemsOf({});
    for (const field of ['TAP_PROXY_UPSTREAM', 'SHADOW_SERVICE', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) expect(msg).toContain(field);
  });

  it('names the field and the bad value', () => {
    expect(problemsOf({ ...minimal, SHADOW_TAP_SAMPLE_RATE: '1.5' })).toMatch(/SHADOW_TAP_SAMPLE_RATE \(tap\.sampleRate\): .*got "1\.5"/);
    expect(problemsOf({ ...minimal, TAP_PROXY_UPSTREAM: 'ftp://x' })).toMatch(/TAP_PROXY_UPSTREAM \(upstream\): must be an http:\/\/ or https:\/\/ URL/);
    expect(problemsOf({ ...minimal, KAFKA_BROKERS: 'nohostport' })).toMatch(/KAFKA_BROKERS.*host:port/);
    expect(problemsOf({ ...minimal, SHADOW_TAP_ROUTE_RATES: '{bad' })).toMatch(/SHADOW_TAP_ROUTE_RATES \(tap\.routeRates\): not JSON/);
    expect(problemsOf({ ...minimal, TAP_PROXY_PORT: '70000' })).toMatch(/TAP_PROXY_PORT/);
  });

  it('layers env over a JSON file and rejects unknown file fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-proxy-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ ...minimal, TAP_PROXY_PORT: 9000, SHADOW_TAP_ROUTE_RATES: { '/health': 0 } }));
    const c = loadConfig({ TAP_PROXY_CONFIG: file, TAP_PROXY_PORT: '9001' });
    expect(c.port).toBe(9001);
    expect(c.tap.routeRates).toEqual({ '/health': 0 });
    writeFileSync(file, JSON.stringify({ ...minimal, TAP_PROXY_PROT: 1 }));
    expect(problemsOf({ TAP_PROXY_CONFIG: file })).toMatch(/TAP_PROXY_PROT: unknown field/);
  });
});

describe('transparency settings', () => {
  it('default to a transparent proxy: the client Host, nothing added, idle client connections kept 75 s', () => {
    const c = loadConfig(minimal);
    expect(c.hostHeader).toBe('client');
    expect(c.forwardedHeaders).toBe(false);
    expect(c.keepAliveTimeoutMs).toBe(75_000);
  });

  it('accept the documented values and name the field for others', () => {
    const c = loadConfig({ ...minimal, TAP_PROXY_HOST_HEADER: 'upstream', TAP_PROXY_FORWARDED_HEADERS: 'true', TAP_PROXY_KEEP_ALIVE_TIMEOUT_MS: '5000' });
    expect([c.hostHeader, c.forwardedHeaders, c.keepAliveTimeoutMs]).toEqual(['upstream', true, 5000]);
    const msg = problemsOf({ ...minimal, TAP_PROXY_HOST_HEADER: 'origin', TAP_PROXY_FORWARDED_HEADERS: 'yes', TAP_PROXY_KEEP_ALIVE_TIMEOUT_MS: '0' });
    expect(msg).toMatch(/TAP_PROXY_HOST_HEADER \(hostHeader\): .*got "origin"/);
    expect(msg).toMatch(/TAP_PROXY_FORWARDED_HEADERS \(forwardedHeaders\): .*got "yes"/);
    expect(msg).toMatch(/TAP_PROXY_KEEP_ALIVE_TIMEOUT_MS \(keepAliveTimeoutMs\): .*got "0"/);
  });
});

describe('docs/tap-proxy.md', () => {
  it('has a row for every setting: its variable and its file key', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/tap-proxy.md'), 'utf8');
    expect(undocumentedSettings(tapProxyConfig.settings, doc)).toEqual([]);
  });
});
