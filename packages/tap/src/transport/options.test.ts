import { describe, expect, it } from 'vitest';
import { localSwitchFromEnv, resolveKafkaTransportOptions } from './options.js';

const base = { service: 'svc', brokers: ['127.0.0.1:9092'], schemaRegistryUrl: 'http://127.0.0.1:8081', env: {} };

describe('Kafka transport options', () => {
  it('applies the documented defaults and freezes the result', () => {
    const o = resolveKafkaTransportOptions(base);
    expect(o).toMatchObject({
      topic: 'shadow.exchanges.v1',
      clientId: 'shadow-tap-svc',
      compression: 'gzip',
      gzipLevel: 1,
      producerThreadNice: 10,
      sendAttempts: 3,
      queue: { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 },
      batch: { maxRecords: 500, maxBytes: 768 * 1024, lingerMs: 50 },
      control: { topic: 'shadow.control.v1', startTimeoutMs: 15_000 },
      locallyEnabled: true,
    });
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.queue)).toBe(true);
  });

  it('derives topics from the prefix', () => {
    const o = resolveKafkaTransportOptions({ ...base, topicPrefix: 't1.' });
    expect(o.topic).toBe('t1.shadow.exchanges.v1');
    expect(o.control?.topic).toBe('t1.shadow.control.v1');
  });

  it('names the field and the accepted values on a bad option', () => {
    expect(() => resolveKafkaTransportOptions({ ...base, queue: { maxRecords: 0 } })).toThrow(/queue\.maxRecords must be an integer in \[1, /);
    expect(() => resolveKafkaTransportOptions({ ...base, compression: 'zstd' as 'gzip' })).toThrow(/compression must be one of gzip, none, got "zstd"/);
    expect(() => resolveKafkaTransportOptions({ ...base, gzipLevel: 0 })).toThrow(/gzipLevel must be an integer in \[1, 9\]/);
    expect(() => resolveKafkaTransportOptions({ ...base, producerThreadNice: 20 })).toThrow(/producerThreadNice must be an integer in \[0, 19\]/);
    expect(() => resolveKafkaTransportOptions({ ...base, brokers: [] })).toThrow(/brokers must be a non-empty array/);
    expect(() => resolveKafkaTransportOptions({ ...base, schemaRegistryUrl: undefined })).toThrow(/schemaRegistryUrl must be set/);
    expect(() => resolveKafkaTransportOptions({ ...base, topicPrefix: 'a b' })).toThrow(expect.objectContaining({ code: 'TAP_INVALID_OPTION' }));
  });

  it('the local switch is off when the option or the environment says so', () => {
    expect(resolveKafkaTransportOptions({ ...base, enabled: false }).locallyEnabled).toBe(false);
    expect(resolveKafkaTransportOptions({ ...base, env: { SHADOW_TAP_ENABLED: 'false' } }).locallyEnabled).toBe(false);
    expect(resolveKafkaTransportOptions({ ...base, enabled: true, env: { SHADOW_TAP_ENABLED: 'OFF' } }).locallyEnabled).toBe(false);
    expect(localSwitchFromEnv({ SHADOW_TAP_ENABLED: '1' })).toBe(true);
    expect(() => localSwitchFromEnv({ SHADOW_TAP_ENABLED: 'maybe' })).toThrow(/SHADOW_TAP_ENABLED must be one of/);
  });
});
