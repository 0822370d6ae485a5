import { describe, expect, it } from 'vitest';
import { resolveKafkaTransportOptions } from './options.js';
import { isLocalStack } from './topic-check.js';

describe('isLocalStack', () => {
  it('is true only when every broker is a loopback address', () => {
    expect(isLocalStack(['127.0.0.1:9092'])).toBe(true);
    expect(isLocalStack(['localhost:9092', '127.0.0.2:9093'])).toBe(true);
    expect(isLocalStack(['[::1]:9092'])).toBe(true);
    expect(isLocalStack(['127.0.0.1:9092', 'kafka-1.prod:9092'])).toBe(false);
    expect(isLocalStack(['10.0.0.5:9092'])).toBe(false);
    expect(isLocalStack(['localhost.example.com:9092'])).toBe(false);
    expect(isLocalStack([])).toBe(false);
  });

  it('decides the createTopic default, which an explicit value overrides', () => {
    const base = { service: 's', schemaRegistryUrl: 'http://r', env: {} };
    expect(resolveKafkaTransportOptions({ ...base, brokers: ['127.0.0.1:9092'] }).createTopic).toBe(true);
    expect(resolveKafkaTransportOptions({ ...base, brokers: ['kafka:9092'] }).createTopic).toBe(false);
    expect(resolveKafkaTransportOptions({ ...base, brokers: ['127.0.0.1:9092'], createTopic: false }).createTopic).toBe(false);
  });
});
