// The exit codes docs/gate.md and docs/cli.md document are the ones the code gives: the tables are
// read here and compared with GATE_EXIT_CODES, EXIT and each command's --help. (What the commands
// really exit with is tested through the CLI as a child process: test/exit-codes*.test.ts.)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GATE_EXIT_CODES } from '@shadow/analysis';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { runCli } from './program.js';

const DOCS = resolve(import.meta.dirname, '../../../docs');

/** Rows of the markdown table whose header line starts with `header`, as trimmed cells. */
function table(file: string, header: string): string[][] {
  const lines = readFileSync(join(DOCS, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `${file}: table "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

async function help(command: string): Promise<string> {
  const lines: string[] = [];
  const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, cwd: '/' };
  expect(await runCli(['node', 'shadow', command, '--help'], io)).toBe(0);
  return lines.join('\n');
}

describe('documented exit codes = real exit codes', () => {
  it("docs/gate.md: 0 pass, 1 fail, 2 insufficient, not measured, invalid; as GATE_EXIT_CODES and the CLI's EXIT", () => {
    const rows = table('gate.md', '| exit | verdict | meaning |').map(([code, verdict]) => [Number(code), (verdict ?? '').replaceAll('`', '')]);
    expect(rows).toEqual([
      [0, 'pass'],
      [1, 'fail'],
      [2, 'insufficient'],
      [2, 'not measured'],
      [2, 'invalid'],
    ]);
    expect(rows).toEqual([
      [GATE_EXIT_CODES.pass, 'pass'],
      [GATE_EXIT_CODES.fail, 'fail'],
      [GATE_EXIT_CODES.insufficient, 'insufficient'],
      [GATE_EXIT_CODES.notMeasured, 'not measured'],
      [GATE_EXIT_CODES.invalid, 'invalid'],
    ]);
    expect(EXIT.notMeasured).toBe(GATE_EXIT_CODES.notMeasured);
    expect(EXIT.usage).toBe(GATE_EXIT_CODES.invalid);
  });

  it("docs/cli.md: 1 is only the gate's fail among the analysis commands, 2 whatever keeps them from measuring", () => {
    const rows = new Map(table('cli.md', '| code | meaning |').map(([code, meaning]) => [Number(code), meaning ?? '']));
    expect([...rows.keys()]).toEqual([EXIT.ok, EXIT.problems, EXIT.usage, 130]);
    expect(rows.get(1)).toMatch(/`gate`: fail, and nothing else/);
    expect(rows.get(1)).not.toMatch(/ClickHouse/);
    expect(rows.get(2)).toMatch(
      /`report`, `gate`, `query`, `migrate`: also nothing measured \(ClickHouse unreachable, credentials refused, unknown database or table, a query failed\), `report`: no pairs, `gate`: not enough data/,
    );
  });

  it('gate --help lists the same codes: 1 only for fail, ClickHouse failures under 2', async () => {
    const text = await help('gate');
    const codes = text.slice(text.indexOf('Exit codes'));
    expect(codes).toMatch(/\n {2}0 {2}pass[^\n]*\n {2}1 {2}fail: a blocking criterion is violated \(do not promote\)\n {2}2 {2}insufficient data/);
    expect(codes).toMatch(/2 {2}[\s\S]*ClickHouse unreachable/);
  });

  it.each(['report', 'query'])('%s --help says 2 for no answer and never 1', async (command) => {
    const text = await help(command);
    expect(text).toMatch(/Exit codes: 0 [^;]+; 2 /);
    expect(text).toMatch(/ClickHouse unreachable/);
    expect(text).toMatch(/Never 1\./);
  });
});
