import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from './cli.js';

describe('parseCommand', () => {
  const env = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('parses a pause for every tap', () => {
    expect(parseCommand(['pause', '--service', '*', '--reason', 'incident 42'], env)).toEqual({
      action: 'pause',
      service: '*',
      reason: 'incident 42',
      brokers: ['127.0.0.1:9092'],
      topic: 'shadow.control.v1',
    });
  });

  it('prefers --brokers over KAFKA_BROKERS and applies the topic prefix', () => {
    const c = parseCommand(['clear', '--service', 'checkout', '--brokers', 'a:1,b:2', '--topic-prefix', 'staging.'], env);
    expect(c.brokers).toEqual(['a:1', 'b:2']);
    expect(c.topic).toBe('staging.shadow.control.v1');
  });

  it.each([
    [[], /pause, resume or clear/],
    [['stop', '--service', 'x'], /pause, resume or clear/],
    [['pause', '--reason', 'r'], /--service is required/],
    [['pause', '--service', 'x'], /--reason is required for pause/],
    [['pause', '--service', 'x', '--reason', 'r', '--brokers', 'nohostport'], /--brokers: each broker must be host:port/],
    [['pause', '--service', 'x', '--reason', 'r', '--bogus'], /bogus/],
    [['resume', '--service', 'x', '--reason', 'r', '--topic-prefix', 'bad prefix'], /--topic-prefix/],
  ])('rejects %j with a message naming the problem', (argv, message) => {
    expect(() => parseCommand(argv, env)).toThrow(UsageError);
    expect(() => parseCommand(argv, env)).toThrow(message);
  });

  it('needs brokers from somewhere', () => {
    expect(() => parseCommand(['clear', '--service', 'x'], {})).toThrow(/no brokers/);
  });
});
