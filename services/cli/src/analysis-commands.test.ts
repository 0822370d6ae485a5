// report, gate, query, migrate: help text and command-line errors (nothing here opens ClickHouse;
// the commands against a real database are in test/analysis-commands.test.ts).
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { runCli } from './program.js';

function io(env: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, cwd: '/' };
}

const argv = (...args: string[]): string[] => ['node', 'shadow', ...args];

describe('shadow report | gate | query | migrate: command line', () => {
  it.each(['report', 'gate', 'query', 'migrate'])('%s --help exits 0 and documents exit codes and the connection', async (command) => {
    const t = io();
    expect(await runCli(argv(command, '--help'), t)).toBe(0);
    const help = t.lines.join('\n');
    expect(help).toMatch(/Exit codes/);
    expect(help).toMatch(/--clickhouse-url/);
  });

  it('the gate help matches docs/gate.md: --criteria, --challenger, --since, --format and exit 0 / 1 / 2', async () => {
    const t = io();
    await runCli(argv('gate', '--help'), t);
    const help = t.lines.join('\n');
    for (const flag of ['--criteria <file>', '--challenger <id>', '--since <time>', '--until <time>', '--run-id <id>', '--format <format>', '--out <file>'])
      expect(help).toContain(flag);
    expect(help).toMatch(/0 {2}pass[\s\S]*1 {2}fail[\s\S]*2 {2}insufficient data/);
  });

  it.each([
    [['gate', '--challenger', 'c', '--since', '48h'], /required option '--criteria <file>' not specified/],
    [['gate', '--criteria', 'g.yaml', '--since', '48h'], /required option '--challenger <id>' not specified/],
    [['report', '--since', '48h', '--format', 'xml'], /option '--format <format>' argument 'xml' is invalid/],
    [['report', '--since', 'yesterday-ish'], /option '--since <time>' argument 'yesterday-ish' is invalid/],
    [['query', 'SELECT 1', '--max-rows', '0'], /option '--max-rows <n>' argument '0' is invalid/],
    [['report', '--wat'], /unknown option '--wat'/],
    [['query'], /missing required argument 'sql'/],
  ])('a bad command line %j exits 2 with a clear message', async (args, message) => {
    const t = io();
    expect(await runCli(argv(...args), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(message);
  });

  it('exits 2 without a window, with both connections, or --until without --since', async () => {
    const t = io();
    expect(await runCli(argv('report', '--challenger', 'c', '--chdb-path', '/nowhere'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/say which pairs: --since <time>/);
    expect(await runCli(argv('report', '--since', '1h', '--clickhouse-url', 'http://localhost:8123', '--chdb-path', '/x'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/--clickhouse-url and --chdb-path select different databases/);
    expect(await runCli(argv('gate', '--criteria', 'g.yaml', '--challenger', 'c', '--run-id', 'r', '--until', '1h', '--chdb-path', '/x'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/--until needs --since/);
  });

  it('gate exits 2 on a criteria file that cannot be read, before opening ClickHouse', async () => {
    const t = io();
    expect(await runCli(argv('gate', '--criteria', '/no/such/gate.yaml', '--challenger', 'c', '--since', '48h', '--chdb-path', '/nowhere'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/criteria file \/no\/such\/gate\.yaml not found/);
  });

  // file(), url(), INTO OUTFILE are the endpoint's allow lists' to refuse (through a joiner's endpoint,
  // or the one `shadow query` serves itself on embedded chDB): test/exit-codes.test.ts.
  it('query refuses a write and several statements before connecting (exit 2)', async () => {
    for (const sql of ['INSERT INTO pairs VALUES (1)', 'SELECT 1; DROP TABLE pairs', 'DROP TABLE pairs']) {
      const t = io();
      expect(await runCli(argv('query', sql, '--chdb-path', '/nowhere'), t), sql).toBe(2);
      expect(t.errors.join('\n')).toMatch(/refused \(read-only\)/);
    }
  });
});
