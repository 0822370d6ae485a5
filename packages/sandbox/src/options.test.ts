import { describe, expect, it } from 'vitest';
import { resolveSandboxOptions, validateSandboxOptions, type SandboxOptions } from './options.js';

const base: SandboxOptions = { challengers: ['cand'], onSideEffect: () => undefined };

function failure(over: Record<string, unknown>): string {
  try {
    resolveSandboxOptions({ ...base, ...over } as SandboxOptions);
  } catch (error) {
    expect(error).toMatchObject({ code: 'SANDBOX_INVALID_OPTION' });
    return (error as Error).message;
  }
  throw new Error('expected SANDBOX_INVALID_OPTION');
}

describe('resolveSandboxOptions', () => {
  it('applies the documented defaults and freezes the result', () => {
    const o = resolveSandboxOptions({ ...base, dependencies: { payments: 'http://Payments:8080/api/' } });
    expect(o).toMatchObject({
      forwardReads: true,
      reuseExhausted: true,
      host: '127.0.0.1',
      advertisedHost: '127.0.0.1',
      smtp: true,
      maxExchanges: 10_000,
      graceMs: 5_000,
      maxBodyBytes: 65_536,
    });
    expect(o.challengers).toEqual([{ id: 'cand', httpPort: 0, smtpPort: 0 }]);
    expect(o.dependencies.get('payments')).toMatchObject({ host: 'payments', port: 8080, basePath: '/api', scheme: 'http', kind: 'http' });
    expect([...o.redactHeaders]).toContain('authorization');
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('advertises 127.0.0.1 when listening on a wildcard address', () => {
    expect(resolveSandboxOptions({ ...base, host: '0.0.0.0' }).advertisedHost).toBe('127.0.0.1');
    expect(resolveSandboxOptions({ ...base, host: '0.0.0.0', advertisedHost: 'sandbox.svc' }).advertisedHost).toBe('sandbox.svc');
  });

  it('names the bad field', () => {
    expect(failure({ challengers: [] })).toMatch(/^challengers must be/);
    expect(failure({ challengers: ['a', { id: 'a' }] })).toMatch(/challengers\[1\]\.id "a" is listed twice/);
    expect(failure({ challengers: [{ id: 'a', httpPort: 70000 }] })).toMatch(/challengers\[0\]\.httpPort must be an integer in \[0, 65535\]/);
    expect(failure({ onSideEffect: 'x' })).toMatch(/^onSideEffect must be a function/);
    expect(failure({ dependencies: { payments: 'ftp://x' } })).toMatch(/dependencies\.payments\.url must be an http: or https: URL/);
    expect(failure({ dependencies: { payments: 'not a url' } })).toMatch(/dependencies\.payments\.url/);
    expect(failure({ dependencies: { payments: { url: 'http://x', alias: [] } } })).toMatch(/dependencies\.payments\.alias is not a known option/);
    expect(failure({ rules: [{ action: 'allow' }] })).toMatch(/rules\[0\]\.action must be one of record, forward, block/);
    expect(failure({ rules: [{ action: 'record', allowWrites: true }] })).toMatch(/rules\[0\]\.allowWrites is only meaningful with action "forward"/);
    expect(failure({ rules: [{ action: 'record', dependency: 'nope' }] })).toMatch(/rules\[0\]\.dependency must be a configured dependency/);
    expect(failure({ rules: [{ action: 'record', path: 'v1' }] })).toMatch(/rules\[0\]\.path must be a glob starting with/);
    expect(failure({ rules: [{ action: 'record', methods: ['GE T'] }] })).toMatch(/rules\[0\]\.methods\[0\]/);
    expect(failure({ rules: [{ action: 'block', stub: { status: 42 } }] })).toMatch(/rules\[0\]\.stub\.status must be an integer in \[100, 599\]/);
    expect(failure({ rules: [{ action: 'block', stub: {} }] })).toMatch(/rules\[0\]\.stub\.status/);
    expect(failure({ graceMs: -1 })).toMatch(/^graceMs must be/);
    expect(failure({ forwardReads: 'yes' })).toMatch(/^forwardReads must be true or false/);
    expect(failure({ logger: { info: () => undefined } })).toMatch(/^logger\.debug must be a function/);
    expect(failure({ colour: 'blue' })).toMatch(/^colour is not a known option/);
  });

  it('names every bad field at once, not only the first', () => {
    const bad = {
      challengers: [{ id: 'a', httpPort: -1 }, 'a'],
      dependencies: { payments: 'ftp://x', 'bad name': 'http://y' },
      rules: [{ action: 'drop', methods: [] }, { action: 'record', dependency: 'payments', stub: { status: 42 } }, 'x'],
      graceMs: 'soon',
      colour: 'blue',
    };
    const problems = validateSandboxOptions({ ...base, ...bad } as unknown as SandboxOptions);
    expect(problems.map((p) => p.field)).toEqual([
      'colour',
      'challengers[0].httpPort',
      'challengers[1].id',
      'dependencies.payments.url',
      'dependencies["bad name"]',
      'rules[0].action',
      'rules[0].methods',
      'rules[1].stub.status',
      'rules[2]',
      'graceMs',
    ]);
    expect(problems.find((p) => p.field === 'rules[0].action')?.message).toBe('must be one of record, forward, block, got "drop"');
    let thrown: unknown;
    try {
      resolveSandboxOptions({ ...base, ...bad } as unknown as SandboxOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'SANDBOX_INVALID_OPTION', problems });
    expect(validateSandboxOptions(base)).toEqual([]);
  });
});
