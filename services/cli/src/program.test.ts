import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { runCli } from './program.js';

function io(env: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, cwd: '/' };
}

const argv = (...args: string[]): string[] => ['node', 'shadow', ...args];

describe('shadow CLI', () => {
  it('exits 0 on --help and lists the topics commands', async () => {
    const t = io();
    expect(await runCli(argv('topics', '--help'), t)).toBe(0);
    expect(t.lines.join('\n')).toMatch(/ensure[\s\S]*check/);
  });

  it('exits 2 on an unknown command or option, or a bad value, naming it', async () => {
    const t = io();
    expect(await runCli(argv('nope'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/unknown command 'nope'/);
    expect(await runCli(argv('topics', 'check', '--partitions', '0'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/--partitions <n>' argument '0' is invalid/);
    expect(await runCli(argv('topics', 'check', '--role', 'bogus'), t)).toBe(2);
    expect(await runCli(argv('topics', 'check', '--wat'), t)).toBe(2);
  });

  it('exits 2 when no brokers can be found, saying where it looked', async () => {
    const t = io();
    expect(await runCli(argv('topics', 'check'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/no Kafka brokers: pass --brokers/);
  });

  it('exits 2 on malformed brokers from the environment, naming the variable', async () => {
    const t = io({ KAFKA_BROKERS: 'not a broker' });
    expect(await runCli(argv('topics', 'ensure'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/KAFKA_BROKERS must be a comma-separated list of host:port/);
  });
});
