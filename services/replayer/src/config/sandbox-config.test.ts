import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const env = {
  KAFKA_BROKERS: 'k:9092',
  SCHEMA_REGISTRY_URL: 'http://r:8081',
  REPLAYER_CHALLENGERS: '[{"id":"cand","baseUrl":"http://c:8080"},{"id":"sec","baseUrl":"http://s:8080"}]',
};

function problems(base: Record<string, unknown>, overrides: Record<string, string> = {}): readonly string[] {
  try {
    loadConfig({ ...env, ...overrides }, base);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('replayer config: the sandbox section', () => {
  it('is validated with the rest, every bad field named by its full path', () => {
    const found = problems({
      admin: { port: 'x' },
      sandbox: {
        dependencies: { payments: 'ftp://payments' },
        rules: [{ action: 'drop' }, { action: 'record', dependency: 'payments', stub: { status: 42 } }],
        graceMs: 'soon',
        challengers: [{ id: 'cand', httpPort: 70000 }, { id: 'ghost' }],
        logger: 'pino',
        colour: 'blue',
      },
    });
    expect(found).toEqual([
      expect.stringMatching(/^admin\.port: /),
      'sandbox.logger: set by the replayer, not by the configuration',
      expect.stringMatching(/^sandbox\.colour: is not a known option/),
      'sandbox.challengers[0].httpPort: must be an integer in [0, 65535], got 70000',
      'sandbox.dependencies.payments.url: must be an http: or https: URL, got "ftp://payments"',
      'sandbox.rules[0].action: must be one of record, forward, block, got "drop"',
      'sandbox.rules[1].stub.status: must be an integer in [100, 599], got 42',
      'sandbox.graceMs: must be an integer in [0, 3600000], got "soon"',
      'sandbox.challengers[1].id: "ghost" is not one of the challengers (cand, sec)',
    ]);
  });

  it('accepts ports for some challengers, and a section without challengers', () => {
    const config = loadConfig(env, {
      sandbox: { challengers: [{ id: 'sec', httpPort: 18080, smtpPort: 0 }], dependencies: { payments: 'http://payments:8080' } },
    });
    expect(config.sandbox).toMatchObject({ enabled: true, challengers: [{ id: 'sec', httpPort: 18080 }] });
    expect(problems({ sandbox: { enabled: false } })).toEqual([]);
    expect(problems({ sandbox: { challengers: [] } })).toEqual([]);
    expect(problems({ sandbox: { challengers: 'cand' } })).toEqual([expect.stringMatching(/^sandbox\.challengers: must be a non-empty array/)]);
  });
});
